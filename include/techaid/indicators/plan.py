"""From the catalogue to the SQL runs of one period: which template, with which fragments.

Indicators of one template share one run (one scan of each sheet or of the register for all of
them), which is what keeps a month at province scale to a handful of set-based statements.
Adding an indicator of an existing shape changes only the catalogue: it lands in its template's
run here, with its conditions compiled by :mod:`techaid.indicators.sqlgen`.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Any

from techaid import config
from techaid.indicators.catalogue import (
    REGISTER_POPULATIONS,
    Catalogue,
    CountSum,
    DistinctCount,
    FlowSum,
    HasOne,
    Share,
    Term,
    Where,
)
from techaid.indicators.sqlgen import Binds, compile_where


@dataclass
class Run:
    """One template run: its name, its render context and its bind parameters."""

    template: str
    context: dict[str, Any]
    binds: dict[str, Any] = field(default_factory=dict)
    codes: list[str] = field(default_factory=list)


class _Terms:
    """Terms grouped by sheet with unique ids; an identical term is computed once."""

    def __init__(self, schema: config.Schema, binds: Binds):
        self.schema, self.binds = schema, binds
        self.by_sheet: dict[str, list[dict[str, str]]] = {}
        self._ids: dict[str, str] = {}

    def add(self, term: Term, extra: Where | None = None) -> str:
        where = {**term.where}
        key = json.dumps([term.sheet, term.column, where, extra], sort_keys=True, default=str)
        if key in self._ids:
            return self._ids[key]
        cols = self.schema.sheets[term.sheet].columns
        conds = [compile_where(w, cols, "r", self.binds) for w in (where, extra) if w]
        sql = " and ".join(f"({c})" for c in conds) if len(conds) > 1 else "".join(conds)
        tid = f"t{len(self._ids)}"
        self._ids[key] = tid
        expr = f"coalesce(r.{term.column}, 0)" if term.column else "1"
        value = f"case when {sql} then {expr} else 0 end" if sql else expr  # one row's part
        self.by_sheet.setdefault(term.sheet, []).append({"id": tid, "value": value})
        return tid

    def sheets(self) -> list[dict[str, Any]]:
        return [{"name": name, "terms": terms} for name, terms in self.by_sheet.items()]

    def parts(self) -> list[dict[str, Any]]:
        """The measures of the template's tail: each sheet's sums CTE and its term columns."""
        return [
            {"cte": f"sums_{name}", "columns": [t["id"] for t in terms]}
            for name, terms in self.by_sheet.items()
        ]


def _snapshot_measures(cat: Catalogue, schema: config.Schema) -> Run | None:
    binds = Binds()
    terms = _Terms(schema, binds)
    inds: list[dict[str, str]] = []
    for ind in cat:
        v = ind.value
        if isinstance(v, CountSum):
            total = " + ".join(terms.add(t) for t in v.terms)
            inds.append({"code": ind.code, "rollup": "sum", "numerator": total})
        elif isinstance(v, HasOne):
            total = " + ".join(terms.add(t) for t in v.terms)
            has = f"case when {total} >= {float(v.threshold)!r} then 1 else 0 end"
            inds.append({"code": ind.code, "rollup": "share_of_counties", "numerator": has})
        elif isinstance(v, Share) and v.population not in REGISTER_POPULATIONS:
            population = Term(sheet=v.population, where=v.population_where)
            den = terms.add(population)
            num = terms.add(population, extra=v.numerator)
            inds.append(
                {"code": ind.code, "rollup": "ratio_of_sums", "numerator": num, "denominator": den}
            )
    if not inds:
        return None
    for i in inds:
        i.setdefault("denominator", "null")
    ctx = {"sheets": terms.sheets(), "parts": terms.parts(), "indicators": inds}
    return Run("insert_snapshot_measures", ctx, binds.values, [i["code"] for i in inds])


def _distinct_counts(cat: Catalogue, schema: config.Schema) -> Run | None:
    binds = Binds()
    inds = []
    for ind in cat.of_shape("distinct_count"):
        v = ind.value
        assert isinstance(v, DistinctCount)
        where = compile_where(v.where, schema.sheets[v.sheet].columns, "r", binds)
        inds.append({"code": ind.code, "sheet": v.sheet, "column": v.column, "where": where})
    if not inds:
        return None
    return Run(
        "insert_distinct_counts", {"indicators": inds}, binds.values, [i["code"] for i in inds]
    )


def _register_shares(cat: Catalogue, schema: config.Schema, population: str) -> Run | None:
    binds = Binds()
    sheet = REGISTER_POPULATIONS[population]
    snap_cols = schema.sheets[sheet].columns
    reg_cols = schema.register_sheets[sheet].columns
    inds: list[dict[str, str]] = []
    flags: list[str] = []
    any_num: list[str] = []
    used_reg: set[str] = set()
    used_snap: set[str] = set()
    for ind in cat.of_shape("share"):
        v = ind.value
        assert isinstance(v, Share)
        if v.population != population:
            continue
        pop = compile_where(v.population_where, reg_cols, "g", binds)
        if v.latest_flag:
            pop = f"({pop}) and coalesce(lf.flag_{v.latest_flag}, false) = true"
            if v.latest_flag not in flags:
                flags.append(v.latest_flag)
        counted = compile_where(v.numerator, snap_cols, "sn", binds)
        any_num.append(compile_where(v.numerator, snap_cols, "r", binds))
        used_reg.update(v.population_where)
        used_snap.update(v.numerator)
        n = len(inds) + 1  # the measures: n<n> counted of d<n> in the population
        inds.append(
            {
                "code": ind.code,
                "rollup": "ratio_of_sums",
                "in_population": pop,
                "counted": counted,
                "numerator": f"n{n}",
                "denominator": f"d{n}",
            }
        )
    if not inds:
        return None
    numerators = [i["numerator"] for i in inds]
    denominators = [i["denominator"] for i in inds]
    if sheet == "villages":  # the template counts both per village, then per county
        parts = [{"cte": "per_county", "columns": [*numerators, *denominators]}]
    else:  # the households template counts them apart (register alone, register x snapshot)
        parts = [
            {"cte": "county_denominators", "columns": denominators},
            {"cte": "county_numerators", "columns": numerators},
        ]
    ctx = {
        "any_numerator": " or ".join(f"({c})" for c in any_num),
        "any_population": " or ".join(f"({i['in_population']})" for i in inds),
        "indicators": inds,
        "parts": parts,
        "flags": flags,
        "register_columns": sorted(used_reg - {"village_code", "household_id"}),
        "snapshot_columns": sorted(used_snap - {"village_code", "household_id"}),
    }
    template = "insert_village_shares" if sheet == "villages" else "insert_household_shares"
    return Run(template, ctx, binds.values, [i["code"] for i in inds])


def _flow_sums(cat: Catalogue, schema: config.Schema) -> Run | None:
    binds = Binds()
    terms = _Terms(schema, binds)
    inds = []
    for ind in cat.of_shape("flow_sum"):
        v = ind.value
        assert isinstance(v, FlowSum)
        numerator = " + ".join(terms.add(t) for t in v.terms)
        inds.append(
            {"code": ind.code, "rollup": "sum", "numerator": numerator, "denominator": "null"}
        )
    if not inds:
        return None
    ctx = {"sheets": terms.sheets(), "parts": terms.parts(), "indicators": inds}
    return Run("insert_flow_sums", ctx, binds.values, [i["code"] for i in inds])


def _reporting_rates(cat: Catalogue) -> list[Run]:
    return [
        Run("insert_reporting_rates", {}, {"indicator": ind.code}, [ind.code])
        for ind in cat.of_shape("reporting_rate")
    ]


def runs(cat: Catalogue, schema: config.Schema | None = None) -> list[Run]:
    """Every template run that computes the catalogue's indicators for a period."""
    schema = schema or config.schema()
    planned = [
        _snapshot_measures(cat, schema),
        _distinct_counts(cat, schema),
        _register_shares(cat, schema, "register_villages"),
        _register_shares(cat, schema, "register_households"),
        _flow_sums(cat, schema),
        *_reporting_rates(cat),
    ]
    out = [r for r in planned if r is not None]
    covered = {c for r in out for c in r.codes}
    missing = [i.code for i in cat if i.code not in covered]
    if missing:  # a shape without a template: a programming error, not a config one
        raise RuntimeError(f"no SQL template computes {missing}")
    return out
