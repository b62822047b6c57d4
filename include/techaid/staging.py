"""The staging format: what a city's versions look like between the read, check and load tasks.

Parsed and checked data wait as Parquet files (one per sheet) beside a small JSON head, in a folder
per version keyed by the deterministic submission id, so XComs stay small (ids and paths only) and
a retried task overwrites its own output. A file refused while reading leaves ``refusal.json``.
"""

from __future__ import annotations

import json
import shutil
from collections import Counter
from pathlib import Path
from typing import Any

import pandas as pd

from techaid import paths
from techaid.findings import Finding
from techaid.intake.model import ParsedFile, ParsedSheet
from techaid.quality import flow


def version_dir(submission_id: str, *, fresh: bool = False) -> Path:
    """The version's staging folder; ``fresh`` empties it first (a retried read starts clean)."""
    out = paths.staging_root() / submission_id
    if fresh:
        shutil.rmtree(out, ignore_errors=True)
        out.mkdir(parents=True)
    return out


def stage_refusal(out: Path, refusal: Finding) -> None:
    _write_json(out / "refusal.json", refusal.to_dict())


def staged_refusal(out: Path) -> Finding | None:
    """The refusal of a version refused while reading, or None."""
    path = out / "refusal.json"
    return Finding(**_read_json(path)) if path.exists() else None


def _write_json(path: Path, data: Any) -> None:
    path.write_text(json.dumps(data, ensure_ascii=False, default=str), encoding="utf-8")


def _read_json(path: Path) -> Any:
    return json.loads(path.read_text(encoding="utf-8"))


def _repairs_to_json(repairs: Counter) -> list[list[Any]]:
    return [[*key, n] for key, n in sorted(repairs.items())]


def _repairs_from_json(rows: list[list[Any]]) -> Counter:
    return Counter({tuple(r[:3]): r[3] for r in rows})


def stage_parsed(out: Path, parsed: ParsedFile) -> None:
    for name, sheet in parsed.sheets.items():
        sheet.frame.to_parquet(out / f"parsed.{name}.parquet", index=False)
    _write_json(
        out / "parsed.json",
        {
            "city_code": parsed.city_code,
            "period": parsed.period,
            "meta": parsed.meta,
            "sheets": list(parsed.sheets),
            "findings": [f.to_dict() for f in parsed.findings],
            "repairs": _repairs_to_json(parsed.repairs),
        },
    )


def load_parsed(out: Path) -> ParsedFile:
    head = _read_json(out / "parsed.json")
    sheets = {
        name: ParsedSheet(name, pd.read_parquet(out / f"parsed.{name}.parquet"))
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


def stage_decision(out: Path, decision: flow.Decision) -> None:
    for name, frame in decision.clean.items():
        frame.to_parquet(out / f"clean.{name}.parquet", index=False)
    _write_json(
        out / "decision.json",
        {
            "outcome": decision.outcome,
            "findings": [f.to_dict() for f in decision.findings],
            "clean": list(decision.clean),
            "quarantined": {k: sorted(v) for k, v in decision.quarantined.items()},
        },
    )


def load_decision(out: Path) -> tuple[flow.Decision, Counter]:
    head = _read_json(out / "decision.json")
    parsed_head = _read_json(out / "parsed.json")
    clean = {name: pd.read_parquet(out / f"clean.{name}.parquet") for name in head["clean"]}
    decision = flow.Decision(
        head["outcome"],
        [Finding(**f) for f in head["findings"]],
        clean,
        {k: set(v) for k, v in head["quarantined"].items()},
    )
    return decision, _repairs_from_json(parsed_head["repairs"])
