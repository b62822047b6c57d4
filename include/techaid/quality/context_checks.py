"""Rules that need more than one sheet: the city's counties, the register, the other sheets of the
file, the county's own history. Each function returns Findings of registered rules, in the same
form as the suites' (row = the office's row number).

Which code is valid in which month comes from the dated hierarchy: a code valid on any day of the
month is accepted; a retired code (or a successor used too early) is accepted for the county it
maps to, with a warning. The suites check that codes belong to the city through the sets built
here (:meth:`CheckContext.accepted_counties`), so a code is never judged twice.
"""

from __future__ import annotations

import functools
from collections import defaultdict
from collections.abc import Collection, Iterable
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from techaid import config
from techaid.config.hierarchy import Hierarchy, Resolution
from techaid.config.quality_rules import Jump, Outlier, QualitySettings, quality
from techaid.findings import Finding, finding, mask
from techaid.intake.model import ParsedFile
from techaid.periods import add_months
from techaid.quality.gx_runner import ROW, text

IdSet = Collection[str] | pd.Series

# Where each context rule runs (for docs/rules.md; the suites' rules are read from the suites).
CONTEXT_RULE_SHEETS: dict[str, tuple[str, ...]] = {
    "dq.county_missing": ("counties",),
    "dq.county_repeated": ("counties",),
    "dq.county_quarantined": ("counties",),
    "dq.code_recoded": (
        "counties",
        "townships",
        "villages",
        "experts",
        "organizations",
        "agreements",
        "activities",
    ),
    "dq.unknown_expert": ("agreements", "activities", "evaluations"),
    "dq.unknown_organization": ("agreements", "evaluations"),
    "dq.household_unregistered": ("households", "agreements"),
    "dq.stations_disagree": ("counties",),
    "dq.covered_without_support": ("villages",),
    "dq.cumulative_decreased": ("counties",),
    "dq.outlier": ("counties",),
    "dq.jump": ("counties",),
    "dq.id_in_other_city": ("experts", "organizations"),  # techaid.quality.cross_city
}


@dataclass(frozen=True)
class CheckContext:
    """What a file is checked against besides itself.

    ``register_households`` / ``register_villages``: ids of the poverty register in force for the
    month (the city's, or the province's: village codes are limited to the city here); None when
    no register is available, which skips the household check and accepts villages only through
    their township. ``history``: the counties' previously accepted values, one row per (period,
    county_code) with the counties-sheet columns; None or empty skips the history checks.
    ``supported_villages``: village codes the city's accepted activities of earlier months name
    (support on record, besides the file's own agreements and activities).
    """

    city_code: str
    period: str
    hierarchy: Hierarchy
    register_households: IdSet | None = None
    register_villages: IdSet | None = None
    history: pd.DataFrame | None = None
    supported_villages: IdSet | None = None

    @classmethod
    def for_city(cls, city_code: str, period: str, **kwargs: Any) -> CheckContext:
        return cls(city_code, period, config.hierarchy(), **kwargs)

    @functools.cached_property
    def accepted_counties(self) -> dict[str, Resolution]:
        """Every county code accepted for the city in the month (valid then, or mapped to a code
        valid then), with its resolution."""
        h, out = self.hierarchy, {}
        for code, unit in h.counties_by_code.items():
            if unit.poverty_level is None:
                continue
            res = h.resolve_county(code, self.period)
            if res.code and h.city_of(res.code) == self.city_code:
                out[code] = res
        return out

    @functools.cached_property
    def county_aliases(self) -> dict[str, str]:
        """Accepted code -> the code the county is published under for the month."""
        h = self.hierarchy
        return {
            c: h.publish_code(r.code, self.period)
            for c, r in self.accepted_counties.items()
            if r.code  # an accepted county is known
        }

    def expected_counties(self) -> list[str]:
        """The poverty counties of the city the counties sheet must list, one row each."""
        units = self.hierarchy.counties_of(self.city_code, self.period)
        return sorted(u.code for u in units if u.poverty_level is not None)

    def variants(self, code: str) -> list[str]:
        """A township or village code under each accepted code of its county (old and new)."""
        publish = self.county_aliases.get(code[:6])
        if publish is None:
            return []
        return [c + code[6:] for c, p in self.county_aliases.items() if p == publish]

    @functools.cached_property
    def city_register_villages(self) -> list[str]:
        """Register villages of this city, under every accepted code of their county."""
        if self.register_villages is None:
            return []
        codes = pd.Series(list(self.register_villages), dtype="string").dropna().unique()
        return sorted({v for code in codes for v in self.variants(str(code))})


def explain_county(value: Any, ctx: CheckContext) -> str:
    """Why a code is not among the city's counties, for the message's {detail}."""
    code = text(value)
    prefix = code[:6]
    what = "县代码" if len(code) == 6 else "前6位"
    h = ctx.hierarchy
    unit = h.counties_by_code.get(prefix)
    if unit is None or unit.poverty_level is None:
        return f"{what} {prefix} 不是贫困县代码"
    res = h.resolve_county(prefix, ctx.period)
    if res.code is None:
        return f"{what} {prefix}（{unit.name_zh}）在 {ctx.period} 无效"
    county = h.counties_by_code[res.code]
    return f"{what} {prefix} 是{h.name(county.parent_code or '')}{county.name_zh}的代码"


# ---------------------------------------------------------------- helpers


def _frame(parsed: ParsedFile, sheet: str) -> pd.DataFrame | None:
    s = parsed.sheets.get(sheet)
    return None if s is None else s.frame


def _str(series: pd.Series) -> pd.Series:
    return series.astype("string")


def _arrow(values: pd.Series | Collection[str]) -> Any:
    import pyarrow as pa

    s = values if isinstance(values, pd.Series) else pd.Series(list(values), dtype=object)
    # .array is an ArrowStringArray here; the stubs only know it as an ExtensionArray.
    return pa.chunked_array(s.astype("string[pyarrow]").array.__arrow_array__())  # type: ignore[attr-defined]


def is_member(values: pd.Series, known: IdSet) -> np.ndarray:
    """``values.isin(known)`` as a bool array (missing values: False), through Arrow: pandas'
    isin on Arrow-backed strings takes 15 s for 1.9 M households against a register of as many,
    pyarrow's is_in about 1.5 s."""
    import pyarrow.compute as pc

    value_set = _arrow(known).combine_chunks()
    hit = pc.is_in(_arrow(values), value_set=value_set, skip_nulls=True)
    return pc.fill_null(hit, False).to_numpy(zero_copy_only=False).astype(bool)


def _not_in(values: pd.Series, known: IdSet) -> np.ndarray:
    """True where a value is present and not in ``known``."""
    return values.notna().to_numpy() & ~is_member(values, known)


# ---------------------------------------------------------------- county rows (fatal)


def county_rows(parsed: ParsedFile, ctx: CheckContext) -> list[Finding]:
    """Exactly one row per poverty county of the city: a county missing, or listed twice under
    its old and new code. (The same code twice is the counties suite's key rule.)"""
    frame = _frame(parsed, "counties")
    expected = ctx.expected_counties()
    if frame is None:
        return []
    h, out = ctx.hierarchy, []
    by_county: dict[str, list[tuple[int, str]]] = defaultdict(list)
    for row, code in zip(frame[ROW], frame["county_code"], strict=True):
        code = text(code)
        if code in ctx.county_aliases:
            by_county[ctx.county_aliases[code]].append((int(row), code))
    for county in expected:
        if county not in by_county:
            out.append(
                finding("dq.county_missing", sheet="counties", value=county, detail=h.name(county))
            )
    for rows in by_county.values():
        if len({code for _, code in rows}) > 1:
            for row, code in rows:
                others = "、".join(str(r) for r, _ in rows if r != row)
                out.append(
                    finding(
                        "dq.county_repeated",
                        sheet="counties",
                        row=row,
                        column="county_code",
                        value=code,
                        detail=others,
                    )
                )
    return out


def county_quarantined(parsed: ParsedFile, findings: Iterable[Finding]) -> list[Finding]:
    """A counties row with a row error refuses the file: its figures would be missing. Run last,
    over the parse findings and every other data-quality finding."""
    frame = _frame(parsed, "counties")
    if frame is None:
        return []
    bad = sorted(
        {f.row for f in findings if f.sheet == "counties" and f.severity == "error" and f.row}
    )
    codes = dict(zip(frame[ROW].astype(int), frame["county_code"], strict=True))
    return [
        finding(
            "dq.county_quarantined",
            sheet="counties",
            row=r,
            column="county_code",
            value=text(codes.get(r)),
        )
        for r in bad
    ]


# ---------------------------------------------------------------- codes mapped across recodes


def _code_columns(q: QualitySettings) -> list[tuple[str, str, dict[str, str] | None]]:
    """(sheet, column, when) of every column holding county, township or village codes."""
    kinds = ("county", "county_prefix", "known_village")
    return [
        (sheet, chk.column, chk.when)
        for sheet, checks in q.checks.items()
        for chk in checks
        if chk.check in kinds and chk.column
    ]


def _eq(series: pd.Series, value: str) -> np.ndarray:
    """Row mask: the cell holds ``value`` (an empty cell never does)."""
    return (_str(series) == value).fillna(False).to_numpy(dtype=bool)


def _when(frame: pd.DataFrame, when: dict[str, str] | None) -> pd.DataFrame:
    for col, val in (when or {}).items():
        frame = frame[_eq(frame[col], val)]
    return frame


def recoded_codes(
    parsed: ParsedFile, ctx: CheckContext, q: QualitySettings | None = None
) -> list[Finding]:
    """A warning per sheet, column and retired (or too early) county code used: accepted and
    mapped to the code valid in the month."""
    out: list[Finding] = []
    mapped = {c for c, r in ctx.accepted_counties.items() if r.mapped}
    if not mapped:
        return out
    for sheet, column, when in _code_columns(q or quality()):
        frame = _frame(parsed, sheet)
        if frame is None or column not in frame.columns:
            continue
        frame = _when(frame, when)
        prefix = _str(frame[column]).str.slice(0, 6)
        hit = prefix.isin(list(mapped)).fillna(False).to_numpy(dtype=bool)
        for code, rows in frame.loc[hit, ROW].groupby(prefix[hit].to_numpy()):
            out.append(
                finding(
                    "dq.code_recoded",
                    sheet=sheet,
                    row=int(rows.min()),
                    column=column,
                    value=code,
                    count=len(rows),
                    mapped=ctx.accepted_counties[str(code)].code,
                )
            )
    return out


# ---------------------------------------------------------------- references


def unknown_references(parsed: ParsedFile) -> list[Finding]:
    """Agreements, activities and evaluations must name experts and organizations listed in the
    file (an evaluation of an unknown subject could never be ranked, nor its mistake found)."""
    experts, orgs = _frame(parsed, "experts"), _frame(parsed, "organizations")
    expert_ids = set() if experts is None else set(_str(experts["expert_id"]).dropna())
    org_ids = set() if orgs is None else set(_str(orgs["org_id"]).dropna())
    out = []
    for sheet, kind, column in (
        ("agreements", "helper_kind", "helper_id"),
        ("evaluations", "subject_kind", "subject_id"),
    ):
        frame = _frame(parsed, sheet)
        if frame is None:
            continue
        for which, known, rule in (
            ("expert", expert_ids, "dq.unknown_expert"),
            ("organization", org_ids, "dq.unknown_organization"),
        ):
            rows = frame[_eq(frame[kind], which)]
            bad = rows[_not_in(rows[column], known)]
            for row, value in zip(bad[ROW], bad[column], strict=True):
                out.append(finding(rule, sheet=sheet, row=int(row), column=column, value=value))
    activities = _frame(parsed, "activities")
    if activities is not None and "expert_ids" in activities.columns:
        for row, ids in zip(activities[ROW], activities["expert_ids"], strict=True):
            if pd.isna(ids):
                continue
            unknown = [i for i in str(ids).split(";") if i and i not in expert_ids]
            if unknown:
                out.append(
                    finding(
                        "dq.unknown_expert",
                        sheet="activities",
                        row=int(row),
                        column="expert_ids",
                        value="、".join(unknown),
                    )
                )
    return out


def unregistered_households(parsed: ParsedFile, ctx: CheckContext) -> list[Finding]:
    """Households (and agreements with a household) must be in the register of the month."""
    if ctx.register_households is None:
        return []
    out = []
    households = _frame(parsed, "households")
    if households is not None:
        bad = _not_in(households["household_id"], ctx.register_households)
        for row, value in zip(
            households.loc[bad, ROW], households.loc[bad, "household_id"], strict=True
        ):
            out.append(
                finding(
                    "dq.household_unregistered",
                    sheet="households",
                    row=int(row),
                    column="household_id",
                    value=value,
                )
            )
    agreements = _frame(parsed, "agreements")
    if agreements is not None:
        rows = agreements[_eq(agreements["target_kind"], "household")]
        bad_rows = rows[_not_in(rows["target_id"], ctx.register_households)]
        for row, value in zip(bad_rows[ROW], bad_rows["target_id"], strict=True):
            out.append(  # a household id is personal data wherever it appears
                finding(
                    "dq.household_unregistered",
                    sheet="agreements",
                    row=int(row),
                    column="target_id",
                    value=mask(str(value)),
                )
            )
    return out


# ---------------------------------------------------------------- counts across sheets (warnings)


def count_disagreements(parsed: ParsedFile, ctx: CheckContext) -> list[Finding]:
    """A county's expert stations against the expert-station organizations located in it; a
    village marked covered with no support on record: no agreement for it in the file (a
    snapshot of every agreement), no activity in it this month nor in an earlier accepted one."""
    out = []
    counties, orgs = _frame(parsed, "counties"), _frame(parsed, "organizations")
    if counties is not None and orgs is not None:
        stations = orgs[_eq(orgs["org_type"], "expert_station")]
        listed: dict[str, int] = defaultdict(int)
        for code in _str(stations["location_code"]).dropna():
            county = ctx.county_aliases.get(code[:6])
            if county:
                listed[county] += 1
        for row, code, reported in zip(
            counties[ROW], counties["county_code"], counties["expert_stations"], strict=True
        ):
            county = ctx.county_aliases.get(text(code))
            if county is None or (count := _num(reported)) is None or count < 0:
                continue  # an unusable count is already a row error
            if int(reported) != listed.get(county, 0):
                out.append(
                    finding(
                        "dq.stations_disagree",
                        sheet="counties",
                        row=int(row),
                        column="expert_stations",
                        value=text(code),
                        reported=int(reported),
                        listed=listed.get(county, 0),
                    )
                )
    villages = _frame(parsed, "villages")
    if villages is not None and "service_covered" in villages.columns:
        supported: set[str] = set()
        agreements, activities = _frame(parsed, "agreements"), _frame(parsed, "activities")
        if agreements is not None:
            v = agreements[_eq(agreements["target_kind"], "village")]
            supported |= set(_str(v["target_id"]).dropna())
        if activities is not None and "village_code" in activities.columns:
            supported |= set(_str(activities["village_code"]).dropna())
        supported |= set(ctx.supported_villages or ())
        supported = {x for code in supported for x in (ctx.variants(code) or [code])}
        covered = villages[villages["service_covered"].fillna(False).to_numpy(dtype=bool)]
        bad = covered[_not_in(covered["village_code"], supported)]
        for row, code in zip(bad[ROW], bad["village_code"], strict=True):
            out.append(
                finding(
                    "dq.covered_without_support",
                    sheet="villages",
                    row=int(row),
                    column="service_covered",
                    value=code,
                )
            )
    return out


# ---------------------------------------------------------------- history (warnings)


def _history_by_county(ctx: CheckContext) -> dict[str, pd.DataFrame]:
    """Earlier accepted values per county (under one code across recodes), oldest first."""
    hist = ctx.history
    if hist is None or hist.empty:
        return {}
    hist = hist[hist["period"].astype(str) < ctx.period].copy()
    hist["_series"] = hist["county_code"].astype(str).map(ctx.hierarchy.series_code)
    hist = hist.sort_values("period")
    return {str(code): g for code, g in hist.groupby("_series")}


def _num(v: Any) -> float | None:
    return None if pd.isna(v) else float(v)


def _cumulative(row: pd.Series, past: pd.DataFrame, columns: list[str]) -> list[tuple]:
    out = []
    for col in columns:
        if col not in past.columns:
            continue
        value, prev = _num(row.get(col)), past.dropna(subset=[col]).tail(1)
        if value is not None and not prev.empty and value < float(prev[col].iloc[0]):
            fields = {
                "previous": text(prev[col].iloc[0]),
                "previous_period": str(prev["period"].iloc[0]),
            }
            out.append(("dq.cumulative_decreased", col, fields))
    return out


def _outliers(row: pd.Series, past: pd.DataFrame, h: Outlier) -> list[tuple]:
    """Robust z-score: 0.6745 * |x - median| / MAD over the latest ``window`` months."""
    out = []
    for col in h.columns:
        value = _num(row.get(col))
        if value is None or col not in past.columns:
            continue
        series = past[col].dropna().astype(float).tail(h.window)
        if len(series) < h.min_history:
            continue
        median = float(series.median())
        mad = max(float((series - median).abs().median()), h.mad_floor)
        if 0.6745 * abs(value - median) / mad > h.threshold:
            out.append(("dq.outlier", col, {"median": text(median), "months": len(series)}))
    return out


def _jumps(row: pd.Series, past: pd.DataFrame, h: Jump, last_month: str) -> list[tuple]:
    out = []
    prev_rows = past[past["period"].astype(str) == last_month]
    for col in h.columns:
        value = _num(row.get(col))
        if value is None or prev_rows.empty or col not in prev_rows.columns:
            continue
        prev = _num(prev_rows[col].iloc[-1])
        if prev is None or max(value, prev) < h.min_base:
            continue
        low, high = min(value, prev), max(value, prev)
        if low == 0 or high / low > h.max_ratio:
            out.append(("dq.jump", col, {"previous": text(prev), "previous_period": last_month}))
    return out


def history_warnings(
    parsed: ParsedFile, ctx: CheckContext, q: QualitySettings | None = None
) -> list[Finding]:
    """A cumulative count that went down, a value far outside the county's own history (median
    and MAD, once enough months are known) and a month-on-month jump."""
    frame = _frame(parsed, "counties")
    history = _history_by_county(ctx)
    if frame is None or not history:
        return []
    h = (q or quality()).history
    last_month = add_months(ctx.period, -1)
    out = []
    for _, row in frame.iterrows():
        res = ctx.accepted_counties.get(text(row["county_code"]))
        past = history.get(ctx.hierarchy.series_code(res.code)) if res and res.code else None
        if past is None or past.empty:
            continue
        hits = [
            *_cumulative(row, past, h.cumulative),
            *_outliers(row, past, h.outlier),
            *_jumps(row, past, h.jump, last_month),
        ]
        for rule, col, fields in hits:
            out.append(
                finding(
                    rule,
                    sheet="counties",
                    row=int(row[ROW]),
                    column=col,
                    value=text(row[col]),
                    **fields,
                )
            )
    return out
