"""The output folder as the dashboard serves it: read-only, and nothing outside it.

A requested path is refused unless it names an existing regular file inside the output root once
every symbolic link is resolved: no ``..``, no absolute paths, no hidden files (``.name.tmp`` is a
file being written), no link leading elsewhere. HTML (and SVG) from the folder is sent with a
sandboxing policy: a page's scripts run in an opaque origin, so content an office typed into a
submission can neither read Airflow's login cookie nor call the API as the reader.

A sandboxed page's own requests carry no login cookie, so the Data Docs' static assets (the pinned
public libraries, styles, fonts and icons under ``data_docs/static/``) are the one part of the
folder served without a login; they hold no data, and only those file types are served there.
"""

from __future__ import annotations

import mimetypes
from pathlib import Path, PurePosixPath

# The Data Docs' static folder (techaid.outputs.data_docs.docs_dir() / "static"), as a URL path
# under the output root, and the only file types served from it.
PUBLIC_ASSETS = "data_docs/static"
ASSET_SUFFIXES = frozenset(
    {
        ".css",
        ".js",
        ".map",
        ".woff",
        ".woff2",
        ".ttf",
        ".otf",
        ".eot",
        ".svg",
        ".png",
        ".gif",
        ".jpg",
        ".ico",
    }
)
# Downloaded rather than shown: a browser has nothing to show for these.
DOWNLOADS = {".xlsx", ".eml", ".csv", ".zip"}
# The HTML's own scripts run (the Data Docs need them) in an opaque origin.
HTML_POLICY = "sandbox allow-scripts allow-popups allow-popups-to-escape-sandbox allow-downloads"


class NotServed(LookupError):
    """The path names nothing the dashboard serves."""


def resolve(root: Path, relative: str) -> Path:
    """The regular file under ``root`` that ``relative`` (a URL path, ``/``-separated) names."""
    if not relative or "\\" in relative or "\x00" in relative:
        raise NotServed(relative)
    parts = PurePosixPath(relative).parts
    if not parts or relative.startswith("/") or any(p.startswith(".") for p in parts):
        raise NotServed(relative)
    try:
        base = root.resolve(strict=True)
        target = base.joinpath(*parts).resolve(strict=True)
    except (OSError, RuntimeError) as exc:  # missing, or a symlink loop
        raise NotServed(relative) from exc
    if not target.is_relative_to(base) or not target.is_file():
        raise NotServed(relative)
    return target


def media_type(path: Path) -> str:
    if path.suffix == ".eml":
        return "message/rfc822"
    guessed, _ = mimetypes.guess_type(path.name)
    return guessed or "application/octet-stream"


def headers(path: Path) -> dict[str, str]:
    """Response headers of a served file: never cached (readers are logged in), never sniffed."""
    out = {"Cache-Control": "no-store", "X-Content-Type-Options": "nosniff"}
    if path.suffix in (".html", ".htm", ".svg"):
        out["Content-Security-Policy"] = HTML_POLICY
    return out


def asset(static_root: Path, relative: str) -> Path:
    """A static asset of the Data Docs (no login): a file of an asset type under their folder."""
    path = resolve(static_root, relative)
    if path.suffix.lower() not in ASSET_SUFFIXES:
        raise NotServed(relative)
    return path


def is_download(path: Path) -> bool:
    return path.suffix in DOWNLOADS
