"""Planting the contract's "Messy input" cases into regular files, each one recorded exactly.

Every case is a ``Spec``: a code, what the pipeline should do (repair, error, warning) and a
planter that changes one clean file. The planters live in ``repairs`` and ``rows``; this module
holds what they share, the plan that spreads them over files, and the manifest resolution.
Planters pick cells whose clean value makes the case true and harmless (a blank boolean only
where the answer was no; a quarantined household only where it had no techniques or projects
anyway; row errors mostly in appended rows, so no real entity is lost and no other check fires
in cascade). Each planter returns ``Pending`` records, resolved to row numbers only after the
file's layout is final (title rows shift everything below them).

Cases are spread round-robin over the files that can hold them (zip quirks need a zip, a meta
period stored as an Excel date needs a workbook); a planter that finds no suitable cell passes its
case on to the next such file, and a case no file could take is listed as skipped. Row errors per
sheet are kept well under the quarantine threshold, so messy files are accepted with errors.
"""

from __future__ import annotations

import datetime as dt
from collections import Counter
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd

from techaid import config
from techaid.config.hierarchy import Hierarchy
from techaid_dev.synthetic.manifest import Case
from techaid_dev.synthetic.tables import MonthView, Table
from techaid_dev.synthetic.writers import Layout


@dataclass
class Pending:
    """A planted case before row numbers are known. ``where``: cell, header, title, footer, file."""

    case: str
    expected: str
    sheet: str | None
    where: str
    index: int | None = None
    column: str | None = None
    value: Any = None
    rule: str | None = None
    note: str = ""
    related: list[int] = field(default_factory=list)


@dataclass
class FileCtx:
    """One regular file being made messy."""

    tables: dict[str, Table]
    layout: Layout
    view: MonthView
    hierarchy: Hierarchy
    r: np.random.Generator
    register_ids: Callable[[], set[str]]
    used_rows: set[tuple[str, int]] = field(default_factory=set)  # rows taken whole
    used_cells: set[tuple[str, int, str]] = field(default_factory=set)
    errors: Counter[str] = field(default_factory=Counter)
    appended: Counter[str] = field(default_factory=Counter)

    @property
    def fmt(self) -> str:
        return self.layout.fmt

    @property
    def city(self) -> str:
        return self.view.world.city_code

    def pick(
        self,
        sheet: str,
        mask: Callable[[pd.DataFrame], Any] | None = None,
        column: str | None = None,
    ) -> int | None:
        """A random data row of the sheet where ``mask`` holds (vectorized) and that no other case
        uses: for one cell (``column``) of it, or else the whole row (no cell of it used)."""
        t = self.tables.get(sheet)
        if t is None or not len(t.frame):
            return None
        ok = np.ones(len(t.frame), bool) if mask is None else np.array(mask(t.frame), dtype=bool)
        taken = {i for s, i in self.used_rows if s == sheet}
        taken |= {
            i for s, i, c in self.used_cells if s == sheet and (column is None or c == column)
        }
        ok[[i for i in taken if i < len(ok)]] = False
        idx = np.flatnonzero(ok)
        if not len(idx):
            return None
        i = int(idx[int(self.r.integers(len(idx)))])
        if column is None:
            self.used_rows.add((sheet, i))
        else:
            self.used_cells.add((sheet, i, column))
        return i

    def pick_cell(self, sheet: str, column: str, test: Callable[[Any], bool]) -> int | None:
        """A random unused cell of the column whose clean value passes ``test``."""
        return self.pick(sheet, lambda f: f[column].map(test), column=column)

    def error_budget(self, sheet: str, new_rows: int, errors: int) -> bool:
        """Whether ``errors`` more quarantined rows keep the sheet well under the threshold."""
        q = config.program().quarantine
        total = len(self.tables[sheet].frame) + new_rows
        return total < q.min_sheet_rows or self.errors[sheet] + errors <= 0.75 * q.max_share * total

    def cell(
        self, case: str, expected: str, sheet: str, i: int, column: str, value: Any, **kw: Any
    ) -> Pending:
        self.tables[sheet].set(i, column, value)
        return Pending(case, expected, sheet, "cell", i, column, value, **kw)

    def append(self, sheet: str, row: dict[str, Any]) -> int:
        i = self.tables[sheet].append(row)
        self.used_rows.add((sheet, i))
        self.appended[sheet] += 1
        return i


Planter = Callable[[FileCtx], list[Pending] | None]


@dataclass(frozen=True)
class Spec:
    case: str
    expected: str
    planter: Planter
    container: str | None = None  # "xlsx" or "zip" when only that container can hold the case


# ----------------------------------------------------------------------------- plan and resolve


class Plan:
    """Which file each case goes to: round-robin over the files whose container can hold it,
    passed on to the next such file when a file has no suitable cell."""

    def __init__(self, formats: Sequence[str], specs: tuple[Spec, ...]) -> None:
        self.formats = formats
        self.queue: dict[int, list[Spec]] = {i: [] for i in range(len(formats))}
        self.skipped: list[str] = []
        for k, spec in enumerate(specs):
            homes = self._homes(spec, -1)
            if homes:
                self.queue[homes[k % len(homes)]].append(spec)
            else:
                self.skipped.append(spec.case)

    def _homes(self, spec: Spec, after: int) -> list[int]:
        return [i for i, f in enumerate(self.formats) if i > after and spec.container in (None, f)]

    def plant(self, i: int, ctx: FileCtx) -> list[Pending]:
        out: list[Pending] = []
        for spec in self.queue.pop(i, []):
            got = spec.planter(ctx)
            if got:
                out.extend(got)
                continue
            later = self._homes(spec, i)
            if later:
                self.queue[later[0]].append(spec)
            else:
                self.skipped.append(spec.case)
        return out


def _json_value(v: Any) -> Any:
    if isinstance(v, dt.date):
        return v.isoformat()
    if isinstance(v, np.generic):
        return v.item()
    return v


def resolve(p: Pending, tables: dict[str, Table], layout: Layout, file: str) -> Case:
    """The case with the row and column it has in the written file."""
    t = tables.get(p.sheet) if p.sheet else None
    row = col = None
    if t is not None:
        if p.where == "header":
            row, col = t.header_row, (t.col_index(p.column) if p.column else None)
        elif p.where == "title":
            assert p.index is not None, f"a title case names its row: {p.case}"
            row, col = p.index + 1, 1
        elif p.where in ("cell", "footer"):
            assert p.index is not None, f"a {p.where} case names its row: {p.case}"
            assert p.column is not None, f"a {p.where} case names its column: {p.case}"
            row = t.row_number(p.index) if p.where == "cell" else t.footer_row_number(p.index)
            col = t.col_index(p.column)
    return Case(
        file=file,
        case=p.case,
        expected=p.expected,
        sheet=p.sheet,
        location=layout.location(p.sheet) if p.sheet else None,
        row=row,
        column=p.column,
        col_index=col,
        value=_json_value(p.value),
        rule=p.rule,
        note=p.note,
        related_rows=[t.row_number(i) for i in p.related] if t is not None else [],
    )
