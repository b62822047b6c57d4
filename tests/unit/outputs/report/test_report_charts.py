"""Charts are drawn in the CJK font, never as boxes, and fail loudly without it."""

from __future__ import annotations

import logging
import re
import warnings
from collections.abc import Callable
from pathlib import Path

import pytest
import sqlalchemy as sa
from matplotlib import font_manager
from matplotlib.text import Text

from techaid.outputs.report import charts, fonts
from techaid.outputs.report.data import Rollup, read_rollup
from tests.unit.outputs.report.report_builders import PERIOD

CJK = re.compile(r"[\u4e00-\u9fff]")


@pytest.fixture(scope="module")
def rollup(warehouse: sa.Engine) -> Rollup:
    return read_rollup(warehouse, PERIOD)


def glyph_complaints(fn: Callable[[], object], caplog: pytest.LogCaptureFixture) -> list[str]:
    """What matplotlib said about glyphs while ``fn`` ran (it warns, and may log)."""
    with caplog.at_level(logging.WARNING), warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        fn()
    said = [str(w.message) for w in caught] + [r.getMessage() for r in caplog.records]
    return [s for s in said if "missing from font" in s or "Glyph" in s]


def test_every_chinese_label_resolves_to_the_registered_cjk_font(rollup: Rollup) -> None:
    cjk_file = fonts.font_path()
    assert cjk_file.name == "NotoSansCJK-Regular.ttc"
    figures = charts.figures(rollup)
    assert set(figures) == {
        "province_progress",
        "city_reporting",
        "county_ranking",
        "county_history",
    }
    for name, fig in figures.items():
        texts = [t for t in fig.findobj(Text) if CJK.search(t.get_text())]
        assert texts, name  # titles and labels are Chinese
        for t in texts:
            assert t.get_fontproperties().get_family() == [fonts.FAMILY], (name, t.get_text())
            found = font_manager.findfont(t.get_fontproperties(), fallback_to_default=False)
            assert Path(found) == cjk_file, (name, t.get_text(), found)


def test_rendering_logs_no_missing_glyph(rollup: Rollup, caplog: pytest.LogCaptureFixture) -> None:
    pngs: dict[str, bytes] = {}
    assert glyph_complaints(lambda: pngs.update(charts.draw(rollup)), caplog) == []
    assert all(png.startswith(b"\x89PNG") for png in pngs.values())


def test_the_check_would_see_boxes(caplog: pytest.LogCaptureFixture) -> None:
    """The complaint the test above looks for is real: a glyph the font lacks is reported."""
    from matplotlib.figure import Figure

    def draw() -> None:
        with charts._style():
            fig = Figure()
            fig.add_subplot().set_title("覆盖率 \U0001f600")
            charts.png_bytes(fig)

    assert glyph_complaints(draw, caplog)


def test_charts_are_byte_identical_when_drawn_again(rollup: Rollup) -> None:
    assert charts.draw(rollup) == charts.draw(rollup)


def test_missing_font_stops_with_the_command_to_fix_it(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.setattr(fonts, "REGULAR", tmp_path / "NotoSansCJK-Regular.ttc")
    fonts.register.cache_clear()
    try:
        with pytest.raises(fonts.CjkFontMissing, match="make system-deps"):
            fonts.register()
    finally:
        monkeypatch.undo()
        fonts.register.cache_clear()
    assert fonts.register() == fonts.FAMILY
