"""The blank template: written from sheets.yaml (Chinese sheets and headers, every column), codes
as text, dropdowns and number/date validation, the city's counties pre-filled; and a template
filled in correctly goes through intake with no finding and no repair beyond Chinese names."""

from __future__ import annotations

import datetime as dt
from collections import Counter
from pathlib import Path
from typing import Any

import openpyxl
import pytest
from openpyxl.worksheet.datavalidation import DataValidation
from openpyxl.worksheet.worksheet import Worksheet

from techaid import config
from techaid.documents import template as template_module
from techaid.documents.template import (
    DATE_FORMAT,
    INSTRUCTIONS,
    TEXT_FORMAT,
    build_template,
    counties_of,
    default_counties_period,
    main,
    write_template,
)
from techaid.intake.discover import discover, landing_fs
from techaid.intake.normalize import header_key
from techaid.intake.submission import read_submission
from techaid_dev.synthetic import generate

CITY, PERIOD = "341600", "2018-06"
TEXT_TYPES = {"code6", "code9", "code12", "code", "id", "household_id", "id_list", "text"}
# A correctly filled template needs no repair (Chinese headers and choices are translations).
ALLOWED_REPAIRS: set[str] = set()


def reloaded(tmp_path: Path, city: str = CITY, period: str | None = PERIOD) -> openpyxl.Workbook:
    """The template as Excel would open it: saved, then read back."""
    return openpyxl.load_workbook(write_template(tmp_path / "t.xlsx", city, period))


@pytest.fixture(scope="module")
def template(tmp_path_factory: pytest.TempPathFactory) -> openpyxl.Workbook:
    return reloaded(tmp_path_factory.mktemp("template"))


def column_of(ws: Worksheet, sheet: str, column: str) -> str:
    """The letter of a schema column in a template sheet (schema order)."""
    index = list(config.schema().sheet(sheet).columns).index(column)
    return openpyxl.utils.get_column_letter(index + 1)


def validation_of(ws: Worksheet, letter: str) -> DataValidation:
    """The data validation covering the column's data rows."""
    for dv in ws.data_validations.dataValidation:
        if f"{letter}2" in dv.sqref and f"{letter}100000" in dv.sqref:
            return dv
    raise AssertionError(f"no validation on column {letter} of {ws.title}")


# ---------------------------------------------------------------- the shape


def test_sheets_are_the_schemas_in_chinese_after_the_instructions(template) -> None:
    schema = config.schema()
    expected = [INSTRUCTIONS, schema.meta.zh, *(s.zh for s in schema.sheets.values())]
    assert template.sheetnames == expected
    assert template.active.title == INSTRUCTIONS


@pytest.mark.parametrize("sheet", list(config.schema().sheets))
def test_headers_are_every_column_in_chinese_required_marked(template, sheet: str) -> None:
    spec = config.schema().sheet(sheet)
    ws = template[spec.zh]
    headers = [c.value for c in ws[1]]
    assert [header_key(h) for h in headers] == [header_key(c.zh) for c in spec.column_list()]
    for header, col in zip(headers, spec.column_list(), strict=True):
        assert header.rstrip("*") == col.zh
        if col.required:
            assert header.endswith("*"), f"{sheet}.{col.name} is required but not marked"
        assert ws[f"{column_of(ws, sheet, col.name)}1"].comment is not None
    assert ws.freeze_panes == "A2"


def test_header_comment_explains_the_column(template) -> None:
    text = template["贫困户"]["B1"].comment.text
    assert "techniques" in text
    assert "整数" in text
    assert "0～20" in text


def test_meta_has_its_keys_in_column_a_and_the_city_and_period(template) -> None:
    ws = template[config.schema().meta.zh]
    rows = {header_key(r[0]): r[1] for r in ws.iter_rows(min_row=2, values_only=True)}
    keys = config.schema().meta.keys
    assert set(rows) == {header_key(k.zh) for k in keys.values()}
    assert rows[header_key(keys["city_code"].zh)] == CITY
    assert rows[header_key(keys["period"].zh)] == PERIOD


def test_without_period_the_period_cell_is_left_for_the_office(tmp_path) -> None:
    ws = reloaded(tmp_path, period=None)[config.schema().meta.zh]
    period_zh = header_key(config.schema().meta.keys["period"].zh)
    row = next(r for r in ws.iter_rows(min_row=2) if header_key(r[0].value) == period_zh)
    assert row[1].value is None
    assert row[1].number_format == TEXT_FORMAT


def test_code_and_id_columns_are_text_so_excel_keeps_every_digit(template) -> None:
    for name, spec in config.schema().sheets.items():
        ws = template[spec.zh]
        for col in spec.column_list():
            fmt = ws.column_dimensions[column_of(ws, name, col.name)].number_format
            if col.type in TEXT_TYPES:
                assert fmt == TEXT_FORMAT, f"{name}.{col.name}"
            if col.type == "date":
                assert fmt == DATE_FORMAT, f"{name}.{col.name}"


def test_enumerations_are_dropdowns_of_chinese_labels(template) -> None:
    ws = template["专家名册"]
    dv = validation_of(ws, column_of(ws, "experts", "source"))
    labels = config.schema().enums["expert_source"].values()
    assert dv.type == "list"
    assert dv.formula1 == '"' + ",".join(labels) + '"'


def test_booleans_are_yes_no_dropdowns(template) -> None:
    ws = template["村"]
    dv = validation_of(ws, column_of(ws, "villages", "e_station"))
    assert (dv.type, dv.formula1) == ("list", '"是,否"')


def test_whole_numbers_have_their_ranges(template) -> None:
    ws = template["贫困户"]
    dv = validation_of(ws, column_of(ws, "households", "techniques"))
    assert (dv.type, dv.operator, dv.formula1, dv.formula2) == ("whole", "between", "0", "20")
    ws = template["县级指标"]
    dv = validation_of(ws, column_of(ws, "counties", "expert_stations"))
    assert (dv.type, dv.operator, dv.formula1) == ("whole", "greaterThanOrEqual", "0")
    dv = validation_of(ws, column_of(ws, "counties", "pairing_funds"))
    assert (dv.type, dv.formula1) == ("decimal", "0")


def test_dates_are_validated_and_activities_kept_in_the_month(template) -> None:
    ws = template["帮扶活动"]
    dv = validation_of(ws, column_of(ws, "activities", "held_on"))
    assert (dv.type, dv.formula1, dv.formula2) == ("date", "DATE(2018,6,1)", "DATE(2018,6,30)")
    ws = template["帮扶协议"]
    assert validation_of(ws, column_of(ws, "agreements", "start_on")).type == "date"


def test_a_list_too_long_for_excel_goes_on_a_hidden_sheet(monkeypatch) -> None:
    monkeypatch.setattr(template_module, "INLINE_LIST_MAX", 10)
    wb = build_template(CITY, PERIOD)
    choices = wb[template_module.CHOICES_SHEET]
    assert choices.sheet_state == "hidden"
    ws = wb["专家名册"]
    dv = validation_of(ws, column_of(ws, "experts", "source"))
    assert dv.type == "list"
    assert template_module.CHOICES_SHEET in dv.formula1
    column = dv.formula1.split("!")[1].split(":")[0].replace("$", "").rstrip("0123456789")
    labels = [c.value for c in choices[column] if c.value is not None]
    assert labels == list(config.schema().enums["expert_source"].values())


def test_household_ids_must_have_16_to_19_characters(template) -> None:
    ws = template["贫困户"]
    dv = validation_of(ws, "A")
    assert (dv.type, dv.formula1, dv.formula2) == ("textLength", "16", "19")


# ---------------------------------------------------------------- counties


def prefilled(wb: openpyxl.Workbook) -> list[str]:
    return [c.value for c in wb["县级指标"]["A"][1:] if c.value is not None]


def test_counties_of_the_city_are_prefilled_as_text_with_names(template) -> None:
    expected = sorted(u.code for u in config.hierarchy().counties_of(CITY, PERIOD))
    assert prefilled(template) == expected
    assert len(expected) == 4
    first = template["县级指标"]["A2"]
    assert first.number_format == TEXT_FORMAT
    assert config.hierarchy().name(first.value) in first.comment.text


@pytest.mark.parametrize(("period", "code"), [("2018-07", "340824"), ("2018-08", "340882")])
def test_counties_follow_the_dated_hierarchy(tmp_path, period: str, code: str) -> None:
    codes = prefilled(reloaded(tmp_path, "340800", period))
    other = ({"340824", "340882"} - {code}).pop()
    assert code in codes
    assert other not in codes


def test_without_period_counties_are_the_latest_programme_months() -> None:
    assert default_counties_period(dt.datetime(2030, 1, 1, tzinfo=dt.UTC)) == "2020-12"
    assert default_counties_period(dt.datetime(2018, 8, 31, 17, tzinfo=dt.UTC)) == "2018-08"
    assert counties_of("340800", "2020-12")[-1].code == "340882"


# ---------------------------------------------------------------- command line and arguments


def test_command_line_writes_the_template(tmp_path, capsys) -> None:
    out = tmp_path / "out" / "341600_2018-06.xlsx"
    assert main(["--city", CITY, "--period", PERIOD, "--out", str(out)]) == 0
    assert out.exists()
    assert str(out) in capsys.readouterr().out


@pytest.mark.parametrize(
    "args",
    [
        ["--city", "999999"],
        ["--city", CITY, "--period", "2018-6"],
        ["--city", CITY, "--period", "2016-12"],
    ],
)
def test_command_line_refuses_bad_arguments(tmp_path, args: list[str]) -> None:
    with pytest.raises(SystemExit):
        main([*args, "--out", str(tmp_path / "x.xlsx")])


def test_build_refuses_an_unknown_city() -> None:
    with pytest.raises(ValueError, match="not a city"):
        build_template("999999")


# ---------------------------------------------------------------- round trip through intake


@pytest.fixture(scope="module")
def generated(tmp_path_factory: pytest.TempPathFactory):
    """A month of synthetic data for the city, as an office would have filled it."""
    landing = tmp_path_factory.mktemp("generated")
    generate(landing, PERIOD, PERIOD, scale=0.01, cities=[CITY], fmt="xlsx")
    return landing


def parse_only(root: Path):
    files = [f for f in discover(str(root)) if f.kind == "submission"]
    assert len(files) == 1, files
    assert files[0].refusal is None, files
    fs, _ = landing_fs(str(root))
    return read_submission(fs, files[0])


def sheet_rows(wb: openpyxl.Workbook, sheet: str) -> list[dict[str, Any]]:
    """A generated sheet's rows keyed by canonical column (its headers are Chinese)."""
    spec = config.schema().sheet(sheet)
    by_zh = {header_key(c.zh): n for n, c in spec.columns.items()}
    rows = list(wb[spec.zh].iter_rows(values_only=True))
    names = [by_zh[header_key(h)] for h in rows[0]]
    return [dict(zip(names, r, strict=True)) for r in rows[1:] if any(v is not None for v in r)]


def as_typed(value: Any) -> Any:
    """A value as an office types it: yes/no as 是/否, dates as dates, codes already text."""
    if isinstance(value, bool):
        return "是" if value else "否"
    if isinstance(value, dt.datetime):
        return value.date()
    return value


def fill(ws: Worksheet, sheet: str, rows: list[dict[str, Any]]) -> None:
    """Write rows below the header; the counties go on the row pre-filled with their code."""
    spec = config.schema().sheet(sheet)
    order = list(spec.columns)
    prefilled_rows = {c.value: c.row for c in ws["A"][1:] if c.value is not None}
    next_row = max(prefilled_rows.values(), default=1) + 1
    for values in rows:
        row = prefilled_rows.get(values.get(order[0])) if sheet == "counties" else None
        if row is None:
            row, next_row = next_row, next_row + 1
        for name, value in values.items():
            cell = ws.cell(row, order.index(name) + 1, as_typed(value))
            if spec.columns[name].type == "date" and value is not None:
                cell.number_format = DATE_FORMAT
            elif isinstance(value, str):
                cell.number_format = TEXT_FORMAT


def set_meta(wb: openpyxl.Workbook, **values: Any) -> None:
    """Fill meta values in column B of the rows whose column A names the key."""
    keys = config.schema().meta.keys
    for row in wb[config.schema().meta.zh].iter_rows(min_row=2):
        for name, value in values.items():
            if header_key(row[0].value) == header_key(keys[name].zh):
                row[1].value = value


def comparable(frame, sheet: str):
    """A parsed sheet without row numbers, in key order (the template orders counties by code)."""
    key = config.schema().sheet(sheet).key
    return frame.drop(columns="row_number").sort_values(key).reset_index(drop=True)


def test_a_filled_template_needs_no_repair(generated: Path, tmp_path: Path) -> None:
    source_path = next((generated / "submissions").rglob(f"{CITY}_{PERIOD}.xlsx"))
    source = openpyxl.load_workbook(source_path)
    wb = build_template(CITY, PERIOD)
    assert {r["county_code"] for r in sheet_rows(source, "counties")} == set(prefilled(wb))
    for sheet, spec in config.schema().sheets.items():
        if spec.zh in source.sheetnames:
            fill(wb[spec.zh], sheet, sheet_rows(source, sheet))
    set_meta(
        wb, prepared_by="张三", contact_email="kx@example.com", prepared_on=dt.date(2018, 7, 2)
    )
    landing = tmp_path / "landing"
    out = landing / "submissions" / "bozhou" / f"{CITY}_{PERIOD}.xlsx"
    out.parent.mkdir(parents=True)
    wb.save(out)

    parsed = parse_only(landing)
    assert parsed.findings == []
    kinds = Counter(kind for (_, _, kind) in parsed.repairs)
    assert set(kinds) <= ALLOWED_REPAIRS, kinds
    assert parsed.meta == {
        "city_code": CITY,
        "period": PERIOD,
        "prepared_by": "张三",
        "contact_email": "kx@example.com",
        "prepared_on": dt.date(2018, 7, 2),
    }

    # The same data as the generated file: nothing lost or altered on the way.
    original = parse_only(generated)
    for sheet, frame in original.sheets.items():
        assert comparable(parsed.sheets[sheet].frame, sheet).equals(
            comparable(frame.frame, sheet)
        ), sheet
    assert len(parsed.sheets["households"].frame) > 100
    # The last generated month of a year carries its evaluations: the optional sheet round-trips too.
    assert not parsed.sheets["evaluations"].frame.empty
