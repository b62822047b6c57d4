"""The Data Docs site: built under <output>/data_docs from the stored (masked) results of a run's
files; no phone number or household id appears unmasked anywhere in it, building it again from the
same results gives the same bytes, every page loads its scripts, styles and fonts from the site
(the pinned packages' very files), and each validation is titled with its city and period."""

from __future__ import annotations

import base64
import copy
import hashlib
import json
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from dq_builders import HH, build_file, clean_rows, context

from techaid.findings import mask
from techaid.outputs import data_docs, data_docs_assets

Rows = dict[str, list[dict[str, Any]]]
SID = "0123456789abcdef0123"
PHONE, BAD_PHONE = "13912345678", "0556-5551234"
STRAY_HOUSEHOLD = "349999999999000099"  # a household id typed where a village code belongs


def _personal(rows: Rows) -> list[str]:
    """The raw values the site must never show: a duplicated household id, a malformed phone
    (both failing), a valid phone, and a household id in a non-personal column."""
    rows["households"][1]["household_id"] = HH[0]
    rows["experts"][0]["phone"] = PHONE
    rows["experts"][1]["phone"] = BAD_PHONE
    rows["agreements"][0]["target_id"] = STRAY_HOUSEHOLD
    return [HH[0], PHONE, BAD_PHONE, STRAY_HOUSEHOLD]


def _files(root: Path) -> dict[str, bytes]:
    return {
        str(p.relative_to(root)): p.read_bytes() for p in sorted(root.rglob("*")) if p.is_file()
    }


@dataclass
class Site:
    root: Path  # the output folder
    index: Path
    first: dict[str, bytes]  # every file after the first build
    again: dict[str, bytes]  # ... and after recording and building again
    raw: list[str]


@pytest.fixture(scope="module")
def site(gx: Any, tmp_path_factory: pytest.TempPathFactory) -> Site:
    """One small file with failing personal values, recorded and built twice."""
    rows = copy.deepcopy(clean_rows())
    raw = _personal(rows)
    parsed = build_file(rows)
    root = tmp_path_factory.mktemp("output")

    def build() -> Path:
        data_docs.record_file(parsed, context(), SID, "2018-07-02T08:00:00", root)
        return data_docs.build_data_docs(root, [SID])

    index = build()
    first = _files(root)
    build()
    return Site(root, index, first, _files(root), raw)


@pytest.mark.slow  # builds a whole Data Docs site
def test_should_build_the_site_without_personal_data(site: Site) -> None:
    assert site.index == site.root / "data_docs" / "index.html"
    assert site.index.is_file()
    pages = list((site.root / "data_docs" / "validations").rglob("*.html"))
    assert any("households" in p.name for p in pages)
    assert any("experts" in p.name for p in pages)
    assert f"340800_2018-06_{SID}" in site.index.read_text(encoding="utf-8")
    for name, data in site.again.items():  # the site and the stored results
        for value in site.raw:
            assert value.encode() not in data, f"{value} unmasked in {name}"
    experts = next(p for p in pages if "experts" in p.name).read_text(encoding="utf-8")
    assert mask(BAD_PHONE) in experts  # the failure is shown, masked


@pytest.mark.slow  # builds a whole Data Docs site
def test_should_give_the_same_site_when_built_again(site: Site) -> None:
    assert sorted(site.again) == sorted(site.first)
    assert [name for name, data in site.again.items() if data != site.first[name]] == []


@pytest.mark.slow  # builds a whole Data Docs site
def test_should_leave_the_checks_context_current(site: Site, gx: Any) -> None:
    """GX builds suites against its current project: the docs context must not stay it."""
    from great_expectations.data_context.data_context.context_factory import project_manager

    from techaid.quality import suites

    assert project_manager.get_current_project() is gx.context
    assert suites.stale() == []


def test_should_mask_personal_columns_and_look_alikes() -> None:
    assert data_docs.personal_columns("experts") == {"name", "phone"}
    assert data_docs.personal_columns("households") == {"household_id"}
    assert data_docs._scrub("E001", False) == "E001"
    assert data_docs._scrub("340825101201", False) == "340825101201"  # a village code
    assert data_docs._scrub(STRAY_HOUSEHOLD, False) == mask(STRAY_HOUSEHOLD)
    assert data_docs._scrub("tel 13912345678", False) == mask("tel 13912345678")
    assert data_docs._scrub("欧阳小明", True) == mask("欧阳小明")
    assert data_docs._scrub(7, False) == 7
    entry = {"household_id": HH[0], "row_number": 3}
    assert data_docs._scrub_entry(entry, {"household_id"}, True) == {
        "household_id": mask(HH[0]),
        "row_number": 3,
    }


# ---------------------------------------------------------------- offline, titled


# What makes a browser fetch a URL: a script, stylesheet, icon or image tag, a CSS url().
_LOADED = re.compile(
    r"<(?:script|link|img)\b[^>]*?\s(?:src|href)=[\"']([^\"']+)[\"']|url\([\"']?([^\"')]+)"
)
TITLE = "340800 安庆市 2018-06 · {sheet}"


def _loaded(page: str) -> list[str]:
    return [a or b for a, b in _LOADED.findall(page) if not (a or b).startswith("data:")]


@pytest.mark.slow  # builds a whole Data Docs site
def test_should_load_every_script_style_and_image_from_the_site(site: Site) -> None:
    """Offline, a page shows what the site holds: nothing it loads is remote, every file it
    loads is there (by a URL relative to the page, at any depth)."""
    docs = site.root / "data_docs"
    pages = sorted(docs.rglob("*.html"))
    assert len(pages) > 10
    for page in pages:
        urls = _loaded(page.read_text(encoding="utf-8"))
        assert any("static/vendor/jquery-3.7.1/" in u for u in urls), page
        for url in urls:
            assert "//" not in url, f"{page.relative_to(docs)} loads {url}"
            target = (page.parent / url.split("?")[0]).resolve()
            assert target.is_file(), f"{page}: {url}"
            assert docs.resolve() in target.parents, f"{page}: {url}"
    fonts = docs / "static/vendor/fontawesome-free-6.6.0/webfonts/fa-solid-900.woff2"
    assert fonts.is_file()  # what the icon stylesheet refers to


@pytest.mark.slow  # builds a whole Data Docs site
def test_should_title_each_validation_with_its_city_and_period(site: Site) -> None:
    index = site.index.read_text(encoding="utf-8")
    for sheet in ("households", "experts", "counties"):
        assert TITLE.format(sheet=sheet) in index
    page = next((site.root / "data_docs" / "validations").rglob("*experts.html"))
    text = page.read_text(encoding="utf-8")
    assert text.count("<title>") == 1
    assert f"<title>{TITLE.format(sheet='experts')}</title>" in text
    heading = re.search(r'<h4 class="m-0 ge-validation-title" >\s*(.*?)\s*</h4>', text, re.S)
    assert heading
    assert TITLE.format(sheet="experts") in heading.group(1)


@pytest.mark.slow  # builds a whole Data Docs site
def test_should_serve_the_very_files_the_pages_named(site: Site) -> None:
    """The files served are the CDN's: same bytes where GX gives their checksum, the versions
    its URLs name, pinned as such for npm."""
    import great_expectations

    templates = Path(great_expectations.__file__).parent / "render/view/templates"
    imports = (templates / "js_script_imports.j2").read_text(encoding="utf-8")
    checked = 0
    for url, sri in re.findall(r'src="([^"]+)" integrity="(sha384-[^"]+)"', imports):
        served = site.root / "data_docs" / data_docs_assets.CDN[url].site_path
        digest = base64.b64encode(hashlib.sha384(served.read_bytes()).digest()).decode()
        assert f"sha384-{digest}" == sri, url
        checked += 1
    assert checked == 2  # popper.js and bootstrap's script
    pinned = json.loads((data_docs_assets.PACKAGE_DIR / "package.json").read_text())
    for url, asset in data_docs_assets.CDN.items():
        assert pinned["dependencies"][asset.package] == asset.version, asset
        named = re.search(r"[@/-](\d+(?:\.\d+)*)(?=/|$|\.min)", url.split("//", 1)[1])
        assert named, url
        if named.group(1) == "1.19.0":  # the same filter-control styles (docs/decisions.md)
            assert asset.package == "bootstrap-table"
            assert asset.version == "1.19.1"
        else:
            assert asset.version.startswith(named.group(1)), url


def test_should_stop_before_building_without_the_installed_assets(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(data_docs_assets, "PACKAGE_DIR", tmp_path / "assets")
    with pytest.raises(data_docs_assets.AssetsMissing, match="make data-docs-assets"):
        data_docs.build_data_docs(tmp_path / "output")
    assert not (tmp_path / "output").exists()


def test_should_refuse_a_page_that_would_load_from_the_internet() -> None:
    page = (
        '<script src="https://code.jquery.com/jquery-3.7.1.min.js"></script>'
        '<script src="https://cdnjs.cloudflare.com/ajax/libs/popper.js/1.12.9/umd/popper.min.js"'
        ' integrity="sha384-x" crossorigin="anonymous"></script>'
        '<link rel="shortcut icon" href="../static/images/favicon.ico"/>'
        '<a href="https://greatexpectations.io">a link is only followed when clicked</a>'
    )
    local = data_docs_assets.localize(page, 2)
    assert '<script src="../../static/vendor/jquery-3.7.1/dist/jquery.min.js">' in local
    assert '"../../static/vendor/popper.js-1.12.9/dist/umd/popper.min.js"></script>' in local
    assert 'href="../../static/images/favicon.ico"' in local
    with pytest.raises(data_docs_assets.RemoteAsset, match=re.escape("https://cdn.example/x.js")):
        data_docs_assets.localize(page + '<script src="https://cdn.example/x.js"></script>', 0)
    with pytest.raises(data_docs_assets.RemoteAsset, match=re.escape("//fonts.example/f.woff")):
        data_docs_assets.localize("<style>a { background: url(//fonts.example/f.woff) }</style>", 0)


def test_should_read_the_title_back_from_the_run_name() -> None:
    run = data_docs.run_name("341600", "2018-06", SID)
    assert data_docs.validation_title(run, "submission.households") == (
        "341600 亳州市 2018-06 · households"
    )
    assert data_docs.validation_title("manual", "submission.experts") == "manual · experts"


@pytest.mark.slow  # builds a whole Data Docs site
def test_should_render_every_page_again_to_the_same_bytes(
    site: Site, capsys: pytest.CaptureFixture[str]
) -> None:
    """The command that re-renders the whole site (after an upgrade) gives what the monthly
    runs' partial builds gave."""
    assert data_docs.main([str(site.root)]) == 0
    assert capsys.readouterr().out.strip() == str(site.index)
    again = _files(site.root)
    assert [name for name in sorted(again) if again[name] != site.again.get(name)] == []


def test_should_say_how_to_install_the_assets(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setattr(data_docs_assets, "PACKAGE_DIR", tmp_path / "assets")
    assert data_docs.main([str(tmp_path)]) == 1
    assert "run `make data-docs-assets`" in capsys.readouterr().err
