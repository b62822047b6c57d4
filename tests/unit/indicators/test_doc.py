"""docs/indicators.md is generated from the catalogue and kept up to date."""

from __future__ import annotations

from techaid.documents import indicators_doc as doc
from techaid.indicators.catalogue import catalogue


def test_the_indicator_page_is_up_to_date() -> None:
    expected = doc.render(catalogue())
    assert doc.DOC_PATH.read_text(encoding="utf-8") == expected, (
        "docs/indicators.md is stale: run `python -m techaid.documents.indicators_doc`"
    )


def test_the_page_lists_every_indicator_with_its_chinese_name() -> None:
    page = doc.render(catalogue())
    for ind in catalogue():
        assert f"| `{ind.code}` | {ind.zh} |" in page
    assert "county has one; city 100 %; province 100 %" in page  # has_one targets
    assert "province 40; county allocation not filled yet" in page
