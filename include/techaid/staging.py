"""The staging format: what a city's versions look like between the read, check and load tasks.

Parsed and checked data wait as Parquet files (one per sheet) beside a small JSON head, in a folder
per version keyed by the deterministic submission id, so XComs stay small (ids and paths only) and
a retried task overwrites its own output. A file refused while reading leaves ``refusal.json``.

The staging root is ``<TECHAID_DATA>/staging``: a local folder by default, or any fsspec URL when
``TECHAID_DATA`` is one (``s3://bucket/techaid``, ``memory://`` in tests), so workers on several
hosts share it. A version's folder is stamped when its read starts; :func:`purge` removes the
folders staged longer ago than the retention (``staging.retention_days`` in program.yaml) once a
run has finished.
"""

from __future__ import annotations

import datetime as dt
import json
import os
from collections import Counter
from typing import Any

import fsspec
import pandas as pd
from fsspec.spec import AbstractFileSystem

from techaid import paths
from techaid.findings import Finding
from techaid.intake.model import ParsedFile, ParsedSheet
from techaid.quality import flow

STAMP = "staged.json"


def staging_root() -> str:
    """``<TECHAID_DATA>/staging``, as a local path or a URL."""
    data = os.environ.get("TECHAID_DATA", "")
    if "://" in data:
        return data.rstrip("/") + "/staging"
    return str(paths.staging_root())


def _fs(url: str) -> tuple[AbstractFileSystem, str]:
    fs, path = fsspec.core.url_to_fs(url)
    return fs, path.rstrip("/")


def version_dir(submission_id: str, *, fresh: bool = False, now: dt.datetime | None = None) -> str:
    """The version's staging folder; ``fresh`` empties it first (a retried read starts clean) and
    stamps it with the time (``now``, default the current time)."""
    out = f"{staging_root()}/{submission_id}"
    if fresh:
        fs, path = _fs(out)
        if fs.exists(path):
            fs.rm(path, recursive=True)
        fs.makedirs(path, exist_ok=True)
        stamp = (now or dt.datetime.now(dt.UTC)).isoformat()
        _write_json(f"{out}/{STAMP}", {"staged_at": stamp})
    return out


def purge(retention_days: int, now: dt.datetime | None = None) -> list[str]:
    """Remove every version folder staged more than ``retention_days`` ago (0: all of them);
    returns the submission ids removed. Folders without a stamp are left alone."""
    now = now or dt.datetime.now(dt.UTC)
    fs, root = _fs(staging_root())
    if not fs.exists(root):
        return []
    removed = []
    for folder in sorted(fs.ls(root, detail=False)):
        stamp = f"{folder}/{STAMP}"
        if not fs.exists(stamp):
            continue
        staged_at = dt.datetime.fromisoformat(json.loads(fs.cat_file(stamp))["staged_at"])
        if now - staged_at >= dt.timedelta(days=retention_days):
            fs.rm(folder, recursive=True)
            removed.append(folder.rsplit("/", 1)[-1])
    return removed


def stage_refusal(out: str, refusal: Finding) -> None:
    _write_json(f"{out}/refusal.json", refusal.to_dict())


def staged_refusal(out: str) -> Finding | None:
    """The refusal of a version refused while reading, or None."""
    path = f"{out}/refusal.json"
    fs, local = _fs(path)
    return Finding(**_read_json(path)) if fs.exists(local) else None


def _write_json(url: str, data: Any) -> None:
    fs, path = _fs(url)
    fs.pipe_file(path, json.dumps(data, ensure_ascii=False, default=str).encode("utf-8"))


def _read_json(url: str) -> Any:
    fs, path = _fs(url)
    return json.loads(fs.cat_file(path).decode("utf-8"))


def _write_parquet(url: str, frame: pd.DataFrame) -> None:
    fs, path = _fs(url)
    with fs.open(path, "wb") as f:
        frame.to_parquet(f, index=False)


def _read_parquet(url: str) -> pd.DataFrame:
    fs, path = _fs(url)
    with fs.open(path, "rb") as f:
        return pd.read_parquet(f)


def _repairs_to_json(repairs: Counter) -> list[list[Any]]:
    return [[*key, n] for key, n in sorted(repairs.items())]


def _repairs_from_json(rows: list[list[Any]]) -> Counter:
    return Counter({tuple(r[:3]): r[3] for r in rows})


def stage_parsed(out: str, parsed: ParsedFile) -> None:
    for name, sheet in parsed.sheets.items():
        _write_parquet(f"{out}/parsed.{name}.parquet", sheet.frame)
    _write_json(
        f"{out}/parsed.json",
        {
            "city_code": parsed.city_code,
            "period": parsed.period,
            "meta": parsed.meta,
            "sheets": list(parsed.sheets),
            "findings": [f.to_dict() for f in parsed.findings],
            "repairs": _repairs_to_json(parsed.repairs),
        },
    )


def load_parsed(out: str) -> ParsedFile:
    head = _read_json(f"{out}/parsed.json")
    sheets = {
        name: ParsedSheet(name, _read_parquet(f"{out}/parsed.{name}.parquet"))
        for name in head["sheets"]
    }
    return ParsedFile(
        head["city_code"],
        head["period"],
        head["meta"],
        sheets,
        [Finding(**f) for f in head["findings"]],
        _repairs_from_json(head["repairs"]),
    )


def stage_decision(out: str, decision: flow.Decision) -> None:
    for name, frame in decision.clean.items():
        _write_parquet(f"{out}/clean.{name}.parquet", frame)
    _write_json(
        f"{out}/decision.json",
        {
            "outcome": decision.outcome,
            "findings": [f.to_dict() for f in decision.findings],
            "clean": list(decision.clean),
            "quarantined": {k: sorted(v) for k, v in decision.quarantined.items()},
        },
    )


def load_decision(out: str) -> tuple[flow.Decision, Counter]:
    head = _read_json(f"{out}/decision.json")
    parsed_head = _read_json(f"{out}/parsed.json")
    clean = {name: _read_parquet(f"{out}/clean.{name}.parquet") for name in head["clean"]}
    decision = flow.Decision(
        head["outcome"],
        [Finding(**f) for f in head["findings"]],
        clean,
        {k: set(v) for k, v in head["quarantined"].items()},
    )
    return decision, _repairs_from_json(parsed_head["repairs"])
