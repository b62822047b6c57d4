"""Reading the warehouse back: the register in force, a city's history, submissions, dumps."""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from typing import Any

import pandas as pd
import sqlalchemy as sa
from sqlalchemy.engine import Engine

from techaid.periods import last_day
from techaid.quality.flow import ACCEPTED, WITH_ERRORS
from techaid.warehouse import schema

ACCEPTED_OUTCOMES = (ACCEPTED, WITH_ERRORS)
_ID_CHUNK = 500  # ids per IN (...) list


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
    with engine.connect() as conn:
        hh = conn.execute(
            sa.select(households.c.household_id).where(
                households.c.register_date == register_date,
                code_prefixes(households.c.village_code, county_codes),
            )
        ).scalars()
        vv = conn.execute(
            sa.select(villages.c.village_code).where(
                villages.c.register_date == register_date,
                code_prefixes(villages.c.village_code, county_codes),
            )
        ).scalars()
        return set(hh), set(vv)


def code_prefixes(column: sa.ColumnElement[Any], prefixes: list[str]) -> sa.ColumnElement[bool]:
    """``column`` starts with one of the (digit) ``prefixes``, as ranges an index can seek:
    ``substr(column, 1, 6) in (...)`` made every city's read scan the whole register."""
    ranges = []
    for prefix in sorted(set(prefixes)):
        if not prefix.isdigit():
            raise ValueError(f"not a code prefix: {prefix!r}")
        upper = str(int(prefix) + 1).zfill(len(prefix))
        if len(upper) > len(prefix):  # "999..." has no next prefix of its length
            ranges.append(column >= prefix)
        else:
            ranges.append(sa.and_(column >= prefix, column < upper))
    return sa.or_(*ranges) if ranges else sa.false()


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


def supported_villages(engine: sa.Engine, city_code: str, before: str) -> set[str]:
    """Village codes named by the city's accepted activities of every month before ``before``
    (the clean tables hold the current versions only)."""
    activities = schema.clean_tables()["activities"]
    query = (
        sa.select(activities.c.village_code)
        .distinct()
        .where(
            activities.c.city_code == city_code,
            activities.c.period < before,
            activities.c.village_code.is_not(None),
        )
    )
    with engine.connect() as conn:
        return set(conn.execute(query).scalars())


def current_submissions(
    engine: Engine,
    period: str | None = None,
    city_code: str | None = None,
    current_only: bool = False,
) -> pd.DataFrame:
    """The ``submission`` table (one period / city, or all), ordered by city, period and
    arrival; ``current_only`` keeps each (city, period)'s current version."""
    t = schema.submission
    query = sa.select(t)
    if period is not None:
        query = query.where(t.c.period == period)
    if city_code is not None:
        query = query.where(t.c.city_code == city_code)
    if current_only:
        query = query.where(t.c.status.in_(ACCEPTED_OUTCOMES))
    query = query.order_by(t.c.city_code, t.c.period, t.c.received_at, t.c.sha256)
    with engine.connect() as conn:
        result = conn.execute(query)
        return pd.DataFrame(result.all(), columns=list(result.keys()))


def table_snapshot(engine: Engine, table: str | sa.Table) -> list[tuple[Any, ...]]:
    """Every row of a table as plain Python tuples, sorted: a canonical dump to compare two
    warehouses (SQLite and PostgreSQL give equal dumps for equal contents)."""
    if isinstance(table, str):
        table = schema.all_tables().tables[table]
    with engine.connect() as conn:
        rows = [tuple(r) for r in conn.execute(sa.select(table))]
    return sorted(rows, key=lambda r: tuple((v is None, v) for v in r))


def refused_outside(engine: Engine, months: list[str]) -> list[str]:
    """Versions refused at discovery whose period names none of ``months`` (bad names, periods
    before the program's start): no period's run would otherwise write their feedback."""
    t = schema.submission
    with engine.connect() as conn:
        rows = conn.execute(
            sa.select(t.c.submission_id).where(
                t.c.status == "rejected", sa.or_(t.c.period.is_(None), t.c.period.not_in(months))
            )
        ).scalars()
        return sorted(rows)


def ids_in_other_cities(
    engine: Engine, city_code: str, period: str, sheet: str, id_column: str, ids: list[str]
) -> dict[str, set[str]]:
    """id -> the other cities whose current rows of the month in ``sheet`` list it (the clean
    tables hold exactly the current accepted rows)."""
    table = schema.clean_tables()[sheet]
    column = table.c[id_column]
    found: dict[str, set[str]] = defaultdict(set)
    with engine.connect() as conn:
        for start in range(0, len(ids), _ID_CHUNK):
            query = sa.select(column, table.c.city_code).where(
                table.c.period == period,
                table.c.city_code != city_code,
                column.in_(ids[start : start + _ID_CHUNK]),
            )
            for key, city in conn.execute(query):
                found[key].add(city)
    return found
