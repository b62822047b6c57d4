"""A month's charts are drawn once for the provincial email and the rollup page (two tasks of
the monthly run), the same bytes in both; a month whose rollup changed is drawn afresh."""

from __future__ import annotations

import base64
import re
from collections import Counter
from collections.abc import Iterator
from pathlib import Path

import pytest
import sqlalchemy as sa
from matplotlib.figure import Figure

from techaid.outputs.compose.monthly import month_emails
from techaid.outputs.report import charts, write_rollup
from techaid.outputs.report.data import Rollup, read_rollup
from techaid.warehouse import published
from tests.unit.outputs.report.report_builders import ANQING, PERIOD, build


@pytest.fixture
def drawn(monkeypatch: pytest.MonkeyPatch) -> Counter[str]:
    """How many times each chart was drawn."""
    counts: Counter[str] = Counter()
    figures = charts.figures

    def counting(rollup: Rollup) -> dict[str, Figure]:
        made = figures(rollup)
        counts.update(list(made))
        return made

    monkeypatch.setattr(charts, "figures", counting)
    return counts


@pytest.fixture
def fresh(tmp_path: Path) -> Iterator[sa.Engine]:
    engine = build(f"sqlite:///{tmp_path / 'warehouse.db'}")
    yield engine
    engine.dispose()


def page_pngs(html: Path) -> list[bytes]:
    found = re.findall(r"data:image/png;base64,([A-Za-z0-9+/=]+)", html.read_text("utf-8"))
    return [base64.b64decode(b64) for b64 in found]


def test_a_month_draws_each_chart_once_for_the_email_and_the_page(
    warehouse: sa.Engine, techaid_env: dict[str, Path], drawn: Counter[str]
) -> None:
    # The monthly run's order: compose_emails, then provincial_report.
    emails, _ = month_emails(warehouse, PERIOD)
    (report,) = [e for e in emails if e.kind == "provincial_report"]
    files = write_rollup(warehouse, PERIOD, techaid_env["output"])
    assert drawn == Counter(dict.fromkeys(charts.CHART_TITLES, 1))
    inline = sorted(image.content for image in report.inline_images)
    assert inline == sorted(files.charts.values()) == sorted(page_pngs(files.html))


def test_a_recomputed_month_is_drawn_again(
    fresh: sa.Engine, techaid_env: dict[str, Path], drawn: Counter[str]
) -> None:
    before = write_rollup(fresh, PERIOD, techaid_env["output"]).charts
    # A correction recomputes the month: Anqing's reporting rate falls.
    t = published.indicator_value
    with fresh.begin() as conn:
        conn.execute(
            t.update()
            .where(t.c.period == PERIOD, t.c.level == "city", t.c.org_code == ANQING)
            .where(t.c.indicator == "reporting_rate")
            .values(value=0.25, attainment=0.25)
        )
    after = write_rollup(fresh, PERIOD, techaid_env["output"]).charts
    assert drawn == Counter(dict.fromkeys(charts.CHART_TITLES, 2))
    assert after["city_reporting"] != before["city_reporting"]
    assert after["province_progress"] == before["province_progress"]


def test_a_damaged_staged_chart_is_drawn_again(
    warehouse: sa.Engine, techaid_env: dict[str, Path], drawn: Counter[str]
) -> None:
    rollup = read_rollup(warehouse, PERIOD)
    first = charts.render(rollup)
    (staged,) = (techaid_env["data"] / "staging").glob(f"rollup-charts-{PERIOD}-*")
    (staged / "city_reporting.png").write_bytes(b"\x89PNG truncated")
    assert charts.render(rollup) == first
    assert drawn == Counter(dict.fromkeys(charts.CHART_TITLES, 2))
