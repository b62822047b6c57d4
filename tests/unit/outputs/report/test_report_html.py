"""The rollup page stands alone: charts inline, Chinese names, nothing an office wrote runs."""

from __future__ import annotations

import base64
import re

import sqlalchemy as sa

from techaid.outputs.report import RollupFiles
from techaid.outputs.report.data import read_rollup
from techaid.outputs.report.html import render_html
from tests.unit.outputs.report.report_builders import PERIOD, SCRIPT_FILE

IMG = re.compile(r'<img[^>]*\bsrc="([^"]*)"')


def page(files: RollupFiles) -> str:
    return files.html.read_text(encoding="utf-8")


def test_every_chart_is_inline_and_the_same_bytes_as_returned(files: RollupFiles) -> None:
    html = page(files)
    sources = IMG.findall(html)
    assert len(sources) == len(files.charts) == 4
    inline = [base64.b64decode(s.removeprefix("data:image/png;base64,")) for s in sources]
    assert all(s.startswith("data:image/png;base64,") for s in sources)
    assert sorted(inline) == sorted(files.charts.values())
    assert not re.search(r'(src|href)="(https?:)?//', html)  # nothing fetched from elsewhere


def test_sections_and_places_are_in_chinese(files: RollupFiles) -> None:
    html = page(files)
    assert files.html.name == f"rollup_{PERIOD}.html"
    assert '<html lang="zh-CN">' in html
    assert "2018年6月" in html
    for title in ("全省进度", "各市", "各县", "落后县排名", "报送情况", "数据质量"):
        assert f">{title}</h2>" in html, title
    for name in ("石台县", "潜山县", "太湖县", "安庆市", "池州市", "贫困村科技服务覆盖率"):
        assert name in html, name
    assert "退步1位" in html
    assert "本市当月报送被拒收" in html


def test_text_from_offices_is_escaped(files: RollupFiles) -> None:
    html = page(files)
    assert SCRIPT_FILE not in html
    assert "&lt;script&gt;alert(1)&lt;/script&gt;.xlsx" in html


def test_an_email_can_render_the_same_page_with_cid_images(
    files: RollupFiles, warehouse: sa.Engine
) -> None:
    html = render_html(read_rollup(warehouse, PERIOD), files.charts, lambda n, _png: f"cid:{n}")
    assert sorted(IMG.findall(html)) == sorted(f"cid:{n}" for n in files.charts)
