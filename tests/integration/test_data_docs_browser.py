"""The Data Docs site as a browser on an intranet without internet shows it: Debian's headless
Chromium opens the index from disk with every network request refused, and the page is styled,
its scripts run, its results table lists the month's validations by city and period, and a
validation's page opens from it, titled. Outside CI the test skips when Chromium is absent;
under CI=true it fails instead (``make system-deps`` installs it)."""

from __future__ import annotations

import copy
import os
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest

from techaid.outputs import data_docs
from techaid.outputs.report.screenshot import CHROMIUM, CHROMIUM_ARGS
from tests.unit.quality.dq_builders import build_file, clean_rows, context

pytestmark = pytest.mark.browser

PERIOD = "2018-06"
CITIES = {
    "340800": ("安庆市", "0123456789abcdef0001"),
    "341600": ("亳州市", "0123456789abcdef0002"),
}
# A second barrier behind the routing below: no host name resolves.
OFFLINE_ARGS = (*CHROMIUM_ARGS, "--host-resolver-rules=MAP * ~NOTFOUND")


@pytest.fixture(scope="module")
def chromium() -> Path:
    if not CHROMIUM.is_file():
        msg = f"{CHROMIUM} not installed (make system-deps)"
        if os.environ.get("CI", "").lower() == "true":
            pytest.fail(msg + "; required under CI=true")
        pytest.skip(msg)
    return CHROMIUM


@dataclass
class Month:
    index: Path
    titles: dict[str, set[str]]  # city code -> the titles of its validations


@pytest.fixture(scope="module")
def month(tmp_path_factory: pytest.TempPathFactory) -> Month:
    """June 2018 of two cities, checked and recorded, and the site built."""
    root = tmp_path_factory.mktemp("docs-browser")
    titles: dict[str, set[str]] = {}
    for city, (name, sid) in CITIES.items():
        parsed = build_file(copy.deepcopy(clean_rows()), PERIOD, city)
        keys = data_docs.record_file(parsed, context(PERIOD, city), sid, "2018-07-02T08:00", root)
        sheets = {k.expectation_suite_identifier.name.split(".")[-1] for k in keys}
        titles[city] = {f"{city} {name} {PERIOD} · {sheet}" for sheet in sheets}
    return Month(data_docs.build_data_docs(root), titles)


@dataclass
class Browser:
    page: Any
    requests: list[str] = field(default_factory=list)  # every URL the pages asked for
    failed: list[str] = field(default_factory=list)  # ... that did not load
    errors: list[str] = field(default_factory=list)  # uncaught script errors


@pytest.fixture
def browser(chromium: Path) -> Iterator[Browser]:
    from playwright.sync_api import sync_playwright

    with sync_playwright() as pw:
        chrome = pw.chromium.launch(
            executable_path=str(chromium), args=list(OFFLINE_ARGS), headless=True
        )
        try:
            ctx = chrome.new_context(viewport={"width": 1400, "height": 900})
            ctx.route(
                "**/*",
                lambda route: (
                    route.continue_()
                    if route.request.url.startswith(("file:", "data:"))
                    else route.abort("internetdisconnected")
                ),
            )
            seen = Browser(ctx.new_page())
            ctx.on("request", lambda r: seen.requests.append(r.url))
            ctx.on("requestfailed", lambda r: seen.failed.append(f"{r.url} {r.failure}"))
            seen.page.on("pageerror", lambda e: seen.errors.append(str(e)))
            yield seen
        finally:
            chrome.close()


_STYLED = """() => ({
  bootstrap: getComputedStyle(document.querySelector('.navbar')).display,
  table: typeof jQuery === 'function' && typeof jQuery.fn.bootstrapTable === 'function',
  vega: typeof vegaEmbed === 'function',
})"""
_ICON_FONTS = """async () => {
  await document.fonts.ready;
  return [...document.fonts]
    .filter(f => f.family.includes('Font Awesome') && f.status === 'loaded').length;
}"""
_TABLE = "#Validation-Results"


def _shown_titles(page: Any) -> list[str]:
    return page.locator(f"{_TABLE} tbody tr a.ge-validation-title").all_inner_texts()


def test_the_index_lists_the_month_offline(browser: Browser, month: Month) -> None:
    page = browser.page
    page.goto(month.index.resolve().as_uri(), wait_until="load")
    every = set().union(*month.titles.values())
    shown = _shown_titles(page)
    assert len(shown) == min(len(every), 10)  # the table's first page
    assert set(shown) <= every
    assert page.evaluate(_STYLED) == {"bootstrap": "flex", "table": True, "vega": True}
    assert page.evaluate(_ICON_FONTS) > 0  # the status icons are drawn, not blank boxes

    # The Validation column's own filter, by city name.
    page.fill(f"{_TABLE} input.bootstrap-table-filter-control-title", "亳州市")
    page.wait_for_function(
        "n => document.querySelectorAll('#Validation-Results tbody tr').length === n",
        arg=len(month.titles["341600"]),
    )
    assert set(_shown_titles(page)) == month.titles["341600"]

    wanted = f"341600 亳州市 {PERIOD} · households"
    page.click(f"{_TABLE} a.ge-validation-title:text-is('{wanted}')")
    page.wait_for_load_state("load")
    assert page.title() == wanted
    assert wanted in page.inner_text("h4.ge-validation-title")
    assert page.evaluate(_STYLED)["bootstrap"] == "flex"

    assert browser.errors == []
    assert browser.failed == []
    assert [u for u in browser.requests if not u.startswith(("file:", "data:"))] == []
    assert any("/static/vendor/jquery-3.7.1/" in u for u in browser.requests)
