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
) -> None:
    """Replace one dated register atomically: its ``register_version`` row, and its villages and
    households rows when accepted (a refused register keeps no rows, so the previous dated
    register stays in force for the months it covers)."""
    v_sha, h_sha = (shas["villages"], shas["households"]) if isinstance(shas, Mapping) else shas
    accepted = status == "accepted"
    frames = {"villages": villages, "households": households}
    tables = schema.register_tables()
    with write_transaction(engine, lock="techaid.register") as conn:
        rv = schema.register_version
        conn.execute(sa.delete(rv).where(rv.c.register_date == register_date))
        for table in tables.values():
            conn.execute(sa.delete(table).where(table.c.register_date == register_date))
        counts = {name: 0 for name in frames}
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
            )  # fmt: skip
        )


def recorded_registers(engine: Engine) -> dict[dt.date, tuple[str | None, str | None]]:
    """Register dates already recorded, with the SHA-256 of their two files."""
    t = schema.register_version
    with engine.connect() as conn:
        return {
            r.register_date: (r.villages_sha256, r.households_sha256)
            for r in conn.execute(sa.select(t))
        }
