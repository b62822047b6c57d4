"""The rule table (``docs/rules.md``), generated from the rule registry and the suites.

Every rule the pipeline reports, with where it runs, its severity, its meaning and an example of
the Chinese message an office receives, so the table can never disagree with what the code does:

    python -m techaid.documents.rules_doc            # write docs/rules.md
    python -m techaid.documents.rules_doc --check    # exit 1 when docs/rules.md is stale

Reads the suite files as plain JSON: no Great Expectations import.
"""

from __future__ import annotations

import json
import sys
from collections import defaultdict
from pathlib import Path
from typing import Any

from techaid import config, paths
from techaid.documents import generated as generated_docs
from techaid.findings import finding
from techaid.quality.context_checks import CONTEXT_RULE_SHEETS
from techaid.quality.register_checks import FILE_NAMES, REGISTER_RULE_SHEETS
from techaid.quality.suites import suite_name, suite_path

DEFAULT_PATH = paths.DOCS_DIR / "rules.md"

# Rules applied outside intake, the suites and the context checks: (sheets, checked by).
APPLIED_BY = {
    "file.quarantine_threshold": ("(any)", "`techaid.quality.flow.decide`"),
    **{
        code: (
            ", ".join(f"register {FILE_NAMES[s]}" for s in sheets),
            "`techaid.quality.register_checks`",
        )
        for code, sheets in REGISTER_RULE_SHEETS.items()
    },
    "indicator.village_unlisted": ("villages", "the indicator computation (rollup)"),
}

SEVERITY_ZH = {"fatal": "fatal 退回整个文件", "error": "error 该行隔离", "warning": "warning 提示"}


def _at(sheet: str, row: int, column: str, **more: Any) -> dict[str, Any]:
    """Example arguments for a finding about one cell: where it is, then the rest by name."""
    return {"sheet": sheet, "row": row, "column": column, **more}


# Arguments of techaid.findings.finding for each rule's example message. A rule without one (or
# whose template needs fields not given here) shows its template instead.
EXAMPLES: dict[str, dict[str, Any]] = {
    "file.unreadable": {"detail": "不是有效的 zip 文件"},
    "file.bad_name": {"value": "安庆6月.xlsx"},
    "file.symlink": {"value": "submissions/340800/340800_2018-06.xlsx"},
    "file.path_escape": {"value": "../../etc/passwd"},
    "file.too_large": {"value": 262144000, "detail": 209715200},
    "file.zip_bomb": {"detail": "解压后 3.1 GB"},
    "file.meta_missing": {"sheet": "meta", "column": "period"},
    "file.city_mismatch": {"value": "340800", "detail": "341500"},
    "file.period_mismatch": {"value": "2018-06", "detail": "2018-05"},
    "file.unknown_city": {"value": "340100"},
    "file.unknown_period": {"value": "2016-12", "detail": "早于工程开始月份 2017-01"},
    "file.missing_sheet": {"sheet": "villages"},
    "file.missing_column": {"sheet": "villages", "column": "village_code"},
    "file.header_not_found": {"sheet": "villages", "detail": 10},
    "file.quarantine_threshold": {"sheet": "households", "value": 512, "detail": 2048},
    "file.duplicate_sheet": {"sheet": "villages", "detail": "村、villages"},
    "file.bad_register_name": {"value": "register/2018-06/villages.csv"},
    "sheet.extra_column": {"sheet": "villages", "value": "备注"},
    "parse.required": _at("villages", 12, "village_code"),
    "parse.int": _at("villages", 12, "associations", value="两个"),
    "parse.decimal": _at("counties", 5, "pairing_funds", value="十万"),
    "parse.bool": _at("villages", 12, "e_station", value="待定"),
    "parse.date": _at("activities", 8, "held_on", value="6月份"),
    "parse.code": _at("villages", 12, "village_code", value="3404221012", detail=12),
    "parse.enum": _at(
        "experts",
        4,
        "source",
        value="大学",
        detail="学会、高校、科研院所、农技推广机构、企业、其他",
    ),
    "parse.household_id_number": _at("households", 30, "household_id", value="3.40825101201E+17"),
    "parse.household_id": _at("households", 30, "household_id", value="34082510120"),
    "dq.range": _at("households", 30, "techniques", value=25, detail="0至20"),
    "dq.duplicate_key": _at("agreements", 5, "agreement_id", value="AQ-2018-017", detail="9"),
    "dq.duplicate_record": {
        "sheet": "evaluations",
        "row": 5,
        "detail": "9",
        "value": "对象类型 专家，对象编号 E001，年度 2018",
    },
    "dq.id_repeated": _at("experts", 7, "expert_id", value="E0123", detail="15"),
    "dq.code_not_in_city": _at(
        "townships",
        12,
        "township_code",
        value="341521101",
        detail="前6位 341521 是淮南市寿县的代码",
    ),
    "dq.village_unknown": _at(
        "villages", 12, "village_code", value="340825999201", detail="340825999"
    ),
    "dq.village_county_mismatch": _at(
        "activities", 6, "village_code", value="340826102203", detail="340825"
    ),
    "dq.agreement_incomplete": _at("agreements", 5, "measures"),
    "dq.agreement_end_before_start": _at(
        "agreements", 5, "end_on", value="2018-01-01", detail="2018-02-01"
    ),
    "dq.activity_outside_month": _at(
        "activities", 8, "held_on", value="2018-07-02", detail="2018-06-01至2018-06-30"
    ),
    "dq.evaluation_year": _at("evaluations", 3, "year", value=2016, detail="2017至2018"),
    "dq.phone": _at("experts", 4, "phone", value="0556-5551234"),
    "dq.county_missing": {"sheet": "counties", "value": "340828", "detail": "岳西县"},
    "dq.county_repeated": _at("counties", 3, "county_code", value="340825", detail="7"),
    "dq.county_quarantined": _at("counties", 3, "county_code", value="340825"),
    "dq.code_recoded": _at(
        "villages", 4, "village_code", value="340824", count=212, mapped="340882"
    ),
    "dq.unknown_expert": _at("agreements", 5, "helper_id", value="E0999"),
    "dq.unknown_organization": _at("agreements", 6, "helper_id", value="O0999"),
    "dq.household_unregistered": _at("households", 30, "household_id", value="340825101201000099"),
    "dq.stations_disagree": _at(
        "counties", 3, "expert_stations", value="340825", reported=2, listed=1
    ),
    "dq.covered_without_support": _at("villages", 12, "service_covered", value="340825101201"),
    "dq.cumulative_decreased": _at(
        "counties", 3, "museum_tours", value=10, previous=12, previous_period="2018-05"
    ),
    "dq.outlier": _at("counties", 3, "pairing_workers", value=9000, median=35, months=12),
    "dq.jump": _at(
        "counties", 3, "youth_participants", value=2400, previous=150, previous_period="2018-05"
    ),
    "dq.id_in_other_city": _at("experts", 7, "expert_id", value="E0123", detail="宿州市"),
    "indicator.village_unlisted": {
        "sheet": "villages",
        "column": "village_code",
        "value": "340825101201",
        "detail": "石门村",
    },
    "register.refused": {
        "value": "register/2018-06-01",
        "detail": 3,
        "kept": "继续使用 2017-01-01 的名册",
    },
    "register.duplicate_key": _at(
        "households",
        30,
        "household_id",
        value="340825101201000011",
        detail="57",
        file="households.csv",
        key_zh="户编号",
    ),
    "register.county_invalid": _at(
        "villages",
        12,
        "county_code",
        value="340824",
        date="2018-08-01",
        file="villages.csv",
        detail="该代码已于 2018-07-31 停用，应为 340882",
    ),
    "register.prefix_mismatch": _at(
        "villages",
        12,
        "village_code",
        value="340826102203",
        detail="340825",
        digits=6,
        code_zh="村代码",
        parent_zh="县代码",
        file="villages.csv",
    ),
    "register.village_unknown": _at(
        "households",
        30,
        "village_code",
        value="340102101201",
        detail="340102",
        date="2018-06-01",
        file="households.csv",
    ),
}


def _suite_sheets(directory: Path | None = None) -> dict[str, list[str]]:
    """rule -> the sheets whose suite reports it (from the suite files)."""
    out: dict[str, list[str]] = defaultdict(list)
    for sheet in config.schema().sheets:
        path = suite_path(sheet, directory)
        if not path.exists():
            continue
        for exp in json.loads(path.read_text(encoding="utf-8"))["expectations"]:
            rule = (exp.get("meta") or {}).get("rule")
            if rule and sheet not in out[rule]:
                out[rule].append(sheet)
    return out


def _where(code: str, suites: dict[str, list[str]]) -> tuple[str, str]:
    """(sheets, checked by) of a rule."""
    parts, sheets = [], []
    if code in suites:
        sheets += suites[code]
        parts.append("suite " + ", ".join(f"`{suite_name(s)}`" for s in suites[code]))
    if code in CONTEXT_RULE_SHEETS:
        sheets += [s for s in CONTEXT_RULE_SHEETS[code] if s not in sheets]
        parts.append("context check")
    if code in APPLIED_BY:
        return APPLIED_BY[code]
    if not parts:
        parts.append("intake")
        sheets = ["(file)"] if code.startswith("file.") else ["(any)"]
    return ", ".join(sheets), "; ".join(parts)


def example(code: str) -> str:
    """The rule's message for its example arguments, or its template when there are none."""
    spec = config.rules()[code]
    args = EXAMPLES.get(code)
    if args is not None:
        try:
            return finding(code, **args).message
        except (KeyError, IndexError):
            pass
    return f"`{spec.message}`"


def _cell(text: str) -> str:
    return text.replace("|", "\\|").replace("\n", " ")


def render(directory: Path | None = None) -> str:
    suites = _suite_sheets(directory)
    lines = [
        "# Rules",
        "",
        "<!-- Generated by `python -m techaid.documents.rules_doc` from include/config/rules*.yaml and",
        "expectations/*.json: do not edit; a test fails when this file is stale. -->",
        "",
        "Every check the pipeline makes on a submission. Severity is data (the rule registry):",
        "**fatal** refuses the whole file, **error** quarantines the row and loads the rest,",
        "**warning** loads and reports. Intake checks the file and parses each value; the",
        "data-quality suites (`expectations/`, generated from `include/config/quality.yaml`) and the",
        "context checks (`techaid.quality.context_checks`) check everything else.",
        "",
        "| Rule | Severity | Sheets | Checked by | Meaning | Example message |",
        "|---|---|---|---|---|---|",
    ]
    for code, spec in config.rules().items():
        sheets, by = _where(code, suites)
        lines.append(
            f"| `{code}` | {SEVERITY_ZH[spec.severity]} | {sheets} | {by} | "
            f"{_cell(spec.meaning)} | {_cell(example(code))} |"
        )
    return "\n".join(lines) + "\n"


def main(argv: list[str] | None = None) -> int:
    command = "python -m techaid.documents.rules_doc"
    return generated_docs.main(render, DEFAULT_PATH, command, __doc__ or "", argv)


if __name__ == "__main__":
    sys.exit(main())
