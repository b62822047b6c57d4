"""The versioned load: every received file version, which one is current, and its clean rows.

A version is one distinct content (SHA-256) of a city's month. Each gets a ``submission`` row
whatever happened to it; only an accepted version (with or without row errors) can be current, the
accepted version received last (ties by SHA-256), and the clean tables hold exactly the rows of the
current version of each (city, period). Everything about one version is written in one
transaction, so a failure halfway leaves the previous state untouched, and writing the same
outcome again leaves the warehouse identical (retries and re-runs are safe).

Invariant kept by :func:`record_outcome`: per (city, period) at most one version has an accepted
status (``accepted`` / ``accepted_with_errors``), and the clean rows of that (city, period) are
that version's; every other accepted version is ``superseded``, refused ones stay ``rejected``.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import logging
from collections import Counter
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from pathlib import PurePosixPath
from typing import Any, cast

import pandas as pd
import sqlalchemy as sa
from sqlalchemy.engine import Connection, Engine

from techaid import config
from techaid.findings import Finding
from techaid.periods import PERIOD_RE, deadline_cutoff, utc_naive
from techaid.quality.flow import ACCEPTED, REJECTED, WITH_ERRORS, Decision
from techaid.warehouse import schema
from techaid.warehouse.bulk import insert_frame
from techaid.warehouse.engine import write_transaction

log = logging.getLogger(__name__)

SUPERSEDED = "superseded"
ACCEPTED_OUTCOMES = (ACCEPTED, WITH_ERRORS)
_QUERY_CHUNK = 500  # ids per IN (...) list


# ---------------------------------------------------------------- identities


def submission_id(city_code: str | None, period: str | None, sha256: str) -> str:
    """The version's id: the same file gets the same id in any warehouse (emails' dedupe keys
    and cross-warehouse comparisons depend on it)."""
    text = f"{city_code or ''}|{period or ''}|{sha256}"
    return hashlib.sha256(text.encode()).hexdigest()[:20]


@dataclass(frozen=True)
class VersionInfo:
    """One version as found in the landing area (its earliest sighting)."""

    submission_id: str
    city_code: str | None
    period: str | None
    file_name: str
    file_path: str
    sha256: str
    received_at: dt.datetime  # UTC (naive, or aware and converted)
    size_bytes: int = 0

    @classmethod
    def of(
        cls,
        city_code: str | None,
        period: str | None,
        sha256: str,
        file_path: str,
        received_at: dt.datetime,
        size_bytes: int = 0,
    ) -> VersionInfo:
        """Build one with its deterministic id and the file name taken from the path."""
        return cls(
            submission_id=submission_id(city_code, period, sha256),
            city_code=city_code,
            period=period,
            file_name=PurePosixPath(file_path).name,
            file_path=file_path,
            sha256=sha256,
            received_at=received_at,
            size_bytes=size_bytes,
        )


@dataclass(frozen=True)
class LoadResult:
    """What :func:`record_outcome` left behind for the version's (city, period)."""

    submission_id: str
    status: str  # this version's status now
    current_id: str | None  # the (city, period)'s current version (whose rows are loaded)
    replaced_clean: bool  # the clean rows were replaced by this version's
    reload_needed: str | None = None  # an accepted version that should be current, not loaded


def is_on_time(period: str | None, received_at: dt.datetime) -> bool | None:
    """Received strictly before the period's cutoff (configured deadline day, time zone and
    per-month overrides); None when the period is unknown."""
    if not period or not PERIOD_RE.match(period):
        return None
    prog = config.program()
    cutoff = deadline_cutoff(
        period, prog.deadline.day, prog.deadline.overrides, prog.program.timezone
    )
    return utc_naive(received_at) < cutoff.replace(tzinfo=None)


def _version_lock(city_code: str | None, period: str | None) -> str:
    return f"techaid.version:{city_code or ''}|{period or ''}"


# ---------------------------------------------------------------- which versions are new


def pending_versions(engine: Engine, candidates: Iterable[Any]) -> list[Any]:
    """The candidates with no ``submission`` row yet, one per version (the same content under two
    paths is one version: the earliest received one is kept). A candidate is a
    :class:`VersionInfo`, any object with ``city_code``, ``period`` and ``sha256`` (and
    ``received_at``), or a ``(city_code, period, sha256)`` tuple."""
    unique = _dedupe(candidates)
    recorded = _recorded_ids(engine, list(unique))
    return [c for sid, c in unique.items() if sid not in recorded]


def _candidate_id(candidate: Any) -> str:
    sid = getattr(candidate, "submission_id", None)
    if isinstance(sid, str):
        return sid
    if hasattr(candidate, "sha256"):
        return submission_id(candidate.city_code, candidate.period, candidate.sha256)
    city, period, sha = candidate
    return submission_id(city, period, sha)


def _dedupe(candidates: Iterable[Any]) -> dict[str, Any]:
    unique: dict[str, Any] = {}
    for c in candidates:
        sid = _candidate_id(c)
        old = unique.get(sid)
        if old is None or _sighting(c) < _sighting(old):
            unique[sid] = c
    return unique


def _sighting(v: Any) -> tuple[dt.datetime, str]:
    """Which sighting of a content counts: the earliest, ties by path (order-independent).
    Tuples have no sighting: the first one seen is kept."""
    received = getattr(v, "received_at", None)
    if received is None:
        return dt.datetime.max, ""
    path = getattr(v, "file_path", None) or getattr(v, "path", "") or ""
    return utc_naive(received), path


def _recorded_ids(engine: Engine, ids: Sequence[str]) -> set[str]:
    t = schema.submission
    found: set[str] = set()
    with engine.connect() as conn:
        for chunk in _chunks(ids, _QUERY_CHUNK):
            query = sa.select(t.c.submission_id).where(t.c.submission_id.in_(chunk))
            found.update(conn.execute(query).scalars())
    return found


def _chunks(items: Sequence[Any], size: int) -> Iterator[Sequence[Any]]:
    for start in range(0, len(items), size):
        yield items[start : start + size]


# ---------------------------------------------------------------- recording an outcome


def record_outcome(
    engine: Engine,
    version: VersionInfo,
    decision: Decision | None,
    refusal: Finding | None,
    repairs: Counter | None = None,
    on_time: bool | None = None,
) -> LoadResult:
    """Record what happened to one version, in one transaction: its ``submission`` row, its
    ``dq_issue`` and ``repair_count`` rows, the statuses of its (city, period), and — when it
    becomes current — the clean rows. A refusal (or a rejected decision) never displaces
    accepted data; an accepted version older than the current one is recorded as superseded."""
    outcome = _outcome(decision, refusal)
    findings = _findings(decision, refusal)
    repairs = repairs or Counter()
    frames = decision.clean if decision is not None and outcome != REJECTED else None
    lock = _version_lock(version.city_code, version.period)
    with write_transaction(engine, lock=lock) as conn:
        loaded = _loaded_version(conn, version.city_code, version.period)
        _upsert_submission(conn, version, outcome, decision, refusal, repairs, on_time)
        _replace_issues(conn, version.submission_id, findings)
        _replace_repairs(conn, version.submission_id, repairs)
        return _settle_current(conn, version, loaded, frames)


def _outcome(decision: Decision | None, refusal: Finding | None) -> str:
    if refusal is not None or decision is None:
        return REJECTED
    return decision.outcome


def _findings(decision: Decision | None, refusal: Finding | None) -> list[Finding]:
    """The refusal first (it is why nothing was loaded), then the findings in their order."""
    found = list(decision.findings) if decision is not None else []
    if refusal is not None:
        found = [refusal] + [f for f in found if f != refusal]
    return found


def _refused_rule(outcome: str, decision: Decision | None, refusal: Finding | None) -> str | None:
    if outcome != REJECTED:
        return None
    if refusal is not None:
        return refusal.rule
    fatal = decision.fatal if decision is not None else None
    return fatal.rule if fatal is not None else None


def _loaded_version(conn: Connection, city: str | None, period: str | None) -> str | None:
    """The version whose rows the clean tables hold: the one with an accepted status."""
    if city is None or period is None:
        return None
    t = schema.submission
    query = sa.select(t.c.submission_id).where(
        t.c.city_code == city, t.c.period == period, t.c.status.in_(ACCEPTED_OUTCOMES)
    )
    ids = sorted(conn.execute(query).scalars())
    if len(ids) > 1:
        log.warning("%s %s: several versions marked current: %s", city, period, ids)
    return ids[0] if ids else None


def _upsert_submission(
    conn: Connection,
    version: VersionInfo,
    outcome: str,
    decision: Decision | None,
    refusal: Finding | None,
    repairs: Counter,
    on_time: bool | None,
) -> None:
    """Insert or update the version's row. Its received time is the earliest sighting of the
    content, so a later sighting (a copy, a re-run) never moves it, nor its on-time flag. The
    status written here is provisional: :func:`_settle_current` sets the final ones."""
    t = schema.submission
    sid = version.submission_id
    existing = conn.execute(sa.select(t).where(t.c.submission_id == sid)).mappings().first()
    sighting = {
        "file_name": version.file_name,
        "file_path": version.file_path,
        "received_at": utc_naive(version.received_at),
        "on_time": on_time,
    }
    if existing is not None and (existing["received_at"], existing["file_path"]) <= (
        sighting["received_at"],
        sighting["file_path"],
    ):
        sighting = {k: existing[k] for k in sighting}
    accepted = outcome != REJECTED
    values = {
        **sighting,
        "city_code": version.city_code,
        "period": version.period,
        "sha256": version.sha256,
        "size_bytes": int(version.size_bytes or 0),
        "outcome": outcome,
        "status": SUPERSEDED if accepted else REJECTED,
        "rows_loaded": decision.rows_loaded if decision is not None and accepted else 0,
        "rows_quarantined": decision.rows_quarantined if decision is not None else 0,
        "warnings": decision.warnings if decision is not None else 0,
        "repairs": sum(n for n in repairs.values() if n > 0),
        "refused_rule": _refused_rule(outcome, decision, refusal),
    }
    if existing is None:
        conn.execute(sa.insert(t).values(submission_id=sid, **values))
    else:
        conn.execute(sa.update(t).where(t.c.submission_id == sid).values(**values))


def _replace_issues(conn: Connection, sid: str, findings: list[Finding]) -> None:
    t = schema.dq_issue
    conn.execute(sa.delete(t).where(t.c.submission_id == sid))
    rows = [
        {
            "submission_id": sid,
            "seq": seq,
            "sheet": f.sheet,
            "row_number": int(f.row) if f.row is not None else None,
            "column_name": f.column,
            "value": f.value,
            "rule": f.rule,
            "severity": f.severity,
            "message": f.message,
        }
        for seq, f in enumerate(findings, start=1)
    ]
    if rows:
        conn.execute(sa.insert(t), rows)


def _replace_repairs(conn: Connection, sid: str, repairs: Counter) -> None:
    t = schema.repair_count
    conn.execute(sa.delete(t).where(t.c.submission_id == sid))
    rows = [
        {
            "submission_id": sid,
            "sheet": sheet or "",
            "column_name": column or "",
            "repair": kind,
            "count": int(n),
        }
        for (sheet, column, kind), n in sorted(repairs.items(), key=lambda kv: kv[0])
        if n > 0
    ]
    if rows:
        conn.execute(sa.insert(t), rows)


def _settle_current(
    conn: Connection,
    version: VersionInfo,
    loaded: str | None,
    frames: Mapping[str, pd.DataFrame] | None,
) -> LoadResult:
    """Decide the (city, period)'s current version after this one was recorded, load its rows
    when it is this version, and set every version's status to match what is loaded."""
    sid, city, period = version.submission_id, version.city_code, version.period
    if city is None or period is None:
        return LoadResult(sid, REJECTED, None, False)
    rows = _versions_of(conn, city, period)
    best = _best_accepted(rows)
    accepted_ids = {r["submission_id"] for r in rows if r["outcome"] in ACCEPTED_OUTCOMES}
    replaced = False
    if best == sid and frames is not None:
        _replace_clean(conn, city, period, sid, frames)
        current, replaced = sid, True
    elif loaded is not None and loaded in accepted_ids:
        current = loaded
    else:
        if loaded is not None:  # the loaded version is no longer accepted: its rows go
            _delete_clean(conn, city, period)
        current = None
    statuses = _apply_statuses(conn, rows, current)
    reload_needed = best if best is not None and best != current else None
    if reload_needed:
        log.warning("%s %s: version %s should be current; load it again", city, period, best)
    return LoadResult(sid, statuses[sid], current, replaced, reload_needed)


def _versions_of(conn: Connection, city: str, period: str) -> list[Mapping[str, Any]]:
    t = schema.submission
    query = sa.select(
        t.c.submission_id, t.c.received_at, t.c.sha256, t.c.outcome, t.c.status
    ).where(t.c.city_code == city, t.c.period == period)
    # RowMapping's keys are typed str | Column; these rows are read by column name.
    return cast("list[Mapping[str, Any]]", list(conn.execute(query).mappings()))


def _best_accepted(rows: Iterable[Mapping[str, Any]]) -> str | None:
    """The accepted version received last; ties broken by SHA-256 (deterministic)."""
    accepted = [r for r in rows if r["outcome"] in ACCEPTED_OUTCOMES]
    if not accepted:
        return None
    return max(accepted, key=lambda r: (r["received_at"], r["sha256"]))["submission_id"]


def _apply_statuses(
    conn: Connection, rows: Iterable[Mapping[str, Any]], current: str | None
) -> dict[str, str]:
    t = schema.submission
    statuses = {}
    for r in rows:
        outcome = r["outcome"]
        if outcome in ACCEPTED_OUTCOMES and r["submission_id"] != current:
            status = SUPERSEDED
        else:
            status = outcome
        statuses[r["submission_id"]] = status
        if status != r["status"]:
            query = sa.update(t).where(t.c.submission_id == r["submission_id"])
            conn.execute(query.values(status=status))
    return statuses


# ---------------------------------------------------------------- a known version seen again


def record_sightings(
    engine: Engine,
    versions: Iterable[VersionInfo],
    on_time: Callable[[str | None, dt.datetime], bool | None] = is_on_time,
) -> list[str]:
    """Known versions seen again: a sighting earlier than the recorded one lowers the version's
    received time (and recomputes its on-time flag). Returns the accepted versions that should
    now be current but whose rows are not loaded: the caller validates their files again and
    records them, which loads them (the clean tables only ever hold a loaded version's rows)."""
    reload: list[str] = []
    for v in _dedupe(versions).values():
        lock = _version_lock(v.city_code, v.period)
        with write_transaction(engine, lock=lock) as conn:
            if not _lower_received_at(conn, v, on_time):
                continue
            if v.city_code is None or v.period is None:
                continue
            best = _best_accepted(_versions_of(conn, v.city_code, v.period))
            if best is not None and best != _loaded_version(conn, v.city_code, v.period):
                reload.append(best)
    return reload


def _lower_received_at(
    conn: Connection,
    v: VersionInfo,
    on_time: Callable[[str | None, dt.datetime], bool | None],
) -> bool:
    t = schema.submission
    row = conn.execute(
        sa.select(t.c.received_at, t.c.file_path).where(t.c.submission_id == v.submission_id)
    ).first()
    if row is None or (row.received_at, row.file_path) <= _sighting(v):
        return False
    received = utc_naive(v.received_at)
    conn.execute(
        sa.update(t)
        .where(t.c.submission_id == v.submission_id)
        .values(
            received_at=received,
            file_path=v.file_path,
            file_name=v.file_name,
            on_time=on_time(v.period, received),
        )
    )
    return True


# ---------------------------------------------------------------- clean rows


def _replace_clean(
    conn: Connection, city: str, period: str, sid: str, frames: Mapping[str, pd.DataFrame]
) -> None:
    """Delete the (city, period)'s rows in every clean table, then insert this version's."""
    tables = schema.clean_tables()
    unknown = set(frames) - set(tables)
    if unknown:
        raise ValueError(f"no clean table for sheet(s) {sorted(unknown)}")
    _delete_clean(conn, city, period)
    constants = {"city_code": city, "period": period, "submission_id": sid}
    for name, frame in frames.items():
        insert_frame(conn, tables[name], frame, constants)


def _delete_clean(conn: Connection, city: str, period: str) -> None:
    for table in schema.clean_tables().values():
        conn.execute(sa.delete(table).where(table.c.city_code == city, table.c.period == period))
