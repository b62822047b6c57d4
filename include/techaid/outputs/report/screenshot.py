"""Screenshots of generated pages in headless Chromium (Debian's, never a downloaded browser).

``screenshot(page, png, width, height)`` takes any file path or URL, so a dashboard page can reuse
it; ``python -m techaid.outputs.report.screenshot --period YYYY-MM --png FILE`` writes the month's
rollup from the warehouse and photographs its page (``make screenshots``). Playwright drives the
system Chromium that ``make system-deps`` installs; it is told the executable, so it never looks
for (or downloads) a browser of its own.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = (
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
)
TIMEOUT_MS = 30_000


class ChromiumMissing(RuntimeError):
    """No system Chromium to render with."""


def page_url(url_or_file: str | Path) -> str:
    """A URL as given; a file path as a ``file://`` URL."""
    text = str(url_or_file)
    if "://" in text:
        return text
    return Path(text).resolve().as_uri()


def chromium_path() -> Path:
    if not CHROMIUM.is_file():
        raise ChromiumMissing(
            f"Chromium is missing ({CHROMIUM}, Debian package chromium); run `make system-deps` "
            "(or: apt-get install -y chromium)"
        )
    return CHROMIUM


def screenshot(
    url_or_file: str | Path, out_png: Path, width: int = 1280, height: int = 1800
) -> Path:
    """Render a page at ``width`` x ``height`` CSS pixels once its images have loaded, and save
    the viewport as PNG."""
    from playwright.sync_api import sync_playwright

    executable = chromium_path()
    out_png = Path(out_png)
    out_png.parent.mkdir(parents=True, exist_ok=True)
    with sync_playwright() as pw:
        browser = pw.chromium.launch(
            executable_path=str(executable), args=list(CHROMIUM_ARGS), headless=True
        )
        try:
            page = browser.new_page(viewport={"width": width, "height": height})
            page.goto(page_url(url_or_file), wait_until="load", timeout=TIMEOUT_MS)
            page.screenshot(path=str(out_png), full_page=False)
        finally:
            browser.close()
    return out_png


def main(argv: list[str] | None = None) -> int:
    from techaid.outputs.report.build import write_rollup
    from techaid.outputs.report.data import ReportDataError
    from techaid.warehouse.engine import make_engine

    parser = argparse.ArgumentParser(
        prog="python -m techaid.outputs.report.screenshot", description=__doc__
    )
    parser.add_argument("--period", required=True, help="the month, YYYY-MM")
    parser.add_argument("--png", type=Path, required=True, help="where the screenshot goes")
    parser.add_argument("--url", help="warehouse URL (default: the techaid_warehouse connection)")
    parser.add_argument("--out", type=Path, help="output root (default: TECHAID_OUTPUT or output/)")
    parser.add_argument("--width", type=int, default=1280)
    parser.add_argument("--height", type=int, default=1800)
    args = parser.parse_args(argv)
    engine = make_engine(args.url)
    try:
        files = write_rollup(engine, args.period, args.out)
    except ReportDataError as exc:
        print(f"error: {exc} (`make demo` fills the embedded warehouse)", file=sys.stderr)
        return 1
    finally:
        engine.dispose()
    print(screenshot(files.html, args.png, args.width, args.height))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
