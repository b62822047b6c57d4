"""Generate ``docs/indicators.md`` from the catalogue: ``python -m techaid.documents.indicators_doc``.

The catalogue is the one source of truth; the page the provincial team and the offices read is
derived from it, and a test fails when the committed page is out of date.
"""

from __future__ import annotations

from typing import Any

from techaid import paths
from techaid.documents import generated as generated_docs
from techaid.indicators.catalogue import (
    AS_OF,
    Catalogue,
    CountSum,
    DistinctCount,
    FlowSum,
    HasOne,
    Indicator,
    Share,
    Term,
    catalogue,
)

DOC_PATH = paths.DOCS_DIR / "indicators.md"

_TEMPORAL = {
    "stock": "stock: latest accepted value; a month without one carries it forward (flagged)",
    "flow": "flow: added up over the months from the program start; a missing month adds nothing",
}
_SPATIAL = {
    "sum": "counts add",
    "ratio_of_sums": "sum of numerators / sum of denominators",
    "share_of_counties": "share of counties that have one",
    "distinct": "distinct ids recounted at each level",
}
_OPS = {"eq": "=", "ne": "≠", "gt": ">", "gte": "≥", "lt": "<", "lte": "≤"}


def _value(v: Any) -> str:
    if v is True:
        return "yes"
    if v is False:
        return "no"
    if v == AS_OF:
        return "the month's last day"
    return str(v)


def describe_where(where: dict[str, Any]) -> str:
    parts = []
    for col, cond in where.items():
        ops = cond if isinstance(cond, dict) else {"eq": cond}
        for op, v in ops.items():
            if op == "not_empty":
                parts.append(f"`{col}` not empty")
            elif op == "in":
                parts.append(f"`{col}` in {', '.join(_value(x) for x in v)}")
            else:
                parts.append(f"`{col}` {_OPS[op]} {_value(v)}")
    return " and ".join(parts)


def _term(t: Term) -> str:
    what = f"sum of `{t.sheet}.{t.column}`" if t.column else f"`{t.sheet}` rows"
    return f"{what} where {describe_where(t.where)}" if t.where else what


def describe_value(ind: Indicator) -> str:
    """How the value is computed, from the shape and its parameters."""
    v = ind.value
    if isinstance(v, CountSum):
        return " + ".join(_term(t) for t in v.terms)
    if isinstance(v, HasOne):
        return f"1 if {' + '.join(_term(t) for t in v.terms)} ≥ {v.threshold:g}, else 0"
    if isinstance(v, DistinctCount):
        where = f" where {describe_where(v.where)}" if v.where else ""
        return f"distinct `{v.sheet}.{v.column}`{where}"
    if isinstance(v, Share):
        pop = v.population.replace("_", " ")
        if v.population_where:
            pop += f" with {describe_where(v.population_where)}"
        if v.latest_flag:
            pop += f" whose latest reported `{v.latest_flag}` is yes"
        return f"{pop} with {describe_where(v.numerator)} (in `{v.snapshot_sheet}`) / {pop}"
    if isinstance(v, FlowSum):
        return " + ".join(_term(t) for t in v.terms) + ", each month"
    return "months reported on time / months expected"


def describe_target(ind: Indicator) -> str:
    t = ind.target
    if t is None:
        return "monitored (no target)"
    if t.allocation is not None:
        alloc = (
            f"county targets allocated ({len(t.allocation)} counties), city = sum of its counties"
            if t.allocation
            else "county allocation not filled yet: no county or city target"
        )
        return f"province {t.province:g}; {alloc}"
    parts = [
        f"{lvl} {_target_text(ind, lvl, t.at(lvl))}"
        for lvl in ind.levels()
        if t.at(lvl) is not None
    ]
    return "; ".join(parts)


def _target_text(ind: Indicator, level: str, target: float | None) -> str:
    assert target is not None
    if ind.shape == "has_one" and level == "county":
        return "has one" if target == 1 else f"{target:g}"
    if ind.spatial in ("ratio_of_sums", "share_of_counties"):
        return f"{target * 100:g} %"
    return f"{target:g}"


def describe_trajectory(ind: Indicator) -> str:
    if ind.target is None:
        return ""
    tr = ind.trajectory
    if tr.kind == "step":
        return f"step: target due from {tr.due}"
    if tr.kind == "constant":
        return "constant: the target every month"
    return "pro rata over the program"


def render(cat: Catalogue) -> str:
    s = cat.status
    lines = [
        "# Indicators",
        "",
        "<!-- Generated from include/config/indicators.yaml by `python -m techaid.documents.indicators_doc`."
        " Do not edit by hand. -->",
        "",
        "Each indicator is first computed per county (the reporting rate per city) from the",
        "current accepted submissions and the poverty office register, then rolled up to the",
        "city and the province. Shares are stored as fractions 0..1. Status, checked in order:",
        f"`no_data`, `met` (value ≥ target), `critical` (below expected × {s.critical_ratio:g},"
        f" or a trend over the last {s.trend_months} observed months (at least {s.min_points})"
        " reaching the target only after the deadline, or never), `lagging` (below expected ×"
        f" {1 - s.tolerance:g}), `on_track`.",
        "",
        "| code | 名称 | definition | computed as | first at | over time | up the hierarchy |"
        " target | trajectory | key (weight) |",
        "|---|---|---|---|---|---|---|---|---|---|",
    ]
    for ind in cat:
        key = f"yes ({ind.weight:g})" if ind.is_key else "no"
        cells = [
            f"`{ind.code}`",
            ind.zh,
            f"{ind.name}: {ind.definition}",
            describe_value(ind),
            ind.level,
            _TEMPORAL[ind.temporal],
            _SPATIAL[ind.spatial],
            describe_target(ind),
            describe_trajectory(ind),
            key,
        ]
        lines.append("| " + " | ".join(c.replace("|", "\\|") for c in cells) + " |")
    return "\n".join(lines) + "\n"


def main(argv: list[str] | None = None) -> int:
    """Write the page (``--out`` another path, ``--check`` only compare) from the catalogue."""
    command = "python -m techaid.documents.indicators_doc"
    return generated_docs.main(lambda: render(catalogue()), DOC_PATH, command, __doc__ or "", argv)


if __name__ == "__main__":
    raise SystemExit(main())
