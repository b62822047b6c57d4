"""The contract's "Flag per row" cases, one planter each, kept under the quarantine threshold.

Row errors go mostly into appended rows (a copy of a clean row spoiled in one field), so no real
entity disappears and no other check fires in cascade; where a real row must carry the error (a
household id Excel turned into a number), it is a household with no techniques or projects, whose
loss changes no indicator.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from typing import Any

import pandas as pd

from techaid import config
from techaid.periods import first_day
from techaid_dev.synthetic.messy import FileCtx, Pending, Planter, Spec
from techaid_dev.synthetic.tables import enum_zh


def _is_zero(s: pd.Series) -> Any:
    if pd.api.types.is_integer_dtype(s.dtype):
        return s.to_numpy() == 0
    return s.map(lambda v: isinstance(v, int) and v == 0).to_numpy(bool)


def _zero_household(f: pd.DataFrame) -> Any:
    return _is_zero(f["techniques"]) & _is_zero(f["income_projects"])


def _household_cell(
    case: str, column: str, value: Callable[[FileCtx, str], Any], rule: str | None
) -> Planter:
    """Spoil a household that had no techniques and no projects: losing it changes nothing."""

    def plant(ctx: FileCtx) -> list[Pending] | None:
        if not ctx.error_budget("households", 0, 1):
            return None
        i = ctx.pick("households", _zero_household)
        if i is None:
            return None
        ctx.errors["households"] += 1
        v = value(ctx, ctx.tables["households"].get(i, "household_id"))
        return [ctx.cell(case, "error", "households", i, column, v, rule=rule)]

    return plant


def _excel_number(ctx: FileCtx, hid: str) -> Any:
    """What Excel makes of a long number: 15 significant digits (a float in a workbook; in CSV
    the General format's short scientific text)."""
    return float(f"{int(hid):.14e}") if ctx.fmt == "xlsx" else f"{int(hid):.5E}"


def _duplicate_household(ctx: FileCtx) -> list[Pending] | None:
    if not ctx.error_budget("households", 1, 2):
        return None
    i = ctx.pick("households", _zero_household)
    if i is None:
        return None
    t = ctx.tables["households"]
    j = ctx.append("households", dict(zip(t.columns, t.frame.iloc[i].tolist(), strict=True)))
    ctx.errors["households"] += 2
    value = t.get(j, "household_id")
    note = "same household listed twice (the first copy is in related_rows)"
    return [
        Pending(
            case="row.duplicate_key",
            expected="error",
            sheet="households",
            where="cell",
            index=j,
            column="household_id",
            value=value,
            note=note,
            related=[i],
        )
    ]


def _household_not_in_register(ctx: FileCtx) -> list[Pending] | None:
    t = ctx.tables["households"]
    if not len(t.frame) or not ctx.error_budget("households", 1, 1):
        return None
    known = ctx.register_ids()
    base = str(ctx.view.counties[0][0].households.ids[0])
    fake = base[:-4] + "9999"
    k = 9998
    while fake in known:
        fake, k = base[:-4] + f"{k:04d}", k - 1
    j = ctx.append("households", {"household_id": fake, "techniques": 1, "income_projects": 0})
    ctx.errors["households"] += 1
    return [
        Pending(
            "row.household_not_in_register", "error", "households", "cell", j, "household_id", fake
        )
    ]


def _other_city_county(ctx: FileCtx) -> str:
    mine = {code for _, code in ctx.view.counties}
    others = sorted(
        u.code
        for u in ctx.hierarchy.counties(ctx.view.period)
        if u.code not in mine and u.parent_code != ctx.city
    )
    return others[int(ctx.r.integers(len(others)))]


def _unknown_village(ctx: FileCtx) -> list[Pending] | None:
    if not ctx.error_budget("villages", 1, 1):
        return None
    code = _other_city_county(ctx) + "101201"
    j = ctx.append(
        "villages",
        {
            "village_code": code,
            "village_name": "新建村",
            "one_product": False,
            "associations": 0,
            "business_entities": 0,
            "e_station": False,
            "service_covered": False,
        },
    )
    ctx.errors["villages"] += 1
    return [
        Pending(
            "row.unknown_code",
            "error",
            "villages",
            "cell",
            j,
            "village_code",
            code,
            note="a county of another city",
        )
    ]


def _duplicate_expert(ctx: FileCtx) -> list[Pending] | None:
    """An expert listed twice; one no agreement, activity or evaluation refers to, so flagging
    both copies leaves no reference dangling."""
    if not ctx.error_budget("experts", 1, 2):
        return None
    refs: set[str] = set()
    for sheet, col in (
        ("agreements", "helper_id"),
        ("activities", "expert_ids"),
        ("evaluations", "subject_id"),
    ):
        if sheet in ctx.tables:
            for v in ctx.tables[sheet].frame[col].tolist():
                refs.update(
                    str(v).replace("；", ";").replace("、", ";").replace(",", ";").split(";")
                )
    i = ctx.pick("experts", lambda f: ~f["expert_id"].isin(refs))
    if i is None:
        return None
    t = ctx.tables["experts"]
    j = ctx.append("experts", dict(zip(t.columns, t.frame.iloc[i].tolist(), strict=True)))
    ctx.errors["experts"] += 2
    return [
        Pending(
            case="row.duplicate_id",
            expected="error",
            sheet="experts",
            where="cell",
            index=j,
            column="expert_id",
            value=t.get(j, "expert_id"),
            note="expert id repeated inside the file (the first copy is in related_rows)",
            related=[i],
        )
    ]


def _activity(ctx: FileCtx, county: int = 0) -> dict[str, Any]:
    """A valid activity of the month in the county, to be spoiled by one field."""
    cw, code = ctx.view.counties[county]
    experts = [e.id for e in cw.experts if e.month <= ctx.view.m]
    k = ctx.appended["activities"]
    return {
        "activity_id": f"HD{ctx.city}{ctx.view.period.replace('-', '')}9{k:03d}",
        "kind": enum_zh("activity_kind", "training"),
        "held_on": first_day(ctx.view.period) + dt.timedelta(days=14),
        "county_code": code,
        "village_code": code + cw.villages[0].suffix,
        "expert_ids": experts[0],
        "participants": 30,
        "poor_households": 5,
    }


def _bad_activity(
    case: str, column: str, spoil: Callable[[FileCtx, dict[str, Any]], Any]
) -> Planter:
    def plant(ctx: FileCtx) -> list[Pending] | None:
        if not ctx.view.counties or not ctx.error_budget("activities", 1, 1):
            return None
        row = _activity(ctx)
        value = spoil(ctx, row)
        if value is None:
            return None
        row[column] = value
        j = ctx.append("activities", row)
        ctx.errors["activities"] += 1
        return [Pending(case, "error", "activities", "cell", j, column, value)]

    return plant


def _other_county_village(ctx: FileCtx, row: dict[str, Any]) -> Any:
    if len(ctx.view.counties) < 2:
        return None
    cw, code = ctx.view.counties[1]
    return code + cw.villages[0].suffix


def _agreement(ctx: FileCtx) -> dict[str, Any] | None:
    """A copy (new id) of an agreement no other case touches, so the copy is clean but for the
    one field the caller spoils."""
    i = ctx.pick("agreements")
    if i is None:
        return None
    t = ctx.tables["agreements"]
    row = dict(zip(t.columns, t.frame.iloc[i].tolist(), strict=True))
    k = ctx.appended["agreements"]
    row["agreement_id"] = f"XY{ctx.city}9{k:05d}"
    return row


def _bad_agreement(
    case: str, column: str, spoil: Callable[[FileCtx, dict[str, Any]], Any], note: str = ""
) -> Planter:
    def plant(ctx: FileCtx) -> list[Pending] | None:
        row = _agreement(ctx)
        if row is None or not ctx.error_budget("agreements", 1, 1):
            return None
        row[column] = value = spoil(ctx, row)
        j = ctx.append("agreements", row)
        ctx.errors["agreements"] += 1
        return [Pending(case, "error", "agreements", "cell", j, column, value, note=note)]

    return plant


def _unknown_helper(ctx: FileCtx, row: dict[str, Any]) -> str:
    row["helper_kind"] = enum_zh("helper_kind", "organization")
    return f"ZZ{ctx.city}99999"


def _chinese_numeral(ctx: FileCtx, hid: str) -> str:
    return "二"


def _too_many(ctx: FileCtx, hid: str) -> Any:
    return 25 if ctx.fmt == "xlsx" else "25"


def _unknown_expert(ctx: FileCtx, row: dict[str, Any]) -> str:
    return f"ZJ{ctx.city}99999"


def _last_month(ctx: FileCtx, row: dict[str, Any]) -> dt.date:
    return first_day(ctx.view.period) - dt.timedelta(days=3)


def _nothing(ctx: FileCtx, row: dict[str, Any]) -> None:
    return None


def _before_start(ctx: FileCtx, row: dict[str, Any]) -> dt.date:
    return row["start_on"] - dt.timedelta(days=30)


def _evaluation(ctx: FileCtx) -> tuple[int, dict[str, Any]] | None:
    """A copy of an evaluation row no other case touches (the year's file only has them)."""
    if "evaluations" not in ctx.tables:
        return None
    i = ctx.pick("evaluations")
    if i is None:
        return None
    t = ctx.tables["evaluations"]
    return i, dict(zip(t.columns, t.frame.iloc[i].tolist(), strict=True))


def _bad_evaluation(
    case: str, column: str, spoil: Callable[[FileCtx, dict[str, Any]], Any], rule: str
) -> Planter:
    """An appended evaluation row, a copy of a real one spoiled in ``column``: its subject keeps
    its own (clean) evaluation, so the shortlist does not change."""

    def plant(ctx: FileCtx) -> list[Pending] | None:
        got = _evaluation(ctx)
        if got is None or not ctx.error_budget("evaluations", 1, 1):
            return None
        _, row = got
        row[column] = value = spoil(ctx, row)
        j = ctx.append("evaluations", row)
        ctx.errors["evaluations"] += 1
        return [Pending(case, "error", "evaluations", "cell", j, column, value, rule=rule)]

    return plant


def _unknown_subject(ctx: FileCtx, row: dict[str, Any]) -> str:
    row["subject_kind"] = enum_zh("subject_kind", "expert")
    return f"ZJ{ctx.city}99998"


def _stale_year(ctx: FileCtx, row: dict[str, Any]) -> int:
    """Next year (a year ahead of the file), or two back when next year is past the program:
    neither is the file's year nor the one before, and both stay within the program's years."""
    year = int(row["year"])
    return year + 1 if year < int(config.program().program.end[:4]) else year - 2


def _score_over(ctx: FileCtx) -> list[Pending] | None:
    """A real row's score above 100: that row is quarantined, its subject left unevaluated."""
    if "evaluations" not in ctx.tables or not ctx.error_budget("evaluations", 0, 1):
        return None
    i = ctx.pick("evaluations", column="score")
    if i is None:
        return None
    ctx.used_rows.add(("evaluations", i))
    ctx.errors["evaluations"] += 1
    value = 105.0 if ctx.fmt == "xlsx" else "105"
    return [
        ctx.cell("row.evaluation_score", "error", "evaluations", i, "score", value, rule="dq.range")
    ]


def _duplicate_evaluation(ctx: FileCtx) -> list[Pending] | None:
    """The same (kind, subject, year) evaluated twice: both rows are quarantined, so the subject
    has no evaluation this month (it is excluded as such unless a correction comes)."""
    got = _evaluation(ctx)
    if got is None or not ctx.error_budget("evaluations", 1, 2):
        return None
    i, row = got
    j = ctx.append("evaluations", row)
    ctx.used_rows.add(("evaluations", i))
    ctx.errors["evaluations"] += 2
    note = "the same subject and year evaluated twice (the first copy is in related_rows)"
    return [
        Pending(
            case="row.evaluation_duplicate",
            expected="error",
            sheet="evaluations",
            where="cell",
            index=j,
            column="subject_id",
            value=row["subject_id"],
            rule="dq.duplicate_record",
            note=note,
            related=[i],
        )
    ]


def _error(case: str, planter: Planter) -> Spec:
    return Spec(case, "error", planter)


SPECS: tuple[Spec, ...] = (
    _error(
        "row.wrong_type",
        _household_cell("row.wrong_type", "techniques", _chinese_numeral, "parse.int"),
    ),
    _error("row.out_of_range", _household_cell("row.out_of_range", "techniques", _too_many, None)),
    _error(
        "row.household_id_number",
        _household_cell(
            "row.household_id_number", "household_id", _excel_number, "parse.household_id_number"
        ),
    ),
    _error("row.duplicate_key", _duplicate_household),
    _error("row.duplicate_id", _duplicate_expert),
    _error("row.household_not_in_register", _household_not_in_register),
    _error("row.unknown_code", _unknown_village),
    _error(
        "row.prefix_mismatch",
        _bad_activity("row.prefix_mismatch", "village_code", _other_county_village),
    ),
    _error(
        "row.unknown_expert", _bad_activity("row.unknown_expert", "expert_ids", _unknown_expert)
    ),
    _error(
        "row.activity_outside_month",
        _bad_activity("row.activity_outside_month", "held_on", _last_month),
    ),
    _error(
        "row.agreement_missing_element",
        _bad_agreement("row.agreement_missing_element", "goals", _nothing, "goals empty"),
    ),
    _error(
        "row.agreement_missing_element",
        _bad_agreement("row.agreement_missing_element", "end_on", _nothing, "end date empty"),
    ),
    _error(
        "row.agreement_end_before_start",
        _bad_agreement("row.agreement_end_before_start", "end_on", _before_start),
    ),
    _error(
        "row.unknown_organization",
        _bad_agreement("row.unknown_organization", "helper_id", _unknown_helper),
    ),
    _error(
        "row.evaluation_unknown_subject",
        _bad_evaluation(
            "row.evaluation_unknown_subject", "subject_id", _unknown_subject, "dq.unknown_expert"
        ),
    ),
    _error("row.evaluation_duplicate", _duplicate_evaluation),
    _error(
        "row.evaluation_year",
        _bad_evaluation("row.evaluation_year", "year", _stale_year, "dq.evaluation_year"),
    ),
    _error("row.evaluation_score", _score_over),
)
