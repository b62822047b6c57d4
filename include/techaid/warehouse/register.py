"""Loading a dated register (villages and households of the Poverty Alleviation Office)."""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Mapping, Sequence

import pandas as pd
import sqlalchemy as sa
from sqlalchemy.engine import Engine

from techaid.warehouse import schema
from techaid.warehouse.bulk import insert_frame
from techaid.warehouse.engine import write_transaction

log = logging.getLogger(__name__)


# ---------------------------------------------------------------- the register


def load_register(
    engine: Engine,
    register_date: dt.date,
    villages: pd.DataFrame | None,
    households: pd.DataFrame | None,
    shas: Mapping[str, str] | Sequence[str],
    status: str,
    message: str | None = None,
) -> bool:
    """Record one dated register atomically: its ``register_version`` row, and its villages and
    households rows when accepted. A refused register keeps no rows and never displaces an
    accepted register of the same date, so the register in force for every month stays a whole,
    checked one. Returns whether anything was written (False: a refusal kept the accepted one)."""
    v_sha, h_sha = (shas["villages"], shas["households"]) if isinstance(shas, Mapping) else shas
    accepted = status == "accepted"
    frames = {"villages": villages, "households": households}
    tables = schema.register_tables()
    rv = schema.register_version
    with write_transaction(engine, lock="techaid.register") as conn:
        if not accepted:
            held = conn.execute(
                sa.select(rv.c.status).where(rv.c.register_date == register_date)
            ).scalar()
            if held == "accepted":
                log.warning(
                    "register %s: refused version not loaded; the accepted one stays", register_date
                )
                return False
        conn.execute(sa.delete(rv).where(rv.c.register_date == register_date))
        for table in tables.values():
            conn.execute(sa.delete(table).where(table.c.register_date == register_date))
        counts = dict.fromkeys(frames, 0)
        if accepted:
            for name, frame in frames.items():
                if frame is not None:
                    const = {"register_date": register_date}
                    counts[name] = insert_frame(conn, tables[name], frame, const)
        conn.execute(
            sa.insert(rv).values(
                register_date=register_date,
                villages_sha256=v_sha,
                households_sha256=h_sha,
                status=status,
                villages=counts["villages"],
                households=counts["households"],
                message=message,
            )
        )
    return True


def recorded_registers(engine: Engine) -> dict[dt.date, tuple[str | None, str | None]]:
    """Register dates already recorded, with the SHA-256 of their two files."""
    t = schema.register_version
    with engine.connect() as conn:
        return {
            r.register_date: (r.villages_sha256, r.households_sha256)
            for r in conn.execute(sa.select(t))
        }


def in_force_on(engine: Engine, day: dt.date) -> dt.date | None:
    """The accepted register in force on ``day``: the latest one dated on or before it."""
    rv = schema.register_version
    with engine.connect() as conn:
        return conn.execute(
            sa.select(sa.func.max(rv.c.register_date)).where(
                rv.c.status == "accepted", rv.c.register_date <= day
            )
        ).scalar()
