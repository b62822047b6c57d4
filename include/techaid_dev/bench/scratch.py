"""Throwaway places a bench runs in: a fresh PostgreSQL schema, and the deployment's environment
variables pointed at a bench's own folders and warehouse, both restored afterwards."""

from __future__ import annotations

import contextlib
import os
import uuid
from collections.abc import Iterator, Mapping
from pathlib import Path

import sqlalchemy as sa


@contextlib.contextmanager
def fresh_schema(url: str, keep: bool = False) -> Iterator[str]:
    """A URL whose connections use a new, empty schema; dropped afterwards unless ``keep``."""
    name = f"bench_{uuid.uuid4().hex[:10]}"
    admin = sa.create_engine(url)
    with admin.begin() as conn:
        conn.execute(sa.text(f'create schema "{name}"'))
    sep = "&" if "?" in url else "?"
    try:
        yield f"{url}{sep}options=-csearch_path%3D{name}"
    finally:
        if keep:
            print(f"schema kept: {name}")
        else:
            with admin.begin() as conn:
                conn.execute(sa.text(f'drop schema "{name}" cascade'))
        admin.dispose()


@contextlib.contextmanager
def environment(values: Mapping[str, str]) -> Iterator[None]:
    """``os.environ`` with ``values`` set, as it was afterwards."""
    saved = {k: os.environ.get(k) for k in values}
    os.environ.update(values)
    try:
        yield
    finally:
        for k, v in saved.items():
            if v is None:
                os.environ.pop(k, None)
            else:
                os.environ[k] = v


def pipeline_env(
    landing: Path, work: Path, url: str | None = None
) -> contextlib.AbstractContextManager[None]:
    """The environment the pipeline's tasks read: landing, output and data folders (the latter
    two under ``work``), and the warehouse connection when ``url`` is given."""
    values = {
        "TECHAID_LANDING": str(landing),
        "TECHAID_OUTPUT": str(work / "output"),
        "TECHAID_DATA": str(work / "data"),
    }
    if url is not None:
        values["AIRFLOW_CONN_TECHAID_WAREHOUSE"] = url
    return environment(values)
