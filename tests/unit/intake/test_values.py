"""Value parsers: every "repair silently" case of the contract is repaired and counted, every
unreadable value is a row error with its rule, the office's row number and the Chinese message."""

from __future__ import annotations

import datetime as dt
import time
from collections import Counter
from typing import Any

import numpy as np
import pandas as pd
import pytest

from techaid import config
from techaid.config import ColumnSpec, SheetSpec
from techaid.findings import Finding
from techaid.intake.model import RawSheet
from techaid.intake.normalize import normalize_sheet
from techaid.intake.values import ColumnResult, parse_column, parse_period_value


def column(sheet: str, name: str) -> ColumnSpec:
    schema = config.schema()
    spec = schema.sheets.get(sheet) or schema.register_sheets[sheet]
    return spec.columns[name]


def parse(sheet: str, name: str, cells: list[Any]) -> ColumnResult:
    return parse_column(pd.Series(cells, dtype=object), column(sheet, name))


def one(sheet: str, name: str, cell: Any) -> tuple[Any, Counter[str]]:
    """The parsed value of a single cell and the repairs counted for it (no errors allowed)."""
    result = parse(sheet, name, [cell])
    assert result.errors == []
    value = result.values.iloc[0]
    return (None if value is pd.NA else value), result.repairs


def sheet_errors(sheet: str, name: str, cells: list[Any]) -> list[Finding]:
    """Findings for one column put in a sheet as an office would: header on row 1, data below."""
    col = column(sheet, name)
    spec = SheetSpec(name=sheet, zh="x", key=[name], columns={name: col})
    grid = pd.DataFrame([[col.zh]] + [[c] for c in cells], dtype=object)
    _, findings, _ = normalize_sheet(RawSheet(sheet, grid), spec)
    return findings


# ---------------------------------------------------------------- codes


@pytest.mark.parametrize(
    ("cell", "kind"),
    [
        (340422101201.0, "code_number"),  # a number cell (what Excel stores)
        (340422101201, "code_number"),  # an int from the reader
        (np.int64(340422101201), "code_number"),  # parquet/numpy ints
        ("340422101201.0", "code_number"),  # a number exported as text
        ("3.40422101201E+11", "code_number"),  # scientific notation, as Excel shows it
        ("3404 2210 1201", "code_space"),
        ("３４０４２２１０１２０１", "fullwidth"),
        ("'340422101201", "text_prefix"),
    ],
)
def test_village_code_repaired(cell: Any, kind: str) -> None:
    value, repairs = one("villages", "village_code", cell)
    assert value == "340422101201"
    assert repairs == Counter({kind: 1})


def test_clean_code_is_not_a_repair() -> None:
    assert one("villages", "village_code", "340422101201") == ("340422101201", Counter())


def test_code_with_surrounding_white_space_is_trimmed_and_counted() -> None:
    value, repairs = one("townships", "township_code", "\u3000340422101 ")
    assert value == "340422101"
    assert repairs == Counter({"whitespace": 1})


@pytest.mark.parametrize("cell", ["340422", "340422101", "340422101201", 340422101.0])
def test_location_code_accepts_any_level(cell: Any) -> None:
    value, _ = one("organizations", "location_code", cell)
    assert value == str(int(float(cell)))


def test_code_of_wrong_length_is_a_row_error() -> None:
    [f] = sheet_errors("villages", "village_code", ["34042210120"])
    assert (f.rule, f.row, f.column, f.value) == ("parse.code", 2, "village_code", "34042210120")
    assert f.message == "第2行 村代码 34042210120 长度应为12位"


def test_code_of_any_level_names_the_allowed_lengths() -> None:
    [f] = sheet_errors("organizations", "location_code", ["1234567"])
    assert f.message == "第2行 所在地代码 1234567 长度应为6、9或12位"


def test_code_with_letters_and_a_decimal_number_are_row_errors() -> None:
    found = sheet_errors("counties", "county_code", ["34O422", 340422.5])
    assert [(f.rule, f.row, f.value) for f in found] == [
        ("parse.code", 2, "34O422"),
        ("parse.code", 3, "340422.5"),
    ]
    assert found[1].message == "第3行 县代码 340422.5 长度应为6位"


def test_required_cell_empty_is_a_row_error() -> None:
    code, name = column("villages", "village_code"), column("villages", "village_name")
    spec = SheetSpec(
        name="villages", zh="村", key=["village_code"], columns={c.name: c for c in (code, name)}
    )
    grid = pd.DataFrame(
        [["村代码", "村名称"], ["340422101201", "甲村"], ["  ", "乙村"], [None, "丙村"]],
        dtype=object,
    )
    _, found, _ = normalize_sheet(RawSheet("村", grid), spec)
    assert [(f.rule, f.row, f.column) for f in found] == [
        ("parse.required", 3, "village_code"),
        ("parse.required", 4, "village_code"),
    ]
    assert found[0].message == "第3行 村代码 不能为空"


# ---------------------------------------------------------------- household ids


def test_household_id_as_text_is_kept() -> None:
    assert one("households", "household_id", "341521199001010001") == (
        "341521199001010001",
        Counter(),
    )


@pytest.mark.parametrize("digits", ["3415211990010100", "3415211990010100011"])
def test_household_id_of_16_to_19_digits(digits: str) -> None:
    assert one("households", "household_id", digits)[0] == digits


def test_household_id_fullwidth_digits_are_repaired() -> None:
    value, repairs = one("households", "household_id", "３４１５２１１９９００１０１０００１")
    assert value == "341521199001010001"
    assert repairs == Counter({"fullwidth": 1})


@pytest.mark.parametrize(
    "cell",
    [
        3.41521199001010e17,  # a float cell: digits past the 15th already lost
        341521199001010001,  # an int cell: Excel stores every number as a float
        "3.41521E+17",  # scientific notation as text (CSV saved from Excel)
        "341521199001010001.0",  # a number exported as text
    ],
)
def test_household_id_stored_as_number_is_a_row_error_never_repaired(cell: Any) -> None:
    result = parse("households", "household_id", [cell])
    assert result.values.iloc[0] is None
    assert [e.rule for e in result.errors] == ["parse.household_id_number"]
    [f] = sheet_errors("households", "household_id", [cell])
    assert (f.rule, f.row, f.column) == ("parse.household_id_number", 2, "household_id")
    assert f.message.startswith("第2行 户编号 ")
    assert f.message.endswith(
        " 被 Excel 存成了数字（可能已丢失位数），请把该列设为文本格式后重新填写"
    )
    assert str(cell)[-4:] in f.message  # personal data: only the last 4 characters shown
    assert str(cell) not in f.message


def test_household_id_of_wrong_length_is_a_row_error() -> None:
    [f] = sheet_errors("households", "household_id", ["12345678"])
    assert (f.rule, f.row) == ("parse.household_id", 2)
    assert f.message == "第2行 户编号 ****5678 应为16至19位数字"


# ---------------------------------------------------------------- ids and text


@pytest.mark.parametrize(
    ("cell", "expected", "kind"),
    [
        (12345.0, "12345", "id_number"),
        ("12345.0", "12345", "id_number"),
        ("ＥＸ００１", "EX001", "fullwidth"),
        (" EX001 ", "EX001", "whitespace"),
    ],
)
def test_expert_id_repaired(cell: Any, expected: str, kind: str) -> None:
    value, repairs = one("experts", "expert_id", cell)
    assert value == expected
    assert repairs == Counter({kind: 1})


def test_phone_stored_as_number_is_repaired() -> None:
    value, repairs = one("experts", "phone", 13912345678)
    assert value == "13912345678"
    assert repairs == Counter({"id_number": 1})


def test_text_is_trimmed_but_full_width_kept() -> None:
    result = parse("villages", "village_name", [" 甲村\u3000", "Ａ村", None])
    assert list(result.values) == ["甲村", "Ａ村", None]
    assert result.repairs == Counter({"whitespace": 1})


# ---------------------------------------------------------------- numbers


@pytest.mark.parametrize(
    ("cell", "expected", "repairs"),
    [
        ("12", 12, {}),
        (12, 12, {}),
        (12.0, 12, {}),  # a number cell holding a whole number is the number
        ("１２", 12, {"fullwidth": 1}),
        ("1,234", 1234, {"thousands_separator": 1}),
        ("1,234,567", 1234567, {"thousands_separator": 1}),
        ("１，２３４", 1234, {"fullwidth": 1, "thousands_separator": 1}),
        (" 7 ", 7, {"whitespace": 1}),
        ("12.0", 12, {"int_decimal": 1}),
    ],
)
def test_int_repaired(cell: Any, expected: int, repairs: dict[str, int]) -> None:
    value, counted = one("villages", "associations", cell)
    assert value == expected
    assert counted == Counter(repairs)


@pytest.mark.parametrize("cell", ["abc", "12.5", 12.5, "1,23", "3个", True])
def test_int_unreadable_is_a_row_error(cell: Any) -> None:
    [f] = sheet_errors("villages", "associations", [cell])
    assert (f.rule, f.row, f.column) == ("parse.int", 2, "associations")
    assert f.message == f"第2行 农技协数 {cell} 不是整数"


def test_int_values_are_int64() -> None:
    result = parse("villages", "associations", ["1", 2, None])
    assert str(result.values.dtype) == "Int64"
    assert result.values.tolist() == [1, 2, pd.NA]


@pytest.mark.parametrize(
    ("cell", "expected", "repairs"),
    [
        ("12.5", 12.5, {}),
        (12.5, 12.5, {}),
        ("1,234.5", 1234.5, {"thousands_separator": 1}),
        ("１２.５", 12.5, {"fullwidth": 1}),
    ],
)
def test_decimal_repaired(cell: Any, expected: float, repairs: dict[str, int]) -> None:
    value, counted = one("counties", "pairing_funds", cell)
    assert value == expected
    assert counted == Counter(repairs)


@pytest.mark.parametrize("cell", ["abc", "12.5万", "inf", "nan"])
def test_decimal_unreadable_is_a_row_error(cell: str) -> None:
    [f] = sheet_errors("counties", "pairing_funds", [cell])
    assert (f.rule, f.row) == ("parse.decimal", 2)
    assert f.message == f"第2行 结对帮扶资金（万元） {cell} 不是数字"


# ---------------------------------------------------------------- booleans


@pytest.mark.parametrize(
    ("cell", "expected", "repaired"),
    [
        ("是", True, False),
        ("否", False, False),
        (True, True, False),  # a real Excel TRUE
        ("有", True, True),
        ("无", False, True),
        ("Y", True, True),
        ("N", False, True),
        ("yes", True, True),
        ("No", False, True),
        ("true", True, True),
        ("FALSE", False, True),
        ("1", True, True),
        ("0", False, True),
        (1, True, True),
        (0.0, False, True),
        ("√", True, True),
        ("×", False, True),
        ("ｙ", True, True),
    ],
)
def test_bool_spellings(cell: Any, expected: bool, repaired: bool) -> None:
    value, repairs = one("villages", "e_station", cell)
    assert value is expected or value == expected
    assert repairs.get("bool_text", 0) == int(repaired)


def test_bool_column_of_real_booleans() -> None:
    """A Parquet/Excel column of True/False (no text at all) is read as it is, no repair."""
    result = parse("villages", "e_station", [True, False, np.True_, None])
    assert result.values.tolist() == [True, False, True, False]
    assert result.repairs == Counter({"blank_bool": 1})


@pytest.mark.parametrize("cell", [None, "", "  "])
def test_blank_bool_is_no_and_counted(cell: Any) -> None:
    value, repairs = one("villages", "e_station", cell)
    assert value is False or value == False  # noqa: E712 - numpy/pandas booleans
    assert repairs["blank_bool"] == 1


@pytest.mark.parametrize("cell", ["maybe", "2", 2, "是的"])
def test_bool_unreadable_is_a_row_error(cell: Any) -> None:
    [f] = sheet_errors("villages", "one_product", [cell])
    assert (f.rule, f.row) == ("parse.bool", 2)
    assert f.message == f"第2行 适合一村一品 {cell} 应填 是 或 否"


# ---------------------------------------------------------------- dates


JUNE_5 = dt.date(2018, 6, 5)


@pytest.mark.parametrize(
    ("cell", "kind"),
    [
        ("2018-06-05", None),
        (dt.datetime(2018, 6, 5), None),  # a real Excel date cell
        (dt.date(2018, 6, 5), None),
        (pd.Timestamp("2018-06-05"), None),
        ("2018/6/5", "date_format"),
        ("2018-6-5", "date_format"),
        ("2018年6月5日", "date_format"),
        ("20180605", "date_format"),
        (20180605, "date_format"),
        ("2018.6.5", "date_format"),
        ("2018-06-05 00:00:00", "date_format"),
        ("２０１８－０６－０５", "fullwidth"),
        (43256, "excel_serial_date"),
        (43256.0, "excel_serial_date"),
        ("43256", "excel_serial_date"),
    ],
)
def test_date_spellings(cell: Any, kind: str | None) -> None:
    value, repairs = one("experts", "registered_on", cell)
    assert value == JUNE_5
    assert type(value) is dt.date
    assert repairs == (Counter({kind: 1}) if kind else Counter())


def test_empty_date_is_none_without_error() -> None:
    assert one("experts", "registered_on", None) == (None, Counter())


@pytest.mark.parametrize(
    "cell", ["2018-02-30", "2018-13-01", "next week", "2018-06", True, 2018, "2018", 201806]
)
def test_date_unreadable_is_a_row_error(cell: Any) -> None:
    [f] = sheet_errors("experts", "registered_on", [cell])
    assert (f.rule, f.row) == ("parse.date", 2)
    assert f.message == f"第2行 备案日期 {cell} 不是有效日期，应填如 2018-06-05"


# ---------------------------------------------------------------- enumerations and lists


@pytest.mark.parametrize(
    ("cell", "expected", "repairs"),
    [
        ("society", "society", {}),
        ("学会", "society", {}),
        (" 农技推广机构 ", "extension", {"whitespace": 1}),
        ("Society", "society", {"enum_case": 1}),
    ],
)
def test_enum_label_or_canonical(cell: str, expected: str, repairs: dict[str, int]) -> None:
    value, counted = one("experts", "source", cell)
    assert value == expected
    assert counted == Counter(repairs)


def test_enum_unknown_is_a_row_error_naming_the_choices() -> None:
    [f] = sheet_errors("agreements", "status", ["进行中"])
    assert (f.rule, f.row) == ("parse.enum", 2)
    assert f.message == (
        "第2行 状态 进行中 不是可选值，应为：执行中（active）、已完成（completed）、已终止（terminated）"
    )


@pytest.mark.parametrize(
    ("cell", "repaired"),
    [
        ("E1;E2;E3", False),
        ("E1；E2；E3", True),
        ("E1,E2,E3", True),
        ("E1，E2，E3", True),
        ("E1、E2、E3", True),
        ("E1; E2 ;E3;", True),
    ],
)
def test_expert_ids_separators(cell: str, repaired: bool) -> None:
    value, repairs = one("activities", "expert_ids", cell)
    assert value == "E1;E2;E3"
    assert repairs == (Counter({"id_list_separator": 1}) if repaired else Counter())


def test_single_expert_id_stored_as_number() -> None:
    assert one("activities", "expert_ids", 1001.0) == ("1001", Counter({"id_number": 1}))


# ---------------------------------------------------------------- periods (meta)


@pytest.mark.parametrize(
    ("cell", "kind"),
    [
        ("2018-06", None),
        ("2018/6", "meta_period_format"),
        ("2018年6月", "meta_period_format"),
        ("201806", "meta_period_format"),
        (dt.datetime(2018, 6, 1), "meta_period_date"),
        (43252, "meta_period_date"),  # 2018-06-01 as an Excel serial
        ("2018-06-01", "meta_period_date"),
    ],
)
def test_period_spellings(cell: Any, kind: str | None) -> None:
    assert parse_period_value(cell) == ("2018-06", kind)


@pytest.mark.parametrize("cell", [None, "", "2018-13", "June", True])
def test_period_unreadable(cell: Any) -> None:
    assert parse_period_value(cell) == (None, None)


# ---------------------------------------------------------------- whole columns, fast


def test_large_households_column_is_vectorized() -> None:
    """~200k rows with a sprinkling of messy values: correct values, errors and counts."""
    n = 200_000
    rng = np.random.default_rng(7)
    ids = (341521000000000000 + np.arange(n)).astype(str).astype(object)
    ids[10] = 3.41521e17
    ids[20] = " " + "341521000000000020".translate({c: c + 0xFEE0 for c in range(0x30, 0x3A)}) + " "
    techniques = rng.integers(0, 20, n).astype(object)
    techniques[30] = "1,234"
    techniques[40] = "many"
    started = time.perf_counter()
    hid = parse_column(pd.Series(ids), column("households", "household_id"))
    tech = parse_column(pd.Series(techniques), column("households", "techniques"))
    print(f"\n200k households parsed in {time.perf_counter() - started:.2f}s")
    assert hid.values.iloc[0] == "341521000000000000"
    assert hid.values.iloc[20] == "341521000000000020"
    assert [(e.position, e.rule) for e in hid.errors] == [(10, "parse.household_id_number")]
    assert hid.repairs == Counter({"fullwidth": 1, "whitespace": 1})
    assert tech.values.iloc[30] == 1234
    assert [(e.position, e.rule) for e in tech.errors] == [(40, "parse.int")]
    assert int(tech.values.notna().sum()) == n - 1
    assert tech.repairs == Counter({"thousands_separator": 1})
