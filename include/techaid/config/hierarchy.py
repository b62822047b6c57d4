"""The dated administrative hierarchy: which codes are valid in which month, and recodes.

Codes change (Qianshan County 340824 became Qianshan City 340882 in August 2018). A code valid on
any day of a month is accepted for it; a retired code maps forward along the successor links and a
not-yet-valid successor maps back, both with a warning. Townships and villages are not listed: a
county recode swaps the first 6 digits of their codes.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal

from techaid.config.base import (
    CODE6_RE,
    ConfigError,
    Strict,
    config_dir,
    csv_rows,
    opt_date,
    validated,
)
from techaid.periods import first_day, last_day


class Unit(Strict):
    level: Literal["province", "city", "county"]
    code: str
    name_zh: str
    name_en: str
    parent_code: str | None
    poverty_level: Literal["national", "provincial"] | None
    valid_from: dt.date | None
    valid_to: dt.date | None
    predecessor_code: str | None
    note: str = ""

    def valid_in(self, start: dt.date, end: dt.date) -> bool:
        """Valid on any day between start and end (inclusive)."""
        return (self.valid_from is None or self.valid_from <= end) and (
            self.valid_to is None or self.valid_to >= start
        )

    def valid_on(self, day: dt.date) -> bool:
        return self.valid_in(day, day)


@dataclass(frozen=True)
class Resolution:
    """A code as given, the code valid in the month, and whether it had to be mapped."""

    given: str
    code: str | None
    mapped: bool

    @property
    def known(self) -> bool:
        return self.code is not None


class Hierarchy:
    def __init__(self, units: list[Unit], source: Path | str = "hierarchy"):
        self.units = units
        self.source = str(source)
        self.by_code: dict[str, Unit] = {u.code: u for u in units}
        self.counties_by_code = {u.code: u for u in units if u.level == "county"}
        self.successor: dict[str, str] = {
            u.predecessor_code: u.code for u in units if u.predecessor_code
        }

    # -- listing
    def city_codes(self) -> list[str]:
        return [u.code for u in self.units if u.level == "city"]

    def province(self) -> Unit:
        return next(u for u in self.units if u.level == "province")

    def name(self, code: str) -> str:
        unit = self.by_code.get(code)
        return unit.name_zh if unit else code

    def counties_of(self, city_code: str, period: str) -> list[Unit]:
        """Counties of a city valid on the period's last day (the codes published for it)."""
        day = last_day(period)
        return [
            u
            for u in self.units
            if u.level == "county" and u.parent_code == city_code and u.valid_on(day)
        ]

    def counties(self, period: str) -> list[Unit]:
        day = last_day(period)
        return [u for u in self.units if u.level == "county" and u.valid_on(day)]

    # -- resolution
    def _valid_in_month(self, unit: Unit, period: str) -> bool:
        return unit.valid_in(first_day(period), last_day(period))

    def resolve_county(self, code: str, period: str) -> Resolution:
        """The county code to use for ``code`` in ``period``, following recodes either way."""
        unit = self.counties_by_code.get(code)
        if unit is None:
            return Resolution(code, None, False)
        if self._valid_in_month(unit, period):
            return Resolution(code, code, False)
        for candidate in self.lineage(code):
            cu = self.counties_by_code[candidate]
            if candidate != code and self._valid_in_month(cu, period):
                return Resolution(code, candidate, True)
        return Resolution(code, None, False)

    def publish_code(self, code: str, period: str) -> str:
        """The code under which a county's figures for ``period`` are published."""
        day = last_day(period)
        for candidate in self.lineage(code):
            if self.counties_by_code[candidate].valid_on(day):
                return candidate
        return code

    def lineage(self, code: str) -> list[str]:
        """All codes of one unit over time, oldest first (predecessors, code, successors)."""
        chain = [code]
        unit = self.by_code.get(code)
        while unit and unit.predecessor_code and unit.predecessor_code not in chain:
            chain.insert(0, unit.predecessor_code)
            unit = self.by_code.get(unit.predecessor_code)
        nxt = self.successor.get(code)
        while nxt and nxt not in chain:
            chain.append(nxt)
            nxt = self.successor.get(nxt)
        return chain

    def series_code(self, code: str) -> str:
        """One stable code per unit across recodes (the newest), for continuous history."""
        return self.lineage(code)[-1]

    def city_of(self, county_code: str) -> str | None:
        unit = self.counties_by_code.get(county_code)
        return unit.parent_code if unit else None

    def recode_prefix(self, code: str, period: str) -> Resolution:
        """Resolve a township or village code through its county prefix."""
        res = self.resolve_county(code[:6], period)
        if res.code is None:
            return Resolution(code, None, False)
        return Resolution(code, res.code + code[6:], res.mapped)

    def valid_on(self, code: str, day: dt.date) -> bool:
        unit = self.by_code.get(code)
        return bool(unit and unit.valid_on(day))


# ---------------------------------------------------------------- loading


def load_hierarchy(path: Path | None = None) -> Hierarchy:
    path = path or config_dir() / "hierarchy.csv"
    units: list[Unit] = []
    for i, row in enumerate(csv_rows(path), start=2):
        key = f"line {i} ({row.get('code', '')})"
        if not CODE6_RE.match(row.get("code") or ""):
            raise ConfigError(path, f"line {i}.code", row.get("code"), "must be 6 digits")
        data: dict[str, Any] = {
            k: (v.strip() if isinstance(v, str) else v) for k, v in row.items() if k
        }
        data["valid_from"] = opt_date(path, f"{key}.valid_from", data.get("valid_from", ""))
        data["valid_to"] = opt_date(path, f"{key}.valid_to", data.get("valid_to", ""))
        for opt in ("parent_code", "poverty_level", "predecessor_code"):
            data[opt] = data.get(opt) or None
        unit = validated(Unit, data, path)
        if unit.valid_from and unit.valid_to and unit.valid_to < unit.valid_from:
            raise ConfigError(path, f"{key}.valid_to", row["valid_to"], "before valid_from")
        units.append(unit)
    return Hierarchy(units, source=path)


class Pair(Strict):
    partner_code: str
    partner_name_zh: str
    partner_name_en: str
    poverty_county_code: str
    confidence: str = ""


def load_pairing(path: Path | None = None, hierarchy: Hierarchy | None = None) -> list[Pair]:
    path = path or config_dir() / "pairing.csv"
    hierarchy = hierarchy or load_hierarchy()
    pairs = []
    for i, row in enumerate(csv_rows(path), start=2):
        pair = validated(Pair, {k: v.strip() for k, v in row.items() if k}, path)
        if pair.poverty_county_code not in hierarchy.counties_by_code:
            raise ConfigError(
                path,
                f"line {i}.poverty_county_code",
                pair.poverty_county_code,
                "not a county of the hierarchy",
            )
        pairs.append(pair)
    return pairs
