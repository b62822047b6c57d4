"""What intake hands on: raw grids from a file, and a parsed, typed submission."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from typing import Any

import pandas as pd

from techaid.findings import Finding

# A repair counted: (sheet, column, kind), e.g. ("villages", "village_code", "code_number").
RepairKey = tuple[str, str, str]


@dataclass
class RawSheet:
    """A sheet as found in the file, before the header is located.

    ``cells`` holds every cell as read (str, int, float, bool, datetime or None) in an object
    DataFrame with positional columns 0..n-1; grid row i is row ``first_row_number + i`` of the
    office's own file (Excel row, or CSV line, the header counted).
    """

    name: str  # the sheet (or zip member) name as found, e.g. "村" or "villages.csv"
    cells: pd.DataFrame
    first_row_number: int = 1


@dataclass
class RawFile:
    """Every sheet of a workbook or zip, keyed by the name found in the file; repairs made while
    reading the container (encodings, zip member names) are counted in ``repairs``."""

    sheets: dict[str, RawSheet]
    repairs: Counter[RepairKey] = field(default_factory=Counter)


@dataclass
class ParsedSheet:
    """A sheet normalized to the schema: canonical column names in schema order plus
    ``row_number`` (int, as the office sees it). Values are typed: codes/text/ids as str (None when
    empty), int as Int64, decimal as Float64, bool as boolean, date as datetime.date objects,
    id_list as ";"-joined str. A value that could not be parsed is None and has a finding."""

    name: str
    frame: pd.DataFrame


@dataclass
class ParsedFile:
    city_code: str
    period: str
    meta: dict[str, Any]
    sheets: dict[str, ParsedSheet]
    findings: list[Finding] = field(default_factory=list)  # errors (per row) and warnings
    repairs: Counter[RepairKey] = field(default_factory=Counter)
