"""Reads the checks need from the warehouse: the register in force, a city's history."""

from __future__ import annotations

import datetime as dt

import pandas as pd
import sqlalchemy as sa

from techaid.periods import last_day
from techaid.warehouse import schema


def register_in_force(engine: sa.Engine, period: str) -> dt.date | None:
    """The accepted register dated on or before the month's last day (the latest such)."""
    rv = schema.register_version
    with engine.connect() as conn:
        return conn.execute(
            sa.select(sa.func.max(rv.c.register_date)).where(
                rv.c.status == "accepted", rv.c.register_date <= last_day(period)
            )
        ).scalar()


def register_ids(
    engine: sa.Engine, register_date: dt.date, county_codes: list[str]
) -> tuple[set[str], set[str]]:
    """Household ids and village codes of the register whose villages lie in these counties."""
    households = schema.register_tables()["households"]
    villages = schema.register_tables()["villages"]
    prefixes = sorted(set(county_codes))
    with engine.connect() as conn:
        hh = conn.execute(
            sa.select(households.c.household_id).where(
                households.c.register_date == register_date,
                sa.func.substr(households.c.village_code, 1, 6).in_(prefixes),
            )
        ).scalars()
        vv = conn.execute(
            sa.select(villages.c.village_code).where(
                villages.c.register_date == register_date,
                sa.func.substr(villages.c.village_code, 1, 6).in_(prefixes),
            )
        ).scalars()
        return set(hh), set(vv)


def county_history(engine: sa.Engine, city_code: str, before: str) -> pd.DataFrame:
    """The city's accepted counties rows of every month before ``before`` (current versions)."""
    counties = schema.clean_tables()["counties"]
    query = (
        sa.select(counties)
        .where(counties.c.city_code == city_code, counties.c.period < before)
        .order_by(counties.c.period, counties.c.county_code)
    )
    with engine.connect() as conn:
        return pd.DataFrame(conn.execute(query).mappings().all())
