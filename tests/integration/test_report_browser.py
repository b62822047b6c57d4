"""The rollup page as a browser shows it: Debian's headless Chromium loads the file on its own
and every chart decodes. Outside CI the test skips when Chromium is absent; under CI=true it
fails instead (``make system-deps`` installs it)."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from techaid.outputs.report import write_rollup
from techaid.outputs.report.screenshot import CHROMIUM, CHROMIUM_ARGS, page_url, screenshot
from tests.unit.outputs.report.report_builders import PERIOD, build

pytestmark = pytest.mark.browser


@pytest.fixture(scope="module")
def chromium() -> Path:
    if not CHROMIUM.is_file():
        msg = f"{CHROMIUM} not installed (make system-deps)"
        if os.environ.get("CI", "").lower() == "true":
            pytest.fail(msg + "; required under CI=true")
        pytest.skip(msg)
    return CHROMIUM


@pytest.fixture(scope="module")
def html(tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = tmp_path_factory.mktemp("report-browser")
    engine = build(f"sqlite:///{folder / 'warehouse.db'}")
    try:
        return write_rollup(engine, PERIOD, folder / "out").html
    finally:
        engine.dispose()


def test_every_chart_renders_in_chromium(chromium: Path, html: Path) -> None:
    from playwright.sync_api import sync_playwright

    with sync_playwright() as pw:
        browser = pw.chromium.launch(
            executable_path=str(chromium), args=list(CHROMIUM_ARGS), headless=True
        )
        try:
            page = browser.new_page(viewport={"width": 1280, "height": 900})
            requests: list[str] = []
            page.on("request", lambda r: requests.append(r.url))
            page.goto(page_url(html), wait_until="load")
            images = page.evaluate(
                "() => Array.from(document.images).map(i => "
                "({complete: i.complete, w: i.naturalWidth, h: i.naturalHeight}))"
            )
            title = page.title()
            heading = page.inner_text("h1")
        finally:
            browser.close()
    assert len(images) == 4
    assert all(i["complete"] and i["w"] > 0 and i["h"] > 0 for i in images), images
    assert "2018年6月" in title
    assert "安徽省" in heading
    assert [u for u in requests if not u.startswith(("file:", "data:"))] == []


def test_screenshot_writes_a_png_of_the_page(chromium: Path, html: Path, tmp_path: Path) -> None:
    png = screenshot(html, tmp_path / "shot.png", width=800, height=600)
    data = png.read_bytes()
    assert data.startswith(b"\x89PNG")
    width, height = int.from_bytes(data[16:20], "big"), int.from_bytes(data[20:24], "big")
    assert (width, height) == (800, 600)
