"""All data-quality rules for one parsed file: the sheets' expectation suites, then the checks that
need context, then the county rows once every row error is known.

The caller adds the parse findings already in ``parsed.findings`` and hands the lot to
:func:`techaid.quality.flow.decide`, which applies the severities. A cell intake could not parse is
empty here and already has its finding, so no rule here reports that cell again.
"""

from __future__ import annotations

from typing import Any

from techaid import config
from techaid.findings import Finding
from techaid.intake.model import ParsedFile
from techaid.periods import first_day, last_day
from techaid.quality import context_checks as cc
from techaid.quality import gx_runner, suites
from techaid.quality.context_checks import CheckContext
from techaid.quality.gx_runner import text


def suite_parameters(parsed: ParsedFile, ctx: CheckContext) -> dict[str, Any]:
    """The run-time values of the suites' ``$PARAMETER`` placeholders for this file."""
    accepted = ctx.accepted_counties
    townships: set[str] = set()
    sheet = parsed.sheets.get("townships")
    if sheet is not None:
        for code in sheet.frame["township_code"].dropna():
            code = text(code)
            if code[:6] in accepted:
                townships.update(ctx.variants(code))
    return {
        suites.MONTH_START: first_day(ctx.period),
        suites.MONTH_END: last_day(ctx.period),
        suites.FILE_YEAR: first_day(ctx.period).year,
        suites.YEAR_BEFORE: first_day(ctx.period).year - 1,
        suites.CITY_COUNTIES: sorted(accepted),
        suites.FILE_TOWNSHIPS: sorted(townships),
        suites.REGISTER_VILLAGES: ctx.city_register_villages,
        suites.COUNTY_ALIASES: ctx.county_aliases,
    }


def suite_findings(
    parsed: ParsedFile, ctx: CheckContext, keep: dict[str, Any] | None = None
) -> list[Finding]:
    """Every sheet of the file validated against its suite (GX results kept in ``keep``)."""
    params = suite_parameters(parsed, ctx)
    explain = {"dq.code_not_in_city": lambda value: cc.explain_county(value, ctx)}
    out: list[Finding] = []
    for name, sheet in parsed.sheets.items():
        if name in config.schema().sheets:
            out += gx_runner.validate_sheet(name, sheet.frame, params, explain, keep)
    return out


def _drop_repeats(parsed: ParsedFile, findings: list[Finding]) -> list[Finding]:
    """Without a finding on a cell intake already reported, or the same rule twice on a cell."""
    parsed_cells = {(f.sheet, f.row, f.column) for f in parsed.findings if f.row is not None}
    seen: set[tuple] = set()
    out = []
    for f in findings:
        key = (f.rule, f.sheet, f.row, f.column, f.value)
        if key in seen or (f.row is not None and (f.sheet, f.row, f.column) in parsed_cells):
            continue
        seen.add(key)
        out.append(f)
    return out


def _order(findings: list[Finding]) -> list[Finding]:
    sheets = list(config.schema().sheets)

    def key(f: Finding) -> tuple:
        where = sheets.index(f.sheet) if f.sheet in sheets else len(sheets)
        return (where, f.row if f.row is not None else -1, f.column or "", f.rule)

    return sorted(findings, key=key)


def check_file(
    parsed: ParsedFile, ctx: CheckContext, keep: dict[str, Any] | None = None
) -> list[Finding]:
    """Every data-quality finding of the file (not the parse findings, which the caller adds).
    With ``keep``, each sheet's GX result is kept there for the Data Docs (one validation)."""
    found = suite_findings(parsed, ctx, keep)
    found += cc.county_rows(parsed, ctx)
    found += cc.recoded_codes(parsed, ctx)
    found += cc.unknown_references(parsed)
    found += cc.unregistered_households(parsed, ctx)
    found += cc.count_disagreements(parsed, ctx)
    found += cc.history_warnings(parsed, ctx)
    found = _drop_repeats(parsed, found)
    found += cc.county_quarantined(parsed, [*parsed.findings, *found])
    return _order(found)
