"""The indicator catalogue (``include/config/indicators.yaml``), validated on load.

Indicators are data the provincial team edits: a new indicator of an existing shape, a target, a
threshold or a weight changes here, never in code. Loading checks the file's structure with
pydantic, then checks it against the sheet schema (every column named exists, with a comparable
type) and the hierarchy (allocated counties exist, the allocation sums to the province target), so
a mistake is reported as :class:`~techaid.config.ConfigError` naming the file, key and value instead
of surfacing as a SQL error during a monthly run.
"""

from __future__ import annotations

import datetime as dt
import functools
import json
import math
import re
from collections.abc import Iterator
from pathlib import Path
from typing import Annotated, Any, Literal, NoReturn

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator, model_validator

from techaid import config
from techaid.config import ConfigError
from techaid.periods import PERIOD_RE

CODE_RE = re.compile(r"^[a-z][a-z0-9_]{0,39}$")
AS_OF = "$as_of"
LEVELS = ("county", "city", "province")
OPS = ("eq", "ne", "gt", "gte", "lt", "lte", "in", "not_empty")
# Sheets whose rows the SQL can attribute to a county (macro county_join in sql/indicators/).
COUNTY_SHEETS = frozenset(
    {
        "counties",
        "townships",
        "villages",
        "households",
        "experts",
        "organizations",
        "agreements",
        "activities",
    }
)
REGISTER_POPULATIONS = {"register_villages": "villages", "register_households": "households"}

Level = Literal["county", "city", "province"]
Temporal = Literal["stock", "flow"]
Spatial = Literal["sum", "ratio_of_sums", "share_of_counties", "distinct"]

# shape -> (temporal, spatial) it implies: declared in the file for readers, checked here.
SHAPE_AGGREGATION: dict[str, tuple[str, str]] = {
    "count_sum": ("stock", "sum"),
    "has_one": ("stock", "share_of_counties"),
    "distinct_count": ("stock", "distinct"),
    "share": ("stock", "ratio_of_sums"),
    "flow_sum": ("flow", "sum"),
    "reporting_rate": ("flow", "ratio_of_sums"),
}


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


Where = dict[str, Any]


class Term(_Strict):
    """The sum of ``column`` over the rows of ``sheet`` matching ``where`` (no column: count)."""

    sheet: str
    column: str | None = None
    where: Where = Field(default_factory=dict)


class CountSum(_Strict):
    shape: Literal["count_sum"]
    terms: list[Term] = Field(min_length=1)


class HasOne(_Strict):
    shape: Literal["has_one"]
    terms: list[Term] = Field(min_length=1)
    threshold: float = Field(1, gt=0)


class DistinctCount(_Strict):
    shape: Literal["distinct_count"]
    sheet: str
    column: str
    where: Where = Field(default_factory=dict)


class Share(_Strict):
    shape: Literal["share"]
    population: str  # register_villages | register_households | a snapshot sheet
    population_where: Where = Field(default_factory=dict)
    latest_flag: str | None = None  # register_villages only: a bool column of the villages sheet
    numerator: Where = Field(min_length=1)

    @property
    def snapshot_sheet(self) -> str:
        """The sheet whose rows are tested by ``numerator``."""
        return REGISTER_POPULATIONS.get(self.population, self.population)


class FlowSum(_Strict):
    shape: Literal["flow_sum"]
    terms: list[Term] = Field(min_length=1)


class ReportingRate(_Strict):
    shape: Literal["reporting_rate"]


ValueDef = Annotated[
    CountSum | HasOne | DistinctCount | Share | FlowSum | ReportingRate,
    Field(discriminator="shape"),
]


class PerLevel(_Strict):
    """A number per level; ``all`` sets every level not given."""

    all: float | None = None
    county: float | None = None
    city: float | None = None
    province: float | None = None

    def at(self, level: str) -> float | None:
        own = getattr(self, level)
        return own if own is not None else self.all


class Target(PerLevel):
    allocation: dict[str, float] | None = None  # county code -> target (federations)

    @field_validator("allocation")
    @classmethod
    def _allocation(cls, v: dict[str, float] | None) -> dict[str, float] | None:
        for code, n in (v or {}).items():
            if not re.fullmatch(r"\d{6}", str(code)):
                raise ValueError(f"{code!r}: must be a 6-digit county code")
            if n < 0:
                raise ValueError(f"{code}: {n} must not be negative")
        return v

    @model_validator(mode="after")
    def _consistent(self) -> Target:
        if self.allocation:
            if self.province is None:
                raise ValueError("an allocation needs a province target")
            if self.county is not None or self.city is not None or self.all is not None:
                raise ValueError("give either an allocation or county/city targets, not both")
            total = sum(self.allocation.values())
            if not math.isclose(total, self.province, abs_tol=1e-6):
                raise ValueError(
                    f"allocation sums to {total:g}, not the province {self.province:g}"
                )
        return self

    @property
    def allocated(self) -> bool:
        return bool(self.allocation)


class Trajectory(_Strict):
    kind: Literal["pro_rata", "step", "constant"] = "pro_rata"
    due: str | None = None  # step only: first month the target is expected

    @model_validator(mode="after")
    def _due(self) -> Trajectory:
        if self.kind == "step":
            if not self.due or not PERIOD_RE.match(self.due):
                raise ValueError("a step trajectory needs due: YYYY-MM")
        elif self.due is not None:
            raise ValueError("due applies to step trajectories only")
        return self


class Indicator(_Strict):
    code: str = ""
    zh: str = Field(min_length=1)
    name: str = Field(min_length=1)
    definition: str = Field(min_length=1)
    level: Literal["county", "city"]
    temporal: Temporal
    spatial: Spatial
    value: ValueDef
    target: Target | None = None
    trajectory: Trajectory = Trajectory()
    key: bool  # stated in every entry: no default decides what ranks a county
    weight: float = Field(ge=0, allow_inf_nan=False)
    baseline: PerLevel | float = 0.0

    @model_validator(mode="after")
    def _consistent(self) -> Indicator:
        temporal, spatial = SHAPE_AGGREGATION[self.value.shape]
        if (self.temporal, self.spatial) != (temporal, spatial):
            raise ValueError(
                f"shape {self.value.shape} aggregates as temporal {temporal}, spatial {spatial}"
            )
        first = "city" if self.value.shape == "reporting_rate" else "county"
        if self.level != first:
            raise ValueError(f"shape {self.value.shape} is first computed at the {first} level")
        if self.key:
            if not self.county_target_defined and not self.county_allocation:
                raise ValueError("a key indicator needs a county-level target (or allocation)")
            if self.weight <= 0:
                raise ValueError("a key indicator needs a weight above 0")
        elif self.weight != 0:
            raise ValueError("only key indicators are scored: give weight 0 or key: true")
        return self

    # -- derived
    @property
    def shape(self) -> str:
        return self.value.shape

    @property
    def monitored(self) -> bool:
        return self.target is None

    @property
    def county_target_defined(self) -> bool:
        """A county-level target exists (an empty allocation does not count)."""
        if self.target is None or self.level != "county":
            return False
        return self.target.allocated or self.target.at("county") is not None

    @property
    def county_allocation(self) -> bool:
        """County targets come from an allocation, filled or not yet (an empty one scores
        nothing until it is filled: no county target, no status)."""
        return (
            self.level == "county"
            and self.target is not None
            and (self.target.allocation is not None)
        )

    @property
    def is_key(self) -> bool:
        return self.key

    def baseline_at(self, level: str) -> float:
        if isinstance(self.baseline, PerLevel):
            return self.baseline.at(level) or 0.0
        return float(self.baseline)

    def levels(self) -> tuple[str, ...]:
        return LEVELS[LEVELS.index(self.level) :]


class StatusSettings(_Strict):
    tolerance: float = Field(0.10, ge=0, lt=1)
    critical_ratio: float = Field(0.70, ge=0, le=1)
    trend_months: int = Field(6, ge=2)
    min_points: int = Field(3, ge=2)

    @model_validator(mode="after")
    def _points(self) -> StatusSettings:
        if self.min_points > self.trend_months:
            raise ValueError("min_points must not exceed trend_months")
        if self.critical_ratio > 1 - self.tolerance:
            raise ValueError("critical_ratio must not exceed 1 - tolerance")
        return self


class Catalogue(_Strict):
    status: StatusSettings = StatusSettings()
    indicators: dict[str, Indicator] = Field(min_length=1)
    source: str = ""

    @model_validator(mode="before")
    @classmethod
    def _name_indicators(cls, data: Any) -> Any:
        if isinstance(data, dict) and isinstance(data.get("indicators"), dict):
            named = {}
            for code, body in data["indicators"].items():
                if not CODE_RE.match(str(code)):
                    raise ValueError(f"indicator code {code!r} must match {CODE_RE.pattern}")
                named[code] = {**body, "code": code} if isinstance(body, dict) else body
            data = {**data, "indicators": named}
        return data

    def __getitem__(self, code: str) -> Indicator:
        return self.indicators[code]

    def __iter__(self) -> Iterator[Indicator]:  # type: ignore[override]  # indicators, not fields
        return iter(self.indicators.values())

    def of_shape(self, *shapes: str) -> list[Indicator]:
        return [i for i in self if i.shape in shapes]

    def key_indicators(self) -> list[Indicator]:
        return [i for i in self if i.is_key]


# ---------------------------------------------------------------- checks against the schema


_TYPE_KIND = {
    "int": "number",
    "decimal": "number",
    "bool": "bool",
    "date": "date",
    "code6": "text",
    "code9": "text",
    "code12": "text",
    "code": "text",
    "text": "text",
    "id": "text",
    "household_id": "text",
    "enum": "text",
    "id_list": "text",
    "period": "text",
}


class _Checker:
    """Cross-checks of one catalogue against the sheet schema and the hierarchy."""

    def __init__(self, path: Path, schema: config.Schema, hierarchy: Any):
        self.path, self.schema, self.hierarchy = path, schema, hierarchy

    def fail(self, key: str, value: Any, problem: str) -> NoReturn:
        raise ConfigError(self.path, key, value, problem)

    def sheet(self, key: str, name: str, *, kinds: tuple[str, ...]) -> config.SheetSpec:
        spec = self.schema.sheets.get(name)
        if spec is None:
            self.fail(key, name, f"unknown sheet (one of {', '.join(self.schema.sheets)})")
        if name != "counties" and spec.kind not in kinds:
            self.fail(key, name, f"a {spec.kind} sheet cannot be used here")
        if name not in COUNTY_SHEETS:
            self.fail(key, name, "its rows cannot be attributed to a county")
        return spec

    def column(self, key: str, spec: config.SheetSpec, name: str) -> config.ColumnSpec:
        col = spec.columns.get(name)
        if col is None:
            self.fail(key, name, f"not a column of {spec.name}")
        return col

    def where(self, key: str, spec: config.SheetSpec, where: Where) -> None:
        for col_name, cond in where.items():
            ckey = f"{key}.{col_name}"
            col = self.column(ckey, spec, col_name)
            kind = _TYPE_KIND[col.type]
            ops = cond if isinstance(cond, dict) else {"eq": cond}
            if not ops:
                self.fail(ckey, cond, "empty condition")
            for op, value in ops.items():
                self._condition(
                    f"{ckey}.{op}" if isinstance(cond, dict) else ckey, col, kind, op, value
                )

    def _condition(self, key: str, col: config.ColumnSpec, kind: str, op: str, value: Any) -> None:
        if op not in OPS:
            self.fail(key, op, f"unknown operator (one of {', '.join(OPS)})")
        if op == "not_empty":
            if value is not True:
                self.fail(key, value, "not_empty takes true")
            return
        values = value if op == "in" else [value]
        if op == "in" and (not isinstance(value, list) or not value):
            self.fail(key, value, "in takes a non-empty list")
        for v in values:
            self._literal(key, col, kind, op, v)

    def _literal(self, key: str, col: config.ColumnSpec, kind: str, op: str, v: Any) -> None:
        if kind == "bool":
            if not isinstance(v, bool) or op not in ("eq", "ne"):
                self.fail(key, v, f"{col.name} is yes/no: compare it with true or false")
        elif kind == "number":
            if isinstance(v, bool) or not isinstance(v, int | float):
                self.fail(key, v, f"{col.name} is a number")
        elif kind == "date":
            if v != AS_OF and not _iso_date(v):
                self.fail(key, v, f"{col.name} is a date: give {AS_OF} or YYYY-MM-DD")
        elif not isinstance(v, str):
            self.fail(key, v, f"{col.name} is text")
        elif col.type == "enum" and v not in self.schema.enums[col.enum or ""]:
            self.fail(key, v, f"not a value of {col.enum}")
        if v == AS_OF and kind != "date":
            self.fail(key, v, f"{AS_OF} compares dates only")

    def term(self, key: str, term: Term, *, kinds: tuple[str, ...]) -> None:
        spec = self.sheet(f"{key}.sheet", term.sheet, kinds=kinds)
        if term.column is not None:
            col = self.column(f"{key}.column", spec, term.column)
            if _TYPE_KIND[col.type] != "number":
                self.fail(f"{key}.column", term.column, "only a number column can be summed")
        self.where(f"{key}.where", spec, term.where)

    def indicator(self, ind: Indicator) -> None:
        key = f"indicators.{ind.code}.value"
        v = ind.value
        if isinstance(v, CountSum | HasOne):
            for i, term in enumerate(v.terms):
                self.term(f"{key}.terms.{i}", term, kinds=("snapshot",))
        elif isinstance(v, FlowSum):
            for i, term in enumerate(v.terms):
                self.term(f"{key}.terms.{i}", term, kinds=("month",))
                if AS_OF in json.dumps(term.where, default=str):
                    self.fail(f"{key}.terms.{i}.where", term.where, f"{AS_OF} is for stocks")
        elif isinstance(v, DistinctCount):
            spec = self.sheet(f"{key}.sheet", v.sheet, kinds=("snapshot",))
            self.column(f"{key}.column", spec, v.column)
            self.where(f"{key}.where", spec, v.where)
        elif isinstance(v, Share):
            self.share(key, v)
        self.target(ind)

    def share(self, key: str, v: Share) -> None:
        snap = self.sheet(f"{key}.population", v.snapshot_sheet, kinds=("snapshot",))
        if v.population in REGISTER_POPULATIONS:
            reg = self.schema.register_sheets[REGISTER_POPULATIONS[v.population]]
            self.where(f"{key}.population_where", reg, v.population_where)
        else:
            self.where(f"{key}.population_where", snap, v.population_where)
        if v.latest_flag is not None:
            if v.population != "register_villages":
                self.fail(f"{key}.latest_flag", v.latest_flag, "applies to register_villages")
            col = self.column(f"{key}.latest_flag", snap, v.latest_flag)
            if col.type != "bool":
                self.fail(f"{key}.latest_flag", v.latest_flag, "must be a yes/no column")
        self.where(f"{key}.numerator", snap, v.numerator)

    def target(self, ind: Indicator) -> None:
        t = ind.target
        if t is None:
            return
        key = f"indicators.{ind.code}.target"
        for level in LEVELS:
            if level not in ind.levels() and getattr(t, level) is not None:
                self.fail(f"{key}.{level}", getattr(t, level), f"not computed at {level} level")
        if t.allocation is not None:
            if ind.level != "county":
                self.fail(f"{key}.allocation", t.allocation, "county indicators only")
            counties = self.hierarchy.counties_by_code
            for code in t.allocation:
                if code not in counties:
                    self.fail(f"{key}.allocation.{code}", code, "not a county of the hierarchy")
            series = [self.hierarchy.series_code(c) for c in t.allocation]
            if len(set(series)) != len(series):
                self.fail(f"{key}.allocation", t.allocation, "one county allocated twice")


def _iso_date(v: Any) -> bool:
    if isinstance(v, dt.date):
        return True
    try:
        dt.date.fromisoformat(str(v))
    except ValueError:
        return False
    return True


# ---------------------------------------------------------------- loading


def _read(path: Path) -> Any:
    return config.read_yaml(path)  # the project's one YAML reader (errors as ConfigError)


def load_catalogue(
    path: Path | None = None, schema: config.Schema | None = None, hierarchy: Any = None
) -> Catalogue:
    """Read and validate a catalogue file; ConfigError names file, key and value on a problem."""
    path = path or config.config_dir() / "indicators.yaml"
    raw = _read(path)
    try:
        cat = Catalogue.model_validate(
            {**raw, "source": str(path)} if isinstance(raw, dict) else raw
        )
    except ValidationError as exc:
        err = exc.errors()[0]
        key = ".".join(str(p) for p in err["loc"]) or "(root)"
        raise ConfigError(path, key, err.get("input"), err["msg"]) from exc
    checker = _Checker(path, schema or config.schema(), hierarchy or config.hierarchy())
    for ind in cat:
        checker.indicator(ind)
    return cat


@functools.cache
def _cached(directory: str) -> Catalogue:
    return load_catalogue(Path(directory) / "indicators.yaml")


def catalogue() -> Catalogue:
    """The shipped (or ``TECHAID_CONFIG_DIR``) catalogue, loaded once per process."""
    return _cached(str(config.config_dir()))
