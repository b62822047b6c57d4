"""The generated evaluations: in the last generated month of each year, with every kind of
subject the shortlist must tell apart (recommended or not, above or below the threshold,
fabricated, one expert filed after the year's end)."""

from __future__ import annotations

import datetime as dt

import pandas as pd

from techaid import config
from techaid.config.recommendations import recommendation_rules
from techaid.periods import last_day, period_range
from techaid_dev.synthetic.generator import evaluation_months
from techaid_dev.synthetic.tables import MonthView, month_tables
from techaid_dev.synthetic.world import Context, build_city, lagging_plan, program_periods

PERIODS = period_range("2018-04", "2018-06")


def test_last_generated_month_of_each_year_carries_the_evaluations() -> None:
    assert evaluation_months(PERIODS) == {"2018-06"}
    assert evaluation_months(period_range("2017-11", "2018-02")) == {"2017-12", "2018-02"}


def june_files() -> list[dict[str, pd.DataFrame]]:
    h, prog = config.hierarchy(), config.program()
    ctx = Context(7, 0.02, prog.program.start, len(program_periods(prog)))
    lag = lagging_plan(7, h, program_periods(prog))
    out = []
    for city in h.city_codes():
        world = build_city(ctx, h, city, PERIODS, lag)
        view = MonthView.of(ctx, h, world, "2018-06")
        tables = month_tables(view, "x", last_day("2018-06"), evaluate=True)
        out.append({name: t.frame for name, t in tables.items()})
    return out


def test_evaluations_hold_every_kind_of_subject_and_one_expert_filed_ahead() -> None:
    files = june_files()
    ev = pd.concat([f["evaluations"] for f in files], ignore_index=True)
    threshold = recommendation_rules().score.threshold
    recommended = ev["city_recommends"].astype(bool)
    assert (recommended & (ev["score"] >= threshold) & ~ev["fabrication"].astype(bool)).sum() > 20
    assert (~recommended).sum() > 0  # not recommended
    assert (recommended & (ev["score"] < threshold)).sum() > 0  # below threshold
    assert ev["fabrication"].astype(bool).sum() > 0
    assert set(ev["year"]) == {2018}
    ahead = [
        d
        for f in files
        for d in f["experts"]["registered_on"]
        if isinstance(d, dt.date) and d > dt.date(2018, 12, 31)
    ]
    assert 0 < len(ahead) <= len(files)  # one per city that has an unfiled expert
    for f in files:  # evaluated subjects are listed and filed by the month's end
        filed = {
            i
            for name, col in (("experts", "expert_id"), ("organizations", "org_id"))
            for i, d in zip(f[name][col], f[name]["registered_on"], strict=True)
            if isinstance(d, dt.date) and d <= dt.date(2018, 6, 30)
        }
        assert set(f["evaluations"]["subject_id"]) <= filed
