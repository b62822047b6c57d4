"""Compute, publish and recompute the indicators of a month.

One period is one transaction: the period's code map and calendar are written, each county's
source month is found, the shape templates fill the staging table for every county of the
province at once, the rollup query adds cities and the province, targets and statuses are applied
(:mod:`techaid.indicators.assess`), and ``indicator_value`` and ``county_ranking`` of the period are
replaced. Running it again gives the same rows; a correction of month M recomputes M and every
later month already computed, because carried-forward values, flows, trends, reporting rates and
rank changes of later months depend on it.
"""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from sqlalchemy import insert, inspect, select, text
from sqlalchemy.engine import Connection, Engine

from techaid import config
from techaid.indicators import plan, ranking, sqlgen
from techaid.indicators.assess import assess, history_from
from techaid.indicators.catalogue import COUNTY_SHEETS, Catalogue, catalogue
from techaid.indicators.status import ProgramWindow
from techaid.periods import add_months, first_day, last_day, parse_period
from techaid.warehouse import published
from techaid.warehouse.engine import write_transaction

log = logging.getLogger(__name__)

NO_PERIOD = "9999-12"  # a reporting start after every month: nothing expected yet
PG_WORK_MEM = "128MB"
LOCK = "indicators"  # one computation at a time: they share the working tables


@dataclass(frozen=True)
class Settings:
    """What a computation reads besides the warehouse (defaults: the shipped configuration)."""

    catalogue: Catalogue
    hierarchy: Any
    window: ProgramWindow
    reporting_start: str | None
    schema: config.Schema

    @classmethod
    def load(
        cls,
        catalogue_: Catalogue | None = None,
        hierarchy: Any = None,
        program: config.ProgramSettings | None = None,
    ) -> Settings:
        prog = (program or config.program()).program
        return cls(
            catalogue=catalogue_ or catalogue(),
            hierarchy=hierarchy or config.hierarchy(),
            window=ProgramWindow(prog.start, prog.end),
            reporting_start=prog.reporting_start,
            schema=config.schema(),
        )


@dataclass(frozen=True)
class UnlistedVillage:
    """A poor village of the register that the snapshot a county's values come from leaves out
    (counted as not reached): the office whose file it is must hear about it."""

    county_code: str
    city_code: str  # the file's city and month (the source of the county's snapshot)
    period: str
    village_code: str
    village_name: str | None


@dataclass(frozen=True)
class PeriodResult:
    period: str
    values: int  # indicator_value rows written
    counties: int  # counties ranked
    register_date: Any  # the register in force (None: no accepted register yet)
    warnings: tuple[str, ...] = ()  # e.g. register villages a snapshot leaves out
    unlisted: tuple[UnlistedVillage, ...] = ()  # those villages one by one


def ensure_tables(engine: Engine) -> None:
    """Create the engine's tables if missing (the warehouse's own create_all does it too), and
    the month index on clean_households if the warehouse was created without it."""
    published.metadata.create_all(engine, tables=published.tables(), checkfirst=True)
    index = published.CLEAN_HOUSEHOLDS_PERIOD
    table = index.table
    assert table is not None  # the index was read from clean_households' own indexes
    inspector = inspect(engine)
    if inspector.has_table(table.name) and index.name not in {
        i["name"] for i in inspector.get_indexes(table.name)
    }:
        index.create(engine)


def _fill_calendar(conn: Connection, period: str, window: ProgramWindow) -> None:
    lo = add_months(min(window.start, period), -120)
    hi = add_months(max(window.end, period), 24)
    cal = published.indicator_calendar
    have = set(conn.execute(select(cal.c.period).where(cal.c.period.between(lo, hi))).scalars())
    rows = []
    p = lo
    while p <= hi:
        if p not in have:
            nxt = first_day(add_months(p, 1))
            rows.append({"period": p, "last_day": last_day(p), "next_day": nxt})
        p = add_months(p, 1)
    if rows:
        conn.execute(insert(cal), rows)


def _fill_county_map(conn: Connection, period: str, hierarchy: Any) -> None:
    """Every lineage code -> the county published for ``period`` and its city then."""
    cmap = published.indicator_county_map
    conn.execute(cmap.delete().where(cmap.c.period == period))
    rows = []
    for unit in hierarchy.counties(period):
        for code in hierarchy.lineage(unit.code):
            rows.append(
                {
                    "period": period,
                    "code": code,
                    "county_code": unit.code,
                    "city_code": unit.parent_code,
                }
            )
    if rows:
        conn.execute(insert(cmap), rows)


def _one(conn: Connection, name: str, params: dict[str, Any]) -> Any:
    rows = sqlgen.run(conn, name, params)
    return next(iter(rows[0].values())) if rows else None


def _tune(conn: Connection) -> None:
    """PostgreSQL session settings for one computation (transaction-local): a few large hash
    joins (registered households x the month's snapshot) want memory rather than disk batches,
    and JIT compilation costs more than it saves on statements that run once."""
    if conn.dialect.name == "postgresql":
        conn.execute(text(f"set local work_mem = '{PG_WORK_MEM}'"))
        conn.execute(text("set local jit = off"))


def _analyze(conn: Connection, *tables: str) -> None:
    """Fresh statistics for the small working tables just written: without them PostgreSQL
    plans the joins on them as if they held one row, and loops over the big tables."""
    if conn.dialect.name == "postgresql":
        conn.execute(text(f"analyze {', '.join(tables)}"))


# Tables the shape queries read by month, or by register date: (table, the column keyed on).
_KEYED_TABLES = (
    *((f"clean_{sheet}", "period") for sheet in sorted(COUNTY_SHEETS)),
    ("register_villages", "register_date"),
    ("register_households", "register_date"),
)


def _fresh_statistics(conn: Connection, periods: list[str], register_date: Any) -> list[str]:
    """ANALYZE the tables whose statistics do not list every month (or the register) read.

    The monthly run computes right after the load, before autovacuum has analyzed what was just
    loaded (on a table of many months, one month is too small a change to trigger it; a young
    warehouse's small tables may never have been analyzed at all). PostgreSQL then plans the
    month's rows as one row and loops: over the register's index once per household (2 million
    times), or over a month's villages once per register village; a computation of 3 s took
    15-40 s right after each load at Anhui's size (docs/benchmarks.md). Sampling costs well under
    a second for clean_households and milliseconds for the others, and is skipped when the
    statistics already know every value read. Returns the tables analyzed."""
    if not _is_postgres(conn):
        return []
    wanted = {
        "period": list(periods),
        "register_date": [] if register_date is None else [str(register_date)],
    }
    stale = []
    for name, col in _KEYED_TABLES:
        if not wanted[col]:
            continue
        present, known = conn.execute(
            text(
                "select t.oid is not null, s.most_common_vals::text"
                " from (select to_regclass(:t) as oid) as t"
                " left join pg_class as c on c.oid = t.oid"
                " left join pg_namespace as n on n.oid = c.relnamespace"
                " left join pg_stats as s"
                "  on s.schemaname = n.nspname and s.tablename = c.relname and s.attname = :c"
            ),
            {"t": name, "c": col},
        ).one()
        if not present:
            continue
        listed = set(known.strip("{}").split(",")) if known else set()
        if any(v not in listed for v in wanted[col]):
            stale.append(name)
    if stale:
        conn.execute(text(f"analyze {', '.join(stale)}"))
    return stale


def _is_postgres(conn: Connection) -> bool:
    return conn.dialect.name == "postgresql"


def _parameters(conn: Connection, period: str, s: Settings) -> dict[str, Any]:
    """The period's bind parameters; writes its calendar, code map and county sources."""
    parse_period(period)
    _fill_calendar(conn, period, s.window)
    _fill_county_map(conn, period, s.hierarchy)
    next_day = (last_day(period) + dt.timedelta(days=1)).isoformat()
    params: dict[str, Any] = {
        "period": period,
        "next_day": next_day,
        "register_date": _one(conn, "select_register_date", {"next_day": next_day}),
        "program_start": s.window.start,
        "province_code": s.hierarchy.province().code,
        "reporting_start": (
            s.reporting_start or _one(conn, "select_reporting_start", {}) or NO_PERIOD
        ),
    }
    sqlgen.run(conn, "insert_county_source", params)
    _analyze(conn, "indicator_calendar", "indicator_county_map", "indicator_source")
    sources = [r["source_period"] for r in sqlgen.run(conn, "select_source_periods", params)]
    params["source_periods"] = sources or [NO_PERIOD]
    _fresh_statistics(conn, sources, params["register_date"])
    return params


def _publish_values(conn: Connection, params: dict[str, Any], s: Settings) -> list[dict]:
    """Stage every shape, roll up, apply targets and statuses, replace the period's rows."""
    sqlgen.run(conn, "delete_indicator_stage", params)
    for run in plan.runs(s.catalogue, s.schema):
        sqlgen.run(conn, run.template, {**params, **run.binds}, **run.context)
    rows = sqlgen.run(conn, "select_indicator_rollup", params)
    history = history_from(
        sqlgen.run(conn, "select_indicator_history", params), s.hierarchy, s.window
    )
    values = assess(
        rows,
        period=params["period"],
        catalogue=s.catalogue,
        hierarchy=s.hierarchy,
        window=s.window,
        history=history,
    )
    sqlgen.run(conn, "delete_indicator_value", params)
    if values:
        conn.execute(insert(published.indicator_value), values)
    return values


def _publish_ranking(
    conn: Connection, params: dict[str, Any], values: list[dict], s: Settings
) -> list[dict]:
    """Rank every county of the period (movement against last month's ranks, by series)."""
    period = params["period"]
    states = {r["city_code"]: r for r in sqlgen.run(conn, "select_submission_states", params)}
    ranks = published.county_ranking
    prev_rows = conn.execute(
        select(ranks.c.county_code, ranks.c.rank).where(ranks.c.period == add_months(period, -1))
    )
    ranked = ranking.rank(
        period=period,
        counties=sorted((u.code, u.parent_code) for u in s.hierarchy.counties(period)),
        values=values,
        catalogue=s.catalogue,
        submissions=states,
        previous={s.hierarchy.series_code(code): r for code, r in prev_rows},
        series_code=s.hierarchy.series_code,
    )
    sqlgen.run(conn, "delete_county_ranking", params)
    if ranked:
        conn.execute(insert(ranks), ranked)
    return ranked


def compute_period(engine: Engine, period: str, settings: Settings | None = None) -> PeriodResult:
    """Compute and publish every indicator and the ranking of ``period`` (one transaction)."""
    s = settings or Settings.load()
    ensure_tables(engine)
    with write_transaction(engine, lock=LOCK) as conn:
        _tune(conn)
        params = _parameters(conn, period, s)
        values = _publish_values(conn, params, s)
        ranked = _publish_ranking(conn, params, values, s)
        unlisted = _unlisted(conn, params)
    warnings = _warnings(unlisted)
    for w in warnings:
        log.warning("%s: %s", period, w)
    return PeriodResult(
        period, len(values), len(ranked), params["register_date"], warnings, unlisted
    )


def _unlisted(conn: Connection, params: dict[str, Any]) -> tuple[UnlistedVillage, ...]:
    """Register poor villages left out of a county's snapshot: they count 0 in the numerators
    (leaving villages out never improves a share), which the office should hear about."""
    return tuple(
        UnlistedVillage(
            r["county_code"],
            r["source_city_code"],
            r["source_period"],
            r["village_code"],
            r["village_name"],
        )
        for r in sqlgen.run(conn, "select_unlisted_villages", params)
    )


def _warnings(unlisted: tuple[UnlistedVillage, ...]) -> tuple[str, ...]:
    """One log line per county and source month."""
    counts: dict[tuple[str, str], int] = {}
    for v in unlisted:
        counts[(v.county_code, v.period)] = counts.get((v.county_code, v.period), 0) + 1
    return tuple(
        f"county {county}: {n} poor village(s) of the register not listed"
        f" in the {source} submission (counted as not reached)"
        for (county, source), n in sorted(counts.items())
    )


def computed_periods(engine: Engine, from_period: str = "0000-01") -> list[str]:
    """Months present in ``indicator_value`` from ``from_period`` on."""
    ensure_tables(engine)
    with engine.connect() as conn:
        rows = sqlgen.run(conn, "select_computed_periods", {"from_period": from_period})
    return [r["period"] for r in rows]


def affected_periods(engine: Engine, changed_periods: Iterable[str]) -> list[str]:
    """The months to recompute after data of ``changed_periods`` changed (a correction, a late
    file, a new register): each changed month and every later month already computed."""
    changed = sorted({p for p in changed_periods if parse_period(p)})
    if not changed:
        return []
    return sorted(set(changed) | set(computed_periods(engine, changed[0])))


def recompute(
    engine: Engine,
    from_period: str,
    to_period: str | None = None,
    settings: Settings | None = None,
) -> list[str]:
    """Recompute ``from_period`` and every later month already computed (up to ``to_period``),
    oldest first so each month's trend and rank change see the corrected months before it."""
    s = settings or Settings.load()
    periods = [
        p for p in affected_periods(engine, [from_period]) if to_period is None or p <= to_period
    ]
    for p in periods:
        compute_period(engine, p, s)
    return periods
