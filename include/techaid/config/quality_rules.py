"""The data-quality value rules (``include/config/quality.yaml``), validated on load.

The file is data reviewers change (a range, a threshold, which rule a check reports), so it is
checked like every other configuration file: a bad value raises :class:`techaid.config.ConfigError`
naming the file and key, and every column and rule it names must exist in ``sheets.yaml`` and the
rule registry.
"""

from __future__ import annotations

import functools
from pathlib import Path
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, model_validator

from techaid import config
from techaid.config import ConfigError

Bound = float | int | Literal["program.start_year", "program.end_year"]
CheckKind = Literal[
    "not_null",
    "not_before",
    "in_month",
    "regex",
    "county",
    "county_prefix",
    "known_village",
    "prefix_agrees",
    "recent_year",
]


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class Range(_Strict):
    min: Bound | None = None
    max: Bound | None = None
    rule: str = "dq.range"


class Keys(_Strict):
    default: str
    compound: str
    rules: dict[str, str] = Field(default_factory=dict)

    def rule_for(self, sheet: str, n_columns: int) -> str:
        if sheet in self.rules:
            return self.rules[sheet]
        return self.compound if n_columns > 1 else self.default


class Check(_Strict):
    check: CheckKind
    rule: str
    column: str | None = None
    columns: list[str] | None = None
    other: str | None = None
    parent: str | None = None
    regex: str | None = None
    when: dict[str, str] | None = None

    @model_validator(mode="after")
    def _arguments(self) -> Check:
        needs = {
            "not_null": ("columns",),
            "not_before": ("column", "other"),
            "regex": ("column", "regex"),
            "prefix_agrees": ("column", "parent"),
        }.get(self.check, ("column",))
        missing = [n for n in needs if getattr(self, n) in (None, [])]
        if missing:
            raise ValueError(f"check {self.check} needs {', '.join(missing)}")
        return self

    def all_columns(self) -> list[str]:
        cols = [self.column, self.other, self.parent, *(self.columns or []), *(self.when or {})]
        return [c for c in cols if c]


class Outlier(_Strict):
    columns: list[str]
    min_history: int = Field(6, ge=2)
    window: int = Field(12, ge=2)
    threshold: float = Field(5.0, gt=0)
    mad_floor: float = Field(1.0, gt=0)


class Jump(_Strict):
    columns: list[str]
    max_ratio: float = Field(5.0, gt=1)
    min_base: float = Field(20, ge=0)


class History(_Strict):
    cumulative: list[str] = Field(default_factory=list)
    outlier: Outlier
    jump: Jump


class QualitySettings(_Strict):
    ranges: dict[str, dict[str, Range]]
    keys: Keys
    checks: dict[str, list[Check]]
    history: History


def _consistent(q: QualitySettings, path: Path) -> QualitySettings:
    """Every sheet, column and rule named must exist; every number column must have a range."""
    schema, rules = config.schema(), config.rules()

    def need_column(key: str, sheet: str, column: str) -> None:
        if sheet not in schema.sheets:
            raise ConfigError(path, key, sheet, "not a sheet of sheets.yaml")
        if column not in schema.sheets[sheet].columns:
            raise ConfigError(path, key, column, f"not a column of sheet {sheet}")

    def need_rule(key: str, rule: str) -> None:
        if rule not in rules:
            raise ConfigError(path, key, rule, "not a rule of the registry (rules*.yaml)")

    for sheet, cols in q.ranges.items():
        for col, rng in cols.items():
            need_column(f"ranges.{sheet}.{col}", sheet, col)
            need_rule(f"ranges.{sheet}.{col}.rule", rng.rule)
    for name, spec in schema.sheets.items():
        for column in spec.column_list():
            if column.type in ("int", "decimal") and column.name not in q.ranges.get(name, {}):
                raise ConfigError(
                    path, f"ranges.{name}", column.name, "number column without range"
                )
    for key, rule in [("keys.default", q.keys.default), ("keys.compound", q.keys.compound)]:
        need_rule(key, rule)
    for sheet, rule in q.keys.rules.items():
        if sheet not in schema.sheets:
            raise ConfigError(path, f"keys.rules.{sheet}", sheet, "not a sheet of sheets.yaml")
        need_rule(f"keys.rules.{sheet}", rule)
    for sheet, checks in q.checks.items():
        for i, chk in enumerate(checks):
            for col in chk.all_columns():
                need_column(f"checks.{sheet}[{i}]", sheet, col)
            need_rule(f"checks.{sheet}[{i}].rule", chk.rule)
    history = {*q.history.cumulative, *q.history.outlier.columns, *q.history.jump.columns}
    for col in sorted(history):
        need_column("history", "counties", col)
    return q


def load_quality(path: Path | None = None) -> QualitySettings:
    path = path or config.config_dir() / "quality.yaml"
    raw = config.read_yaml(path)
    return _consistent(config.validated(QualitySettings, raw, path), path)


@functools.cache
def _cached(directory: str) -> QualitySettings:
    return load_quality(Path(directory) / "quality.yaml")


def quality() -> QualitySettings:
    """The value rules of the configuration folder in force (cached per folder)."""
    return _cached(str(config.config_dir()))


def resolve_bound(bound: Bound | None) -> float | int | None:
    """A range bound as a number: ``program.start_year`` / ``program.end_year`` from program.yaml."""
    if bound == "program.start_year":
        return int(config.program().program.start[:4])
    if bound == "program.end_year":
        return int(config.program().program.end[:4])
    return bound
