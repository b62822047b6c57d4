"""Checks of a dated poverty-office register once both files are read.

The register is the source of every coverage denominator, so it is taken whole or not at all: a
single row error (these rules, or a value intake could not parse) refuses the register, and the
previous dated register stays in force. Every problem is reported, each on its row, so the
poverty office can fix the whole export in one go.

The rules: keys unique in each file; a village's county a poverty county valid on the register's
date (the dated hierarchy); a village's code starting with its township's and county's codes; a
household's village listed in ``villages.csv`` or, since poor households also live in villages
that are not poor, at least inside a poverty county valid on that date.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Mapping

import numpy as np
import pandas as pd

from techaid import config
from techaid.config.hierarchy import Hierarchy
from techaid.findings import Finding, finding, mask

ROW = "row_number"
REFUSING = ("fatal", "error")
MAX_ROWS_NAMED = 10  # other rows named in a duplicate's message

# Where each register rule runs (for docs/rules.md).
REGISTER_RULE_SHEETS: dict[str, tuple[str, ...]] = {
    "register.duplicate_key": ("villages", "households"),
    "register.county_invalid": ("villages",),
    "register.prefix_mismatch": ("villages",),
    "register.village_unknown": ("households",),
    "register.refused": ("villages", "households"),
}
FILE_NAMES = {"villages": "villages.csv", "households": "households.csv"}


def check_register(
    register_date: dt.date,
    frames: Mapping[str, pd.DataFrame],
    hierarchy: Hierarchy | None = None,
) -> list[Finding]:
    """Every finding of the register's rules over the frames read (a file that could not be
    read at all is missing from ``frames`` and already has its fatal finding)."""
    h = hierarchy or config.hierarchy()
    valid = valid_counties(h, register_date)
    out: list[Finding] = []
    for name, frame in frames.items():
        out += duplicate_keys(name, frame)
    villages, households = frames.get("villages"), frames.get("households")
    if villages is not None:
        out += invalid_counties(villages, valid, register_date, h)
        out += prefix_mismatches(villages)
    if households is not None:
        listed = None if villages is None else villages["village_code"]
        out += unknown_villages(households, listed, valid, register_date)
    return out


def refuses(findings: Iterable[Finding]) -> bool:
    """Whether the register is refused: any fatal or row error (nothing is quarantined)."""
    return any(f.severity in REFUSING for f in findings)


def refusal(folder: str, findings: list[Finding], in_force: dt.date | None) -> Finding:
    """The fatal finding that heads a refused register's list: how many problems, and which
    register the months keep using."""
    problems = sum(f.severity in REFUSING for f in findings)
    kept = f"继续使用 {in_force.isoformat()} 的名册" if in_force else "目前没有可用的名册"
    return finding("register.refused", value=folder, detail=problems, kept=kept)


def valid_counties(h: Hierarchy, day: dt.date) -> set[str]:
    """Poverty county codes valid on ``day``."""
    return {
        code
        for code, unit in h.counties_by_code.items()
        if unit.poverty_level is not None and unit.valid_on(day)
    }


# ---------------------------------------------------------------- the rules


def _text(series: pd.Series) -> pd.Series:
    return series.astype("string")


def duplicate_keys(name: str, frame: pd.DataFrame) -> list[Finding]:
    """Every row of a key listed more than once (each names the other rows)."""
    spec = config.schema().register_sheet(name)
    key = spec.key[0]
    values = _text(frame[key])
    dup = values.duplicated(keep=False).fillna(False).to_numpy(dtype=bool) & values.notna()
    if not dup.any():
        return []
    rows = frame.loc[dup, ROW].astype(int)
    groups = rows.groupby(values[dup].to_numpy()).agg(list)
    personal = spec.columns[key].personal
    out = []
    for value, numbers in groups.items():
        shown = mask(str(value)) if personal else str(value)
        for n in numbers:
            others = [str(m) for m in numbers if m != n]
            more = "等" if len(others) > MAX_ROWS_NAMED else ""
            out.append(
                finding(
                    "register.duplicate_key",
                    sheet=name,
                    row=n,
                    column=key,
                    value=shown,
                    detail="、".join(others[:MAX_ROWS_NAMED]) + more,
                    file=FILE_NAMES[name],
                    key_zh=spec.columns[key].zh,
                )
            )
    return sorted(out, key=lambda f: f.row or 0)


def explain_county(code: str, day: dt.date, h: Hierarchy) -> str:
    """Why a county code is not a poverty county valid on ``day``."""
    unit = h.counties_by_code.get(code)
    if unit is None or unit.poverty_level is None:
        return "不是贫困县代码"
    if unit.valid_to is not None and unit.valid_to < day:
        successor = h.successor.get(code)
        then = f"，应为 {successor}" if successor else ""
        return f"该代码已于 {unit.valid_to.isoformat()} 停用{then}"
    return f"该代码自 {unit.valid_from.isoformat() if unit.valid_from else ''} 起才启用"


def invalid_counties(
    villages: pd.DataFrame, valid: set[str], day: dt.date, h: Hierarchy
) -> list[Finding]:
    """A village's county that is not a poverty county valid on the register's date."""
    codes = _text(villages["county_code"])
    bad = (codes.notna() & ~codes.isin(valid)).fillna(False).to_numpy(dtype=bool)
    return [
        finding(
            "register.county_invalid",
            sheet="villages",
            row=int(row),
            column="county_code",
            value=code,
            detail=explain_county(code, day, h),
            date=day.isoformat(),
            file=FILE_NAMES["villages"],
        )
        for row, code in zip(villages.loc[bad, ROW], codes[bad], strict=True)
    ]


# (column, its leading digits, the parent column they must equal)
_PREFIXES = (
    ("village_code", 6, "county_code"),
    ("township_code", 6, "county_code"),
    ("village_code", 9, "township_code"),
)


def prefix_mismatches(villages: pd.DataFrame) -> list[Finding]:
    """A village or township code whose leading digits are not its parent's code."""
    spec = config.schema().register_sheet("villages")
    out = []
    for column, n, parent in _PREFIXES:
        child, par = _text(villages[column]), _text(villages[parent])
        differs = child.notna() & par.notna() & (child.str.slice(0, n) != par)
        bad = differs.fillna(False).to_numpy(dtype=bool)
        for row, value, expected in zip(villages.loc[bad, ROW], child[bad], par[bad], strict=True):
            out.append(
                finding(
                    "register.prefix_mismatch",
                    sheet="villages",
                    row=int(row),
                    column=column,
                    value=value,
                    detail=expected,
                    digits=n,
                    code_zh=spec.columns[column].zh,
                    parent_zh=spec.columns[parent].zh,
                    file=FILE_NAMES["villages"],
                )
            )
    return sorted(out, key=lambda f: (f.row or 0, f.column or ""))


def unknown_villages(
    households: pd.DataFrame, listed: pd.Series | None, valid: set[str], day: dt.date
) -> list[Finding]:
    """A household's village neither listed among the register's poor villages nor inside a
    poverty county valid on the register's date."""
    codes = _text(households["village_code"])
    known = codes.str.slice(0, 6).isin(valid)
    if listed is not None:
        known = known | codes.isin(set(_text(listed).dropna()))
    bad = codes.notna().to_numpy(dtype=bool) & ~known.fillna(False).to_numpy(dtype=bool)
    if not np.any(bad):
        return []
    return [
        finding(
            "register.village_unknown",
            sheet="households",
            row=int(row),
            column="village_code",
            value=code,
            detail=code[:6],
            date=day.isoformat(),
            file=FILE_NAMES["households"],
        )
        for row, code in zip(households.loc[bad, ROW], codes[bad], strict=True)
    ]
