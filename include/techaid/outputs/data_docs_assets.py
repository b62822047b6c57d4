"""The scripts, styles and fonts of the Data Docs pages, served from the site itself.

GX's page templates load Bootstrap, jQuery, popper.js, bootstrap-table, bootstrap-datepicker, a dark
theme, Font Awesome and Vega from public CDNs, and its logo from a public bucket. On an intranet
without internet those pages render as bare text, and the index, whose table jQuery and
bootstrap-table draw, lists nothing. So every such URL is mapped here to a file of a pinned npm
package (``include/data_docs_assets/package.json`` and its lock; ``make data-docs-assets`` installs
them into ``node_modules/`` there). :func:`install` copies the files into
``<site>/static/vendor/<package>-<version>/`` and :func:`localize` rewrites each rendered page to
load them by relative URLs. A page that still loads anything from the network is refused, so a GX
upgrade that adds a CDN URL fails the build instead of shipping a page that breaks offline.

Nothing is downloaded at run time: without the installed packages the build stops with
:class:`AssetsMissing`, naming the command that installs them.
"""

from __future__ import annotations

import re
import shutil
from dataclasses import dataclass
from pathlib import Path

from techaid import paths

PACKAGE_DIR = paths.INCLUDE_DIR / "data_docs_assets"
VENDOR = "static/vendor"
INSTALL_COMMAND = "make data-docs-assets"


@dataclass(frozen=True)
class Asset:
    """One file of an npm package, and the folders it refers to (a stylesheet's fonts)."""

    package: str
    version: str
    file: str
    also: tuple[str, ...] = ()

    @property
    def folder(self) -> str:
        """Its folder in the site: versioned, so pages built against an older pin keep theirs."""
        return f"{VENDOR}/{self.package.rsplit('/', 1)[-1]}-{self.version}"

    @property
    def site_path(self) -> str:
        return f"{self.folder}/{self.file}"


_BOOTSTRAP = "4.3.1"
_TABLE = "1.19.1"  # also serves the 1.19.0 filter-control styles: the same rules, another banner
_TABLE_DIST = "dist/extensions/filter-control/bootstrap-table-filter-control"
_DATEPICKER = "1.9.0"

# Every URL GX's templates load something from, and the pinned file served instead.
CDN: dict[str, Asset] = {
    "https://maxcdn.bootstrapcdn.com/bootstrap/4.3.1/css/bootstrap.min.css": Asset(
        "bootstrap", _BOOTSTRAP, "dist/css/bootstrap.min.css"
    ),
    "https://stackpath.bootstrapcdn.com/bootstrap/4.3.1/js/bootstrap.min.js": Asset(
        "bootstrap", _BOOTSTRAP, "dist/js/bootstrap.min.js"
    ),
    "https://code.jquery.com/jquery-3.7.1.min.js": Asset("jquery", "3.7.1", "dist/jquery.min.js"),
    "https://cdnjs.cloudflare.com/ajax/libs/popper.js/1.12.9/umd/popper.min.js": Asset(
        "popper.js", "1.12.9", "dist/umd/popper.min.js"
    ),
    "https://unpkg.com/bootstrap-table@1.19.1/dist/bootstrap-table.min.css": Asset(
        "bootstrap-table", _TABLE, "dist/bootstrap-table.min.css"
    ),
    "https://unpkg.com/bootstrap-table@1.19.1/dist/bootstrap-table.min.js": Asset(
        "bootstrap-table", _TABLE, "dist/bootstrap-table.min.js"
    ),
    f"https://unpkg.com/bootstrap-table@1.19.1/{_TABLE_DIST}.min.js": Asset(
        "bootstrap-table", _TABLE, f"{_TABLE_DIST}.min.js"
    ),
    f"https://unpkg.com/bootstrap-table@1.19.0/{_TABLE_DIST}.css": Asset(
        "bootstrap-table", _TABLE, f"{_TABLE_DIST}.css"
    ),
    f"https://unpkg.com/bootstrap-table@1.19.0/{_TABLE_DIST}.min.css": Asset(
        "bootstrap-table", _TABLE, f"{_TABLE_DIST}.min.css"
    ),
    "https://cdnjs.cloudflare.com/ajax/libs/bootstrap-datepicker/1.9.0/css/bootstrap-datepicker.min.css": Asset(
        "bootstrap-datepicker", _DATEPICKER, "dist/css/bootstrap-datepicker.min.css"
    ),
    "https://cdnjs.cloudflare.com/ajax/libs/bootstrap-datepicker/1.9.0/js/bootstrap-datepicker.min.js": Asset(
        "bootstrap-datepicker", _DATEPICKER, "dist/js/bootstrap-datepicker.min.js"
    ),
    "https://cdn.jsdelivr.net/npm/@forevolve/bootstrap-dark@1.1.0/dist/css/bootstrap-prefers-dark.css": Asset(
        "@forevolve/bootstrap-dark", "1.1.0", "dist/css/bootstrap-prefers-dark.css"
    ),
    "https://cdnjs.cloudflare.com/ajax/libs/font-awesome/6.6.0/css/all.min.css": Asset(
        "@fortawesome/fontawesome-free", "6.6.0", "css/all.min.css", also=("webfonts",)
    ),
    # The pages ask for the newest 5.x / 6.x; the lock pins the newest there was when pinned.
    "https://cdn.jsdelivr.net/npm/vega@5": Asset("vega", "5.33.1", "build/vega.min.js"),
    "https://cdn.jsdelivr.net/npm/vega-lite@5": Asset(
        "vega-lite", "5.23.0", "build/vega-lite.min.js"
    ),
    "https://cdn.jsdelivr.net/npm/vega-embed@6": Asset(
        "vega-embed", "6.29.0", "build/vega-embed.min.js"
    ),
}

# GX's logo from its public bucket: the copy GX itself puts in the site (the dark-theme variant
# has no copy there; the same logo stands in).
_GX_BUCKET = "https://great-expectations-web-assets.s3.us-east-2.amazonaws.com/"
GX_IMAGES: dict[str, str] = {
    _GX_BUCKET + "logo-long.png": "static/images/logo-long.png",
    _GX_BUCKET + "full_logo_dark.png": "static/images/logo-long.png",
}

# A tag that makes the browser fetch its URL, or a stylesheet url(): what must never be remote.
_REMOTE_LOAD = re.compile(
    r"<(?:script|link|img|iframe|source|embed)\b[^>]*?\s(?:src|href)\s*=\s*[\"']"
    r"((?:https?:)?//[^\"']+)"
    r"|url\(\s*[\"']?((?:https?:)?//[^\"')]+)",
    re.IGNORECASE,
)
# What a CDN copy needs and a local file breaks: from a file:// page, a script marked
# crossorigin (and so checked against its integrity hash) is refused by the browser.
_CDN_ATTRIBUTES = re.compile(r'\s+(?:integrity="[^"]*"|crossorigin="[^"]*")')
# GX's own static files, referred to with a depth that is wrong on some pages (the favicon of a
# validation page points one folder too high).
_STATIC_REF = re.compile(r"([\"'])(?:\./|(?:\.\./)+)static/")


class AssetsMissing(RuntimeError):
    """The pinned packages are not installed (or not at the pinned versions)."""


class RemoteAsset(RuntimeError):
    """A rendered page would still load something from the internet."""


def node_modules(package_dir: Path | None = None) -> Path:
    return (package_dir or PACKAGE_DIR) / "node_modules"


def assets() -> list[Asset]:
    """Every asset once, in a stable order."""
    return sorted(set(CDN.values()), key=lambda a: a.site_path)


def _installed_version(package_root: Path) -> str | None:
    import json

    manifest = package_root / "package.json"
    if not manifest.is_file():
        return None
    return str(json.loads(manifest.read_text("utf-8")).get("version"))


def check_installed(package_dir: Path | None = None) -> Path:
    """The ``node_modules`` folder, once every asset is there at its pinned version."""
    modules = node_modules(package_dir)
    problems = []
    for asset in assets():
        root = modules / asset.package
        version = _installed_version(root)
        if version != asset.version:
            found = f"version {version}" if version else "not installed"
            problems.append(f"{asset.package} {asset.version} ({found})")
        elif not (root / asset.file).is_file():
            problems.append(f"{asset.package}/{asset.file} (file missing)")
    if problems:
        raise AssetsMissing(
            f"the Data Docs pages need these packages under {modules}: "
            + ", ".join(sorted(set(problems)))
            + f"; run `{INSTALL_COMMAND}` (npm ci, once per checkout), then build again"
        )
    return modules


def _copy_if_changed(src: Path, dest: Path) -> None:
    same_size = dest.is_file() and dest.stat().st_size == src.stat().st_size
    if same_size and dest.read_bytes() == src.read_bytes():
        return
    dest.parent.mkdir(parents=True, exist_ok=True)
    shutil.copyfile(src, dest)


def install(site_dir: Path, package_dir: Path | None = None) -> list[Path]:
    """Copy every asset (and the folders it refers to) into the site; unchanged files are left
    alone. Raises :class:`AssetsMissing` before copying anything when a package is missing."""
    modules = check_installed(package_dir)
    written = []
    for asset in assets():
        root = modules / asset.package
        files = [root / asset.file]
        for folder in asset.also:
            files += sorted(p for p in (root / folder).rglob("*") if p.is_file())
        for src in files:
            dest = site_dir / asset.folder / src.relative_to(root)
            _copy_if_changed(src, dest)
            written.append(dest)
    return written


def page_depth(renderer_type: str, suite_name: str | None) -> int:
    """How many folders below the site root GX writes a page: the index at the root, a suite's
    page at ``expectations/<suite parts>.html``, a result's at
    ``validations/<suite parts>/<run name>/<run time>/<batch>.html``."""
    dots = (suite_name or "").count(".")
    if "ValidationResults" in renderer_type or "ProfilingResults" in renderer_type:
        return dots + 4
    if "ExpectationSuite" in renderer_type:
        return dots + 1
    return 0


def localize(html: str, depth: int) -> str:
    """A rendered page that loads every asset from the site, by URLs relative to its folder
    ``depth`` levels below the root. Raises :class:`RemoteAsset` naming any URL it still
    loads."""
    up = "../" * depth
    targets = {url: asset.site_path for url, asset in CDN.items()} | GX_IMAGES
    for url, path in targets.items():
        for quote in ('"', "'"):
            html = html.replace(f"{quote}{url}{quote}", f"{quote}{up}{path}{quote}")
    html = _strip_cdn_attributes(html)
    html = _STATIC_REF.sub(lambda m: f"{m.group(1)}{up}static/", html)
    remote = sorted({a or b for a, b in _REMOTE_LOAD.findall(html)})
    if remote:
        raise RemoteAsset(
            "a Data Docs page would load from the internet: "
            + ", ".join(remote)
            + " (map it to a pinned package in techaid.outputs.data_docs_assets.CDN)"
        )
    return html


def _strip_cdn_attributes(html: str) -> str:
    """Drop ``integrity`` and ``crossorigin`` from the tags that load a vendored file."""

    def fix(match: re.Match[str]) -> str:
        tag = match.group(0)
        return _CDN_ATTRIBUTES.sub("", tag) if f"{VENDOR}/" in tag else tag

    return re.sub(r"<(?:script|link)\b[^>]*>", fix, html, flags=re.IGNORECASE)
