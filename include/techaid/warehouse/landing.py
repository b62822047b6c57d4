"""The landing registry: every file seen in the landing area, with its size, time and hash.

Discovery asks it which files are new, so an unchanged landing area is not hashed again."""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Iterable, Iterator, Mapping, Sequence
from pathlib import PurePosixPath
from typing import Any

import sqlalchemy as sa
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.engine import Connection, Engine

from techaid.periods import utc_naive
from techaid.warehouse import schema
from techaid.warehouse.engine import is_postgres, write_transaction

log = logging.getLogger(__name__)


LandingStat = tuple[int, dt.datetime, str | None]  # size_bytes, mtime (UTC), sha256


# ---------------------------------------------------------------- landing files


def known_landing_files(engine: Engine, kind: str | None = None) -> dict[str, LandingStat]:
    """Every path seen before with its size, mtime and hash, so unchanged files are not hashed
    again."""
    t = schema.landing_file
    query = sa.select(t.c.path, t.c.size_bytes, t.c.mtime, t.c.sha256)
    if kind is not None:
        query = query.where(t.c.kind == kind)
    with engine.connect() as conn:
        return {r.path: (r.size_bytes, r.mtime, r.sha256) for r in conn.execute(query)}


def landing_kind(path: str) -> str:
    """``register`` for files under a ``register/`` folder, else ``submission``."""
    return "register" if "register" in PurePosixPath(path).parts else "submission"


def record_landing_files(
    engine: Engine, files: Mapping[str, LandingStat] | Iterable[Any], kind: str | None = None
) -> None:
    """Upsert paths with their size, mtime and hash. ``files`` maps paths to (size, mtime,
    sha256), or lists objects with ``path``, ``size`` (or ``size_bytes``), ``mtime``, ``sha256``
    and optionally ``kind`` (discovery's LandingFile); the kind defaults to the path's."""
    rows = [_landing_row(path, stat, kind) for path, stat in _landing_items(files)]
    if not rows:
        return
    t = schema.landing_file
    with write_transaction(engine) as conn:
        stmt = _insert_for(conn, t)
        stmt = stmt.on_conflict_do_update(
            index_elements=[t.c.path],
            set_={c: stmt.excluded[c] for c in ("size_bytes", "mtime", "sha256", "kind")},
        )
        conn.execute(stmt, rows)


def _landing_items(files: Mapping[str, LandingStat] | Iterable[Any]) -> Iterator[tuple[str, Any]]:
    if isinstance(files, Mapping):
        yield from files.items()
        return
    stats: Iterable[Any] = files  # objects with path, mtime, sha256 and size or size_bytes
    for f in stats:
        size = getattr(f, "size_bytes", None)
        size = f.size if size is None else size
        yield f.path, (size, f.mtime, f.sha256, getattr(f, "kind", None))


def _landing_row(path: str, stat: Sequence[Any], kind: str | None) -> dict[str, Any]:
    size, mtime, sha = stat[:3]
    found_kind = stat[3] if len(stat) > 3 else None
    return {
        "path": path,
        "size_bytes": int(size),
        "mtime": utc_naive(mtime),
        "sha256": sha,
        "kind": kind or found_kind or landing_kind(path),
    }


def _insert_for(conn: Connection, table: sa.Table) -> Any:
    """The dialect's INSERT, which knows ON CONFLICT."""
    return (postgresql.insert if is_postgres(conn) else sqlite.insert)(table)
