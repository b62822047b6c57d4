"""The generator's manifest against what the pipeline finds: every planted case, and nothing else.

A messy landing area (``generate(..., messy=True)``) plants every case of the contract's "Messy
input" section and lists each one in its manifest: file, sheet, row as the office sees it, column,
what the pipeline must do (repair, error, warning, fatal) and, where known, the rule. These tests
hold the pipeline to that list in both directions:

* intake (issue 3): the repairs counted, the parse findings and the files refused by intake are
  exactly the planted ones, every repaired value reads back as the clean month's value, and the
  clean month of the same seed reads with no repair and no finding at all;
* data quality (issue 4): run through the pipeline's own functions (prepare -> discover ->
  read_city -> check_city -> load_city) into a SQLite warehouse, the published ``dq_issue`` rows
  are exactly the planted findings of every severity, refused files are ``rejected`` for the
  planted reason, files with row errors quarantine exactly the planted rows, and the clean months
  load with no issue (the clean data satisfies every rule, warnings included, by construction).

Two months are generated so the second is checked against the first one's accepted history (the
history warnings get a chance to fire, and must not); the second, the last generated month of
2018, carries the year's evaluations and so the planted evaluation row errors. The cities: Bozhou
(4 counties), Chuzhou (1 county: the smallest, so it carries the refused copies; late in 2018-06)
and Lu'an (6 counties, late in both months); together they take every planted case
(``skipped_cases`` is empty).
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pandas as pd
import pytest
import sqlalchemy as sa

from techaid import config
from techaid.findings import FileRefused, Finding
from techaid.intake import discover as disc
from techaid.intake.model import ParsedFile
from techaid.intake.submission import read_submission
from techaid_dev.synthetic import Case, Manifest, generate

pytestmark = pytest.mark.slow

CITIES = ["341600", "341100", "341500"]  # Bozhou, Chuzhou, Lu'an (see the module docstring)
START, END = "2018-05", "2018-06"
PERIODS = [START, END]
SCALE = 0.01

# The registry rule each planted case must fire, for the cases whose manifest entry leaves the rule
# open (the manifest names the rule only where the generator knows it). Where both give one, they
# must agree.
CASE_RULES: dict[str, str] = {
    "row.out_of_range": "dq.range",
    "row.duplicate_key": "dq.duplicate_key",
    "row.duplicate_id": "dq.id_repeated",
    "row.household_not_in_register": "dq.household_unregistered",
    "row.unknown_code": "dq.village_unknown",
    "row.prefix_mismatch": "dq.village_county_mismatch",
    "row.unknown_expert": "dq.unknown_expert",
    "row.activity_outside_month": "dq.activity_outside_month",
    "row.agreement_missing_element": "dq.agreement_incomplete",
    "row.agreement_end_before_start": "dq.agreement_end_before_start",
    "row.unknown_organization": "dq.unknown_organization",
    "refuse.county_missing": "dq.county_missing",
    "refuse.county_repeated": "dq.county_repeated",
    "warn.late_submission": "submission.late",
    **{
        "row.evaluation_unknown_subject": "dq.unknown_expert",
        "row.evaluation_duplicate": "dq.duplicate_record",
        "row.evaluation_year": "dq.evaluation_year",
        "row.evaluation_score": "dq.range",
    },
}

# The evaluation row errors, planted in the last month of the year (which carries the evaluations).
EVALUATION_CASES = {c for c in CASE_RULES if c.startswith("row.evaluation_")}

# Refusals decided by the data-quality rules once intake has read the file (county rows, the
# quarantine threshold); every other planted refusal is intake's (discovery or reading).
QUALITY_REFUSALS = {
    "refuse.county_missing",
    "refuse.county_repeated",
    "refuse.quarantine_threshold",
}

# A late file is both ``submission.on_time`` false and a file-level warning in the quality report.
LATE = "warn.late_submission"

# Planted repair case -> the repair kind intake counts (techaid.documents.office_guide.REPAIRS lists them).
REPAIR_KINDS: dict[str, str] = {
    "repair.code_number": "code_number",
    "repair.code_sci": "code_number",
    "repair.code_spaces": "code_space",
    "repair.fullwidth_digits": "fullwidth",
    "repair.thousands_separator": "thousands_separator",
    "repair.bool_text": "bool_text",
    "repair.blank_bool": "blank_bool",
    "repair.date_slash": "date_format",
    "repair.date_chinese": "date_format",
    "repair.date_compact": "date_format",
    "repair.date_serial": "excel_serial_date",
    "repair.whitespace": "whitespace",
    "repair.expert_ids_separator": "id_list_separator",
    "repair.meta_period_date": "meta_period_date",
    "repair.total_row": "total_row",
    "repair.title_rows": "title_rows",
    "repair.csv_gb18030": "encoding_gb18030",
    "repair.csv_utf8_bom": "encoding_utf8_bom",
    "repair.zip_gbk_names": "zip_name_gbk",
    "repair.zip_top_folder": "zip_top_folder",
}
SHEET_REPAIRS = {
    "repair.total_row",
    "repair.title_rows",
    "repair.csv_gb18030",
    "repair.csv_utf8_bom",
}
# Headers may be the canonical English names or the Chinese ones (the contract's "Sheets"):
# either is the form asked for, so intake reads English headers without counting a repair. The
# generator still plants them (under "repair"): the sheet must read as if its headers were Chinese.
NOT_COUNTED = {"repair.english_headers"}

# (file, sheet, row, column, rule, severity): a finding as compared with the manifest.
Key = tuple[str, str | None, int | None, str | None, str, str]
RepairKey = tuple[str, str, str]  # (sheet, column, kind) as intake and repair_count key them


# ----------------------------------------------------------------------------- the manifest


def rule_of(case: Case) -> str | None:
    """The rule the case must fire: the manifest's, else the table above."""
    return case.rule or CASE_RULES.get(case.case)


def is_intake_rule(rule: str) -> bool:
    """Whether intake itself reports the rule (files, sheets, values it cannot parse)."""
    return rule.startswith(("file.", "sheet.", "parse.")) and rule != "file.quarantine_threshold"


def regular(manifest: Manifest) -> list[Any]:
    return [s for s in manifest.submissions if s.kind == "regular"]


def refused_files(manifest: Manifest) -> dict[str, Case]:
    """Each planted refused file with its (single) fatal case."""
    out: dict[str, Case] = {}
    for c in manifest.cases:
        if c.expected == "fatal":
            assert c.file not in out, f"two refusals planted in {c.file}"
            out[c.file] = c
    return out


def finding_cases(manifest: Manifest, file: str) -> list[Case]:
    """The planted row errors and warnings of a file that a ``dq_issue`` row must report."""
    return [c for c in manifest.cases_of(file) if c.expected in ("error", "warning")]


def expected_keys(case: Case) -> set[Key]:
    """Where a planted case must be reported. A repeated key or id is reported on every copy (the
    manifest lists the first copies in ``related_rows``). An extra column is a header, not a row:
    its warning names the sheet (and carries the header label as its value)."""
    rule = rule_of(case)
    assert rule is not None, f"no rule known for {case.case}: add it to CASE_RULES"
    if case.case == "warn.extra_column":
        return {(case.file, case.sheet, None, None, rule, case.expected)}
    if case.case == LATE:  # about the file, not a row
        return {(case.file, None, None, None, rule, case.expected)}
    rows = [case.row, *case.related_rows]
    # A repeated (kind, subject, year) is about the whole row: its finding names no column.
    column = None if rule == "dq.duplicate_record" else case.column
    return {(case.file, case.sheet, r, column, rule, case.expected) for r in rows}


def planted_rows(manifest: Manifest, file: str) -> set[tuple[str, int]]:
    """Every (sheet, row) a planted row error quarantines, first copies of repeats included."""
    return {
        (c.sheet, r)
        for c in manifest.cases_of(file)
        if c.expected == "error"
        for r in (c.row, *c.related_rows)
    }


def expected_repairs(manifest: Manifest, sub: Any) -> tuple[Counter[RepairKey], set[RepairKey]]:
    """The repairs intake must count for a regular file, and the keys counted per row of the
    file rather than per case (title rows: the manifest lists the block once)."""
    counts: Counter[RepairKey] = Counter()
    at_least: set[RepairKey] = set()
    for c in manifest.cases_of(sub.file):
        if c.expected != "repair" or c.case in NOT_COUNTED:
            continue
        assert c.case in REPAIR_KINDS, f"unknown planted repair {c.case}: map it in REPAIR_KINDS"
        kind = REPAIR_KINDS[c.case]
        if c.case == "repair.zip_gbk_names":  # every member's name was GBK
            counts.update((s, "", kind) for s in ["meta", *sub.rows])
        elif c.case == "repair.zip_top_folder":
            counts[("", "", kind)] += 1
        elif c.case == "repair.meta_period_date":  # the meta sheet is key/value: the key counts
            counts[("meta", "period", kind)] += 1
        elif c.case in SHEET_REPAIRS:
            counts[(c.sheet, "", kind)] += 1
            if c.case == "repair.title_rows":
                at_least.add((c.sheet, "", kind))
        else:
            counts[(c.sheet, c.column, kind)] += 1
    return counts, at_least


def assert_repairs(found: Counter[RepairKey], manifest: Manifest, sub: Any) -> None:
    """Exactly the planted repairs (title rows: one count per title row, so at least one)."""
    expected, at_least = expected_repairs(manifest, sub)
    assert set(found) == set(expected), (sub.file, dict(found), dict(expected))
    for key, n in expected.items():
        assert found[key] >= n if key in at_least else found[key] == n, (sub.file, key, found[key])


# ----------------------------------------------------------------------------- intake


@dataclass
class Read:
    """One landed submission as intake left it: refused (with why), or parsed."""

    refusal: Finding | None = None
    parsed: ParsedFile | None = None


def read_landing(landing: Path) -> dict[str, Read]:
    """Discovery and intake over every submission file, keyed by the path the manifest uses."""
    fs, _ = disc.landing_fs(str(landing))
    out: dict[str, Read] = {}
    for f in disc.discover(str(landing)):
        if f.kind != "submission":
            continue
        try:
            out[f.rel_path] = Read(parsed=read_submission(fs, f))
        except FileRefused as refused:
            out[f.rel_path] = Read(refusal=refused.finding)
    return out


def finding_key(file: str, f: Finding) -> Key:
    return (file, f.sheet, f.row, f.column, f.rule, f.severity)


# ----------------------------------------------------------------------------- the warehouse


@dataclass
class Warehouse:
    """The published tables after the months ran, each row with its file's landing path."""

    submissions: dict[str, dict[str, Any]]  # file -> submission row
    issues: dict[str, list[dict[str, Any]]]  # file -> dq_issue rows in seq order
    repairs: dict[str, Counter[RepairKey]]  # file -> repair_count


def run_pipeline(landing: Path, work: Path) -> Warehouse:
    """The monthly run, month after month, as the DAG's tasks call it (plain functions)."""
    from techaid import pipeline

    data, output = work / "data", work / "output"
    data.mkdir(parents=True)
    output.mkdir()
    url = f"sqlite:///{data / 'warehouse.db'}"
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("TECHAID_DATA", str(data))
        mp.setenv("TECHAID_OUTPUT", str(output))
        mp.setenv("TECHAID_LANDING", str(landing))
        pipeline.prepare(url)
        for period in PERIODS:
            for plan in pipeline.discover(url, period, str(landing)):
                if plan["versions"]:
                    pipeline.load_city(url, pipeline.check_city(url, pipeline.read_city(plan)))
    return read_warehouse(url, landing)


def read_warehouse(url: str, landing: Path) -> Warehouse:
    engine = sa.create_engine(url)
    try:
        with engine.connect() as conn:
            subs = [dict(r) for r in conn.execute(sa.text("select * from submission")).mappings()]
            issues = conn.execute(sa.text("select * from dq_issue order by submission_id, seq"))
            issue_rows = [dict(r) for r in issues.mappings()]
            repair_rows = conn.execute(sa.text("select * from repair_count")).mappings().all()
    finally:
        engine.dispose()
    root = Path(landing)
    file_of = {s["submission_id"]: Path(s["file_path"]).relative_to(root).as_posix() for s in subs}
    out = Warehouse({file_of[s["submission_id"]]: s for s in subs}, {}, {})
    assert len(out.submissions) == len(subs), "two versions recorded for one landed file"
    for i in issue_rows:
        out.issues.setdefault(file_of[i["submission_id"]], []).append(i)
    for r in repair_rows:
        key = (r["sheet"], r["column_name"], r["repair"])
        out.repairs.setdefault(file_of[r["submission_id"]], Counter())[key] += r["count"]
    return out


def issue_key(file: str, i: dict[str, Any]) -> Key:
    return (file, i["sheet"], i["row_number"], i["column_name"], i["rule"], i["severity"])


# ----------------------------------------------------------------------------- fixtures


@dataclass
class Landing:
    root: Path
    manifest: Manifest


@pytest.fixture(scope="module")
def messy(tmp_path_factory: pytest.TempPathFactory) -> Landing:
    root = tmp_path_factory.mktemp("messy")
    return Landing(root, generate(root, START, END, scale=SCALE, cities=CITIES, messy=True))


@pytest.fixture(scope="module")
def cleans(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Landing]:
    """The same months clean: as generated by default (workbooks), and as zips of CSV files, so
    the clean form of both containers is checked."""
    out = {}
    for fmt in ("auto", "zip"):
        root = tmp_path_factory.mktemp(f"clean-{fmt}")
        out[fmt] = Landing(root, generate(root, START, END, scale=SCALE, cities=CITIES, fmt=fmt))
    return out


@pytest.fixture(scope="module")
def messy_read(messy: Landing) -> dict[str, Read]:
    return read_landing(messy.root)


@pytest.fixture(scope="module")
def clean_reads(cleans: dict[str, Landing]) -> dict[str, dict[str, Read]]:
    return {fmt: read_landing(landing.root) for fmt, landing in cleans.items()}


@pytest.fixture(scope="module")
def messy_warehouse(messy: Landing, tmp_path_factory: pytest.TempPathFactory) -> Warehouse:
    return run_pipeline(messy.root, tmp_path_factory.mktemp("messy-run"))


@pytest.fixture(scope="module")
def clean_warehouse(
    cleans: dict[str, Landing], tmp_path_factory: pytest.TempPathFactory
) -> Warehouse:
    return run_pipeline(cleans["auto"].root, tmp_path_factory.mktemp("clean-run"))


# ----------------------------------------------------------------------------- the manifest itself


def test_every_case_is_planted_with_a_known_rule(messy: Landing) -> None:
    m = messy.manifest
    assert m.skipped_cases == []
    rules = config.rules()
    for c in m.cases:
        if c.case in CASE_RULES and c.rule is not None:
            assert c.rule == CASE_RULES[c.case], c
        if c.expected in ("error", "fatal") or c.case == "warn.extra_column":
            assert rule_of(c) in rules, (c.case, rule_of(c))
    assert {c.expected for c in m.cases} == {"repair", "error", "warning", "fatal"}
    assert any(c.case == LATE for c in m.cases)
    evaluation = [c for c in m.cases if c.case in EVALUATION_CASES]
    assert {c.case for c in evaluation} == EVALUATION_CASES
    assert all(c.sheet == "evaluations" and f"_{END}." in c.file for c in evaluation), evaluation


# ----------------------------------------------------------------------------- intake (issue 3)


def test_clean_months_read_with_no_repair_and_no_finding(
    cleans: dict[str, Landing], clean_reads: dict[str, dict[str, Read]]
) -> None:
    for fmt, landing in cleans.items():
        reads = clean_reads[fmt]
        assert set(reads) == {s.file for s in landing.manifest.submissions}
        assert {c.case for c in landing.manifest.cases} <= {LATE}  # late is no defect of a file
        for file, r in reads.items():
            assert r.refusal is None, (fmt, file, r.refusal)
            assert r.parsed is not None
            assert r.parsed.findings == [], (fmt, file, r.parsed.findings[:5])
            assert dict(r.parsed.repairs) == {}, (fmt, file, dict(r.parsed.repairs))


def test_intake_counts_exactly_the_planted_repairs(
    messy: Landing, messy_read: dict[str, Read]
) -> None:
    for sub in regular(messy.manifest):
        parsed = messy_read[sub.file].parsed
        assert parsed is not None, sub.file
        assert_repairs(Counter(parsed.repairs), messy.manifest, sub)


def test_repaired_values_read_back_as_the_clean_ones(
    messy: Landing,
    messy_read: dict[str, Read],
    cleans: dict[str, Landing],
    clean_reads: dict[str, dict[str, Read]],
) -> None:
    """Repairs are silent because they are exact: each sheet of a messy file reads as the same
    month's clean file (whichever container either came in), except the cells a planted row error
    spoiled and the rows appended to carry one."""
    for fmt, landing in cleans.items():
        twins = {(s.city_code, s.period): s.file for s in regular(landing.manifest)}
        for sub in regular(messy.manifest):
            mine = messy_read[sub.file].parsed
            theirs = clean_reads[fmt][twins[(sub.city_code, sub.period)]].parsed
            assert mine is not None
            assert theirs is not None
            assert mine.meta == theirs.meta, (sub.file, mine.meta, theirs.meta)
            assert set(mine.sheets) == set(theirs.sheets)
            errors = {
                (c.sheet, r, c.column)
                for c in messy.manifest.cases_of(sub.file)
                if c.expected == "error"
                for r in (c.row, *c.related_rows)
            }
            for name, sheet in theirs.sheets.items():
                _assert_same_sheet(sub.file, name, mine.sheets[name].frame, sheet.frame, errors)


def _assert_same_sheet(
    file: str, name: str, mine: pd.DataFrame, theirs: pd.DataFrame, errors: set[tuple]
) -> None:
    n = len(theirs)
    extra = set(mine["row_number"].iloc[n:].tolist())
    assert extra <= {r for s, r, _ in errors if s == name}, (file, name, sorted(extra))
    mine = mine.iloc[:n].reset_index(drop=True).copy()
    theirs = theirs.reset_index(drop=True)
    for sheet, row, column in errors:
        hit = (mine["row_number"] == row).to_numpy().nonzero()[0]
        if sheet == name and len(hit):
            mine[column] = mine[column].astype(object)
            mine.at[int(hit[0]), column] = theirs.at[int(hit[0]), column]
    pd.testing.assert_frame_equal(
        mine.drop(columns="row_number"),
        theirs.drop(columns="row_number"),
        check_dtype=False,
        obj=f"{file} {name}",
    )


def test_intake_reports_exactly_the_planted_parse_errors_and_warnings(
    messy: Landing, messy_read: dict[str, Read]
) -> None:
    """Intake's own findings (values it cannot parse, extra columns) are exactly the planted
    ones; every other planted row error reads fine here and is the data-quality rules' to find."""
    found: set[Key] = set()
    expected: set[Key] = set()
    for sub in regular(messy.manifest):
        parsed = messy_read[sub.file].parsed
        assert parsed is not None
        found |= {finding_key(sub.file, f) for f in parsed.findings}
        for c in finding_cases(messy.manifest, sub.file):
            if is_intake_rule(rule_of(c) or ""):
                expected |= expected_keys(c)
            if c.case == "warn.extra_column":
                labels = [f.value for f in parsed.findings if f.rule == "sheet.extra_column"]
                assert labels == [c.value], (sub.file, labels)
    assert found == expected, {"unplanted": found - expected, "missed": expected - found}
    assert any(k[4].startswith("parse.") for k in expected)


def test_intake_refuses_exactly_the_planted_files(
    messy: Landing, messy_read: dict[str, Read]
) -> None:
    planted = refused_files(messy.manifest)
    assert set(messy_read) == {s.file for s in messy.manifest.submissions}
    refused = {file: r.refusal.rule for file, r in messy_read.items() if r.refusal is not None}
    intake_refusals = {
        file: rule_of(c) for file, c in planted.items() if c.case not in QUALITY_REFUSALS
    }
    assert refused == intake_refusals
    q = config.program().quarantine
    for file, c in planted.items():
        if c.case not in QUALITY_REFUSALS:
            continue
        parsed = messy_read[file].parsed
        assert parsed is not None, file
        assert not parsed.repairs, file
        if c.case != "refuse.quarantine_threshold":  # the county rows are quality's to judge
            assert parsed.findings == [], (file, parsed.findings[:3])
            continue
        # Every spoiled cell is a parse error on its own row; the share is what refuses the file.
        keys = {(f.sheet, f.column, f.rule, f.value) for f in parsed.findings}
        assert keys == {(c.sheet, c.column, "parse.int", c.value)}, keys
        rows = {f.row for f in parsed.findings}
        assert c.row in rows
        assert len(rows) > q.max_share * len(parsed.sheets[c.sheet].frame)


# ----------------------------------------------------------------------------- data quality (issue 4)


def test_every_landed_file_gets_one_submission_row(
    messy: Landing, messy_warehouse: Warehouse
) -> None:
    assert set(messy_warehouse.submissions) == {s.file for s in messy.manifest.submissions}


def test_dq_issues_of_accepted_files_are_exactly_the_planted_findings(
    messy: Landing, messy_warehouse: Warehouse
) -> None:
    """Parse findings, suite and context checks and the flow together: every planted error and
    warning reported where it was planted, with its rule and severity, and nothing else (no
    unplanted finding: the clean data satisfies every rule, history checks of the second month
    included)."""
    found: set[Key] = set()
    expected: set[Key] = set()
    for sub in regular(messy.manifest):
        issues = messy_warehouse.issues.get(sub.file, [])
        keys = [issue_key(sub.file, i) for i in issues]
        assert len(keys) == len(set(keys)), (sub.file, "a finding reported twice")
        found |= set(keys)
        for c in finding_cases(messy.manifest, sub.file):
            expected |= expected_keys(c)
    assert found == expected, {"unplanted": found - expected, "missed": expected - found}
    assert {k[5] for k in expected} == {"error", "warning"}


def test_refused_files_are_rejected_for_the_planted_reason(
    messy: Landing, messy_warehouse: Warehouse
) -> None:
    q = config.program().quarantine
    for file, c in refused_files(messy.manifest).items():
        sub = messy_warehouse.submissions[file]
        rule = rule_of(c)
        assert (sub["status"], sub["refused_rule"]) == ("rejected", rule), (file, c.case)
        assert sub["rows_loaded"] == 0
        issues = messy_warehouse.issues[file]
        assert (issues[0]["rule"], issues[0]["severity"]) == (rule, "fatal"), (file, issues[0])
        fatal = [i for i in issues if i["severity"] == "fatal"]
        assert {i["rule"] for i in fatal} == {rule}, (file, fatal)
        assert file not in messy_warehouse.repairs
        if c.case == "refuse.county_repeated":  # both copies of the county row are named
            assert {i["row_number"] for i in fatal} == {c.row, *c.related_rows}
            assert {i["value"] for i in fatal} == {c.value}
        elif c.case == "refuse.county_missing":
            assert [i["value"] for i in fatal] == [c.value]
        rest = [i for i in issues if i["severity"] != "fatal"]
        if c.case == "refuse.quarantine_threshold":
            # The bad rows are listed back to the office; their share is why the file is refused.
            assert {(i["sheet"], i["column_name"], i["rule"]) for i in rest} == {
                (c.sheet, c.column, "parse.int")
            }
            assert c.row in {i["row_number"] for i in rest}
            assert sub["rows_quarantined"] == len(rest) == int(fatal[0]["value"])
            assert len(rest) > q.max_share * _rows(messy.manifest, file, c.sheet)
        else:
            assert rest == [], (file, rest[:3])


def test_files_with_row_errors_quarantine_exactly_the_planted_rows(
    messy: Landing, messy_warehouse: Warehouse
) -> None:
    late = {c.file for c in messy.manifest.cases if c.case == LATE}
    for sub in regular(messy.manifest):
        row = messy_warehouse.submissions[sub.file]
        rows = planted_rows(messy.manifest, sub.file)
        warnings = [c for c in finding_cases(messy.manifest, sub.file) if c.expected == "warning"]
        status = "accepted_with_errors" if rows else "accepted"
        assert row["status"] == status, (sub.file, row["status"])
        assert row["refused_rule"] is None
        assert row["rows_quarantined"] == len(rows), (sub.file, sorted(rows))
        assert row["rows_loaded"] == sum(sub.rows.values()) - len(rows), sub.file
        assert row["warnings"] == len(warnings), sub.file
        assert sub.late is (sub.file in late), sub.file  # the manifest agrees with itself
        assert bool(row["on_time"]) is not sub.late, sub.file
    assert any(planted_rows(messy.manifest, s.file) for s in regular(messy.manifest))


def test_repair_counts_are_published_for_the_office(
    messy: Landing, messy_warehouse: Warehouse
) -> None:
    for sub in regular(messy.manifest):
        found = messy_warehouse.repairs.get(sub.file, Counter())
        assert_repairs(found, messy.manifest, sub)
        assert messy_warehouse.submissions[sub.file]["repairs"] == sum(found.values())


def test_clean_months_load_whole_with_no_issue(
    cleans: dict[str, Landing], clean_warehouse: Warehouse
) -> None:
    manifest = cleans["auto"].manifest
    assert set(clean_warehouse.submissions) == {s.file for s in manifest.submissions}
    assert clean_warehouse.repairs == {}
    for sub in manifest.submissions:
        row = clean_warehouse.submissions[sub.file]
        assert row["status"] == "accepted", sub.file
        assert row["rows_loaded"] == sum(sub.rows.values())
        assert (row["rows_quarantined"], row["repairs"]) == (0, 0)
        assert bool(row["on_time"]) is not sub.late
        # The only issue a clean file can have: it arrived late.
        rules = [i["rule"] for i in clean_warehouse.issues.get(sub.file, [])]
        assert rules == (["submission.late"] if sub.late else []), sub.file
        assert row["warnings"] == len(rules)


def _rows(manifest: Manifest, file: str, sheet: str) -> int:
    return next(s.rows[sheet] for s in manifest.submissions if s.file == file)
