"""The manifest: what was generated and every case planted in it, for tests and the demo.

Each case names the file (relative to the landing root), the sheet, the row as the office sees it
(Excel row or CSV line, header counted), the column and what the pipeline is expected to do
(repair, error, warning, fatal). Cell cases also carry the 1-based column index in the file and
the value planted, so a test can open the file and find it there.
"""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

EXPECTED = ("repair", "error", "warning", "fatal")


@dataclass
class Case:
    file: str
    case: str  # e.g. "repair.code_number", "row.household_not_in_register", "refuse.missing_sheet"
    expected: str  # repair | error | warning | fatal
    sheet: str | None = None  # canonical sheet name
    location: str | None = None  # the sheet's name in the workbook, or the zip member's path
    row: int | None = None
    column: str | None = None  # canonical column name
    col_index: int | None = None  # 1-based column of the cell in the file
    value: Any = None  # the planted value as stored (JSON: numbers, text; dates as ISO text)
    rule: str | None = None  # the registry rule expected to fire, where it is known
    note: str = ""
    related_rows: list[int] = field(default_factory=list)

    def __post_init__(self) -> None:
        if self.expected not in EXPECTED:
            raise ValueError(f"expected must be one of {EXPECTED}, not {self.expected!r}")


@dataclass
class SubmissionFile:
    file: str
    city_code: str
    period: str
    format: str
    kind: str  # regular | refuse
    received_at: str  # ISO, UTC
    received_local: str  # ISO, Asia/Shanghai
    deadline: str  # the last on-time day (local)
    late: bool
    rows: dict[str, int] = field(default_factory=dict)


@dataclass
class RegisterFile:
    date: str
    villages: str
    households: str
    village_rows: int
    household_rows: int
    note: str


@dataclass
class Manifest:
    seed: int
    scale: float
    start: str
    end: str
    messy: bool
    format: str
    cities: list[str]
    submissions: list[SubmissionFile] = field(default_factory=list)
    registers: list[RegisterFile] = field(default_factory=list)
    lagging_counties: list[dict[str, Any]] = field(default_factory=list)
    late_cities: list[str] = field(default_factory=list)
    cases: list[Case] = field(default_factory=list)
    skipped_cases: list[str] = field(default_factory=list)

    def to_dict(self) -> dict[str, Any]:
        return {"generator": "techaid_dev.synthetic", "version": 1, **asdict(self)}

    def write(self, path: Path) -> None:
        path.write_text(
            json.dumps(self.to_dict(), ensure_ascii=False, indent=1) + "\n", encoding="utf-8"
        )

    def cases_of(self, file: str) -> list[Case]:
        return [c for c in self.cases if c.file == file]

    @classmethod
    def read(cls, path: Path) -> Manifest:
        data = json.loads(path.read_text(encoding="utf-8"))
        data.pop("generator", None)
        data.pop("version", None)
        data["submissions"] = [SubmissionFile(**s) for s in data["submissions"]]
        data["registers"] = [RegisterFile(**r) for r in data["registers"]]
        data["cases"] = [Case(**c) for c in data["cases"]]
        return cls(**data)
