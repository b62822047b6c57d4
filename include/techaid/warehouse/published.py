"""Tables of the indicator engine, on the warehouse's one ``MetaData``.

Published (stable names and columns, other teams read them; docs/outputs.md): ``indicator_value`` and
``county_ranking``, with further columns the contract allows (forecast month, monthly rate still
needed, source month, completeness of flows, previous rank, rank change, reasons).

Internal (the engine's own working tables, each keyed on the period it is computed for, so a
period is recomputed by delete-then-insert without touching another): the month calendar, the
county code map of a period (every code of a county's lineage -> the code published for it),
the source month each county's values come from, and the county/city/province numerators before
targets and statuses are applied. They exist so the SQL stays set-based over the whole province.
"""

from __future__ import annotations

from sqlalchemy import (
    Boolean,
    Column,
    Date,
    Float,
    Index,
    Integer,
    PrimaryKeyConstraint,
    String,
    Table,
    Text,
)

from techaid.warehouse.schema import clean_tables, metadata

# ---------------------------------------------------------------- published

# One row per period x level x unit x indicator. Shares are fractions 0..1; counts are counts
# (numerator = value, denominator empty). Monitored indicators have empty target, expected,
# attainment and status.
indicator_value = Table(
    "indicator_value",
    metadata,
    Column("period", String(7), nullable=False),
    Column("level", String(8), nullable=False),  # county | city | province
    Column("org_code", String(6), nullable=False),  # the code valid on the period's last day
    Column("indicator", String(40), nullable=False),
    Column("value", Float),
    Column("numerator", Float),
    Column("denominator", Float),
    Column("target", Float),
    Column("expected", Float),
    Column("attainment", Float),
    Column("status", String(12)),  # no_data | met | critical | lagging | on_track | empty
    Column("carried_forward", Boolean, nullable=False, default=False),
    # further columns (allowed by the contract)
    Column("forecast_period", String(7)),  # when the trend line reaches the target; empty: never
    Column("required_monthly_rate", Float),  # (target - value) / months left; empty: none left
    Column("source_period", String(7)),  # the month whose accepted data the value comes from
    # flows: months with an accepted version / months in the window (city, province: over their
    # counties' months, or cities' for the reporting rate); empty for stocks
    Column("completeness", Float),
    PrimaryKeyConstraint("period", "level", "org_code", "indicator"),
)

# One row per period x county: every county is ranked every month (rank 1 = furthest behind).
county_ranking = Table(
    "county_ranking",
    metadata,
    Column("period", String(7), nullable=False),
    Column("county_code", String(6), nullable=False),
    Column("city_code", String(6), nullable=False),
    Column("lagging", Boolean, nullable=False),
    Column("score", Float, nullable=False),
    Column("rank", Integer, nullable=False),
    Column("lagging_indicators", Text, nullable=False, default=""),  # codes, comma-separated
    # further columns (allowed by the contract)
    Column("previous_rank", Integer),
    Column("rank_change", Integer),  # previous_rank - rank: > 0 moved towards rank 1 (behind)
    Column("reasons", Text, nullable=False, default="[]"),  # JSON list, see ranking.py
    PrimaryKeyConstraint("period", "county_code"),
)

# ---------------------------------------------------------------- internal

# Every month with its last day and the first day after it: dates are compared as
# "< next day" so a date stored with a time part still counts on its day.
indicator_calendar = Table(
    "indicator_calendar",
    metadata,
    Column("period", String(7), primary_key=True),
    Column("last_day", Date, nullable=False),
    Column("next_day", Date, nullable=False),
)

# For a period: every code in the lineage of each county valid on its last day -> that county's
# published code and its city then. Joining submitted codes through it maps retired codes
# forward, so a recoded county keeps one series.
indicator_county_map = Table(
    "indicator_county_map",
    metadata,
    Column("period", String(7), nullable=False),
    Column("code", String(6), nullable=False),
    Column("county_code", String(6), nullable=False),
    Column("city_code", String(6), nullable=False),
    PrimaryKeyConstraint("period", "code"),
)

# For a period: each county's latest month (<= period) with accepted data, and that month's
# file (city) and last day; empty source = no version ever accepted for the county.
indicator_source = Table(
    "indicator_source",
    metadata,
    Column("period", String(7), nullable=False),
    Column("county_code", String(6), nullable=False),
    Column("city_code", String(6), nullable=False),
    Column("source_city_code", String(6)),
    Column("source_period", String(7)),
    Column("as_of", Date),
    Column("as_of_next", Date),
    PrimaryKeyConstraint("period", "county_code"),
)

# Numerators and denominators before targets: county rows from the shape queries, city and
# province rows from indicators that roll up themselves (distinct counts, reporting rate).
indicator_stage = Table(
    "indicator_stage",
    metadata,
    Column("period", String(7), nullable=False),
    Column("indicator", String(40), nullable=False),
    Column("level", String(8), nullable=False),
    Column("org_code", String(6), nullable=False),
    Column("city_code", String(6)),
    Column("rollup", String(20), nullable=False),  # sum | ratio_of_sums | share_of_counties | none
    Column("numerator", Float),
    Column("denominator", Float),
    Column("value", Float),
    Column("has_data", Integer, nullable=False),  # 0/1: portable aggregation
    Column("carried_forward", Integer, nullable=False),
    Column("source_period", String(7)),
    Column("months_accepted", Integer),  # flows: months of the window with accepted data
    Column("months_expected", Integer),  # flows: months in the window (empty for stocks)
    PrimaryKeyConstraint("period", "indicator", "level", "org_code"),
)

Index("ix_indicator_value_indicator", indicator_value.c.indicator, indicator_value.c.level)

# The indicator engine reads one month of clean_households (about 1.9 million rows) out of every
# month held; the clean tables' month index (schema.py) keeps that independent of the history.
CLEAN_HOUSEHOLDS_PERIOD = next(
    i for i in clean_tables()["households"].indexes if i.name == "ix_clean_households_period_city"
)

PUBLISHED = (indicator_value, county_ranking)
INTERNAL = (indicator_calendar, indicator_county_map, indicator_source, indicator_stage)


def tables() -> list[Table]:
    """Every table of the indicator engine (for ``create_all(tables=...)``)."""
    return [*PUBLISHED, *INTERNAL]
