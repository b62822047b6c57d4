"""SQL files of ``sql/indicators/``: rendering, condition compiling, running.

The SQL lives in files, one template per shape; the catalogue fills them. Catalogue conditions are
compiled here into portable SQL (the same text runs on SQLite and PostgreSQL): identifiers come
only from the validated catalogue (columns checked against the sheet schema), literals travel as
bind parameters, so an edited catalogue can never inject SQL. Dates are compared as
``< next day`` / ``>= day`` so a date stored with a time part still counts on its day.

:func:`timing` lets a caller see each template run (name, seconds, rows) without touching
:func:`run`: the indicator bench uses it to say where a month's computation spends its time.
"""

from __future__ import annotations

import datetime as dt
import re
import time
from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import bindparam, column, insert, table, text
from sqlalchemy.engine import Connection
from sqlalchemy.sql.elements import BindParameter, TextClause

from techaid import config, sqlfiles
from techaid.indicators.catalogue import AS_OF, Where

_BIND_RE = re.compile(r"(?<![:\w]):([a-z_][a-z0-9_]*)")


def render(name: str, **context: Any) -> str:
    """Render ``sql/indicators/<name>.sql`` with the given context."""
    return sqlfiles.render(f"indicators/{name}.sql", **context)


def statements(sql: str) -> list[str]:
    """Split a rendered file into statements (a ``;`` ending a line ends a statement)."""
    parts = re.split(r";[ \t]*(?:\n|$)", sql)
    out = []
    for part in parts:
        body = "\n".join(ln for ln in part.splitlines() if not ln.strip().startswith("--"))
        if body.strip():
            out.append(part.strip())
    return out


@dataclass(frozen=True)
class TemplateRun:
    """One run of a template, as :func:`timing` records it."""

    name: str  # the file's name in sql/indicators/, without .sql
    seconds: float
    rows: int  # rows its statements returned, inserted, updated or deleted


_OBSERVED: ContextVar[list[TemplateRun] | None] = ContextVar("sqlgen_observed", default=None)


@contextmanager
def timing() -> Iterator[list[TemplateRun]]:
    """Record every :func:`run` made inside the block, in this thread or task only, into the
    yielded list (an inner block takes the runs made inside it). Context-local so concurrent
    computations never mix; a run nobody observes pays one context-variable read, not a clock."""
    runs: list[TemplateRun] = []
    token = _OBSERVED.set(runs)
    try:
        yield runs
    finally:
        _OBSERVED.reset(token)


def run(conn: Connection, name: str, params: dict[str, Any], **context: Any) -> list[dict]:
    """Render and run a SQL file statement by statement; rows of the last statement (if any).
    A list parameter is an expanding bind (``x in :name``).

    On PostgreSQL an ``insert into <table> (<columns>) <query>`` runs as its query, then an
    insert of the rows it returned: PostgreSQL never runs the query of an INSERT ... SELECT in
    parallel, and the shape templates are exactly that, one large read (a province's households
    against the register) returning a few hundred rows. Read alone, it may use parallel workers.
    """
    observed = _OBSERVED.get()
    if observed is None:
        return _run(conn, name, params, context)[0]
    start = time.perf_counter()
    rows, touched = _run(conn, name, params, context)
    observed.append(TemplateRun(name, time.perf_counter() - start, touched))
    return rows


def _run(
    conn: Connection, name: str, params: dict[str, Any], context: dict[str, Any]
) -> tuple[list[dict], int]:
    """:func:`run`'s work: the last statement's rows, and the rows every statement touched."""
    rows: list[dict] = []
    touched = 0
    for stmt in statements(render(name, **context)):
        used = {k: v for k, v in params.items() if k in set(_BIND_RE.findall(stmt))}
        split = _INSERT_QUERY.match(_uncommented(stmt)) if _is_postgres(conn) else None
        if split is not None:
            columns = [c.strip() for c in split["columns"].split(",")]
            result = conn.execute(_clause(split["query"], used), used)
            values = [dict(zip(columns, r, strict=True)) for r in result]
            if values:
                target = table(split["table"], *(column(c) for c in columns))
                conn.execute(insert(target), values)
            rows = []
            touched += len(values)
            continue
        result = conn.execute(_clause(stmt, used), used)
        rows = [dict(r._mapping) for r in result] if result.returns_rows else []
        touched += len(rows) if result.returns_rows else max(result.rowcount, 0)
    return rows, touched


_INSERT_QUERY = re.compile(
    r"\Ainsert into (?P<table>\w+) \((?P<columns>[^()]*)\)\s*(?P<query>(?:with|select)\b.*)\Z",
    re.IGNORECASE | re.DOTALL,
)


def _uncommented(stmt: str) -> str:
    return "\n".join(ln for ln in stmt.splitlines() if not ln.strip().startswith("--")).strip()


def _is_postgres(conn: Connection) -> bool:
    return conn.dialect.name == "postgresql"


def _clause(stmt: str, used: dict[str, Any]) -> TextClause:
    clause = text(stmt)
    lists: list[BindParameter[Any]] = [
        bindparam(k, expanding=True) for k, v in used.items() if isinstance(v, list | tuple)
    ]
    return clause.bindparams(*lists) if lists else clause


# ---------------------------------------------------------------- conditions


@dataclass
class Binds:
    """Bind parameters collected while compiling conditions, with unique names."""

    values: dict[str, Any] = field(default_factory=dict)

    def add(self, value: Any) -> str:
        name = f"w{len(self.values)}"
        self.values[name] = value
        return f":{name}"


_CMP = {"eq": "=", "ne": "<>", "gt": ">", "gte": ">=", "lt": "<", "lte": "<="}


def _kind(col: config.ColumnSpec) -> str:
    if col.type == "bool":
        return "bool"
    if col.type in ("int", "decimal"):
        return "number"
    if col.type == "date":
        return "date"
    return "text"


def compile_where(
    where: Where, columns: dict[str, config.ColumnSpec], alias: str, binds: Binds, source: str = "s"
) -> str:
    """``where`` as a SQL boolean expression over ``alias``; ``$as_of`` reads ``source``'s
    as_of / as_of_next columns (the last day of the month evaluated, and the day after)."""
    parts = []
    for name, cond in where.items():
        col = columns[name]
        ops = cond if isinstance(cond, dict) else {"eq": cond}
        for op, value in ops.items():
            parts.append(_compile_one(f"{alias}.{name}", _kind(col), op, value, binds, source))
    return " and ".join(parts) if parts else "1 = 1"


def _compile_one(c: str, kind: str, op: str, value: Any, binds: Binds, source: str) -> str:
    if op == "not_empty":
        return f"({c} is not null and trim({c}) <> '')" if kind == "text" else f"{c} is not null"
    if kind == "bool":
        lit = "true" if value else "false"
        return f"coalesce({c}, false) {_CMP[op]} {lit}"
    if kind == "date":
        return _compile_date(c, op, value, binds, source)
    if op == "in":
        return f"{c} in ({', '.join(binds.add(v) for v in value)})"
    if op == "ne":
        return f"({c} is null or {c} <> {binds.add(value)})"
    return f"{c} {_CMP[op]} {binds.add(value)}"


def _compile_date(c: str, op: str, value: Any, binds: Binds, source: str) -> str:
    if value == AS_OF:
        day, nxt = (lambda: f"{source}.as_of"), (lambda: f"{source}.as_of_next")
    else:
        d = value if isinstance(value, dt.date) else dt.date.fromisoformat(str(value))
        day = lambda: binds.add(d.isoformat())  # noqa: E731 - bound only when used
        nxt = lambda: binds.add((d + dt.timedelta(days=1)).isoformat())  # noqa: E731
    if op == "eq":
        return f"({c} >= {day()} and {c} < {nxt()})"
    if op == "ne":
        return f"({c} < {day()} or {c} >= {nxt()})"
    return {
        "lt": lambda: f"{c} < {day()}",
        "lte": lambda: f"{c} < {nxt()}",
        "gt": lambda: f"{c} >= {nxt()}",
        "gte": lambda: f"{c} >= {day()}",
    }[op]()
