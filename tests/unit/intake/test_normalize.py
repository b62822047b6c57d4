"""Sheet normalization: the header is found (English or Chinese, below title rows), columns are
mapped or refused, blank and total rows dropped, row numbers stay the office's own; meta read."""

from __future__ import annotations

import datetime as dt
from collections import Counter
from typing import Any

import pandas as pd
import pytest

from techaid import config
from techaid.findings import FileRefused
from techaid.intake.model import RawSheet
from techaid.intake.normalize import (
    OPTIONAL_COLUMNS,
    match_header,
    normalize_sheet,
    parse_meta,
    required_columns,
)

VILLAGES_ZH = [
    "村代码",
    "村名称",
    "适合一村一品",
    "农技协数",
    "新型农业经营主体数",
    "特色品牌",
    "科普中国乡村e站",
    "科技服务已覆盖",
]
VILLAGES_EN = list(config.schema().sheet("villages").columns)


def village(code: str = "340422101201", associations: Any = 2) -> list[Any]:
    return [code, "甲村", "是", associations, 1, None, "否", "是"]


def grid(rows: list[list[Any]]) -> pd.DataFrame:
    return pd.DataFrame(rows, dtype=object)


def villages(rows: list[list[Any]], first_row_number: int = 1):
    return normalize_sheet(RawSheet("村", grid(rows), first_row_number), spec("villages"))


def spec(name: str):
    return config.schema().sheet(name)


# ---------------------------------------------------------------- headers


def test_english_headers_in_schema_order_with_typed_values() -> None:
    parsed, findings, repairs = villages([VILLAGES_EN, village()])
    assert list(parsed.frame.columns) == [*VILLAGES_EN, "row_number"]
    row = parsed.frame.iloc[0]
    assert row["village_code"] == "340422101201"
    assert row["associations"] == 2
    assert bool(row["one_product"]) is True
    assert bool(row["e_station"]) is False
    assert row["brand"] is None
    assert row["row_number"] == 2
    assert str(parsed.frame["associations"].dtype) == "Int64"
    assert str(parsed.frame["e_station"].dtype) == "boolean"
    assert str(parsed.frame["row_number"].dtype) == "int64"
    assert findings == []
    assert repairs == Counter()


def test_chinese_headers_are_mapped_without_counting_a_repair() -> None:
    parsed, findings, repairs = villages([VILLAGES_ZH, village()])
    assert parsed.frame.loc[0, "village_code"] == "340422101201"
    assert findings == []
    assert repairs == Counter()


def test_column_order_is_free() -> None:
    header = list(reversed(VILLAGES_ZH))
    parsed, _, _ = villages([header, list(reversed(village()))])
    assert list(parsed.frame.columns) == [*VILLAGES_EN, "row_number"]
    assert parsed.frame.loc[0, "village_name"] == "甲村"


@pytest.mark.parametrize(
    ("cell", "expected"),
    [
        (" 村代码 ", ("village_code", True)),
        ("村代码*", ("village_code", True)),
        ("村 代 码", ("village_code", True)),
        ("Village_Code", ("village_code", False)),
        ("村代码(village_code)", ("village_code", False)),
        ("村代码\nvillage_code", ("village_code", False)),
        ("ｖｉｌｌａｇｅ＿ｃｏｄｅ", ("village_code", False)),
        ("序号", None),
        (None, None),
    ],
)
def test_header_spellings(cell: Any, expected: tuple[str, bool] | None) -> None:
    names = {"village_code": ("village_code", False), "村代码": ("village_code", True)}
    assert match_header(cell, names) == expected


def test_full_width_parentheses_in_a_header_match() -> None:
    counties = spec("counties")
    header = [c.zh.replace("（", "(").replace("）", ")") for c in counties.columns.values()]
    row = ["340422", *[1] * 10, "12.5"]
    parsed, findings, _ = normalize_sheet(RawSheet("县级指标", grid([header, row])), counties)
    assert findings == []
    assert parsed.frame.loc[0, "pairing_funds"] == 12.5


def test_title_rows_above_the_header_keep_real_row_numbers() -> None:
    rows = [
        ["2018年6月 村级情况表", None, None, None, None, None, None, None],
        ["填报单位：阜阳市科协", None, None, None, None, None, None, None],
        [None] * 8,
        VILLAGES_ZH,
        village("340422101201"),
        village("340422101202", associations="abc"),
    ]
    parsed, findings, repairs = villages(rows)
    assert parsed.frame["row_number"].tolist() == [5, 6]
    [f] = findings
    assert (f.rule, f.row, f.column) == ("parse.int", 6, "associations")
    assert f.message == "第6行 农技协数 abc 不是整数"
    assert repairs[("villages", "", "title_rows")] == 3


def test_first_row_number_offsets_every_row() -> None:
    parsed, _, _ = villages([VILLAGES_EN, village()], first_row_number=11)
    assert parsed.frame["row_number"].tolist() == [12]


def test_header_not_within_the_search_rows_refuses_the_sheet() -> None:
    rows = [["标题"] + [None] * 7] * 10 + [VILLAGES_ZH, village()]
    with pytest.raises(FileRefused) as err:
        villages(rows)
    assert err.value.finding.rule == "file.header_not_found"
    assert err.value.finding.severity == "fatal"
    assert err.value.finding.message == "工作表 村（villages）前 10 行内找不到表头"


def test_empty_sheet_has_no_header() -> None:
    with pytest.raises(FileRefused) as err:
        villages([])
    assert err.value.finding.rule == "file.header_not_found"


def test_header_only_sheet_is_an_empty_frame() -> None:
    activities = spec("activities")
    header = [c.zh for c in activities.columns.values()]
    parsed, findings, _ = normalize_sheet(RawSheet("帮扶活动", grid([header])), activities)
    assert len(parsed.frame) == 0
    assert list(parsed.frame.columns) == [*activities.columns, "row_number"]
    assert findings == []


# ---------------------------------------------------------------- columns


def test_extra_column_is_ignored_with_a_warning() -> None:
    parsed, findings, _ = villages([["序号", *VILLAGES_ZH, "备注"], [1, *village(), "无"]])
    assert "备注" not in parsed.frame.columns
    assert "序号" not in parsed.frame.columns
    assert [(f.rule, f.severity, f.value) for f in findings] == [
        ("sheet.extra_column", "warning", "序号"),
        ("sheet.extra_column", "warning", "备注"),
    ]
    assert findings[1].message == "工作表 村（villages）的列 备注 不在报送格式中，已忽略"


def test_headerless_column_warns_only_when_it_holds_data() -> None:
    _, silent, _ = villages([[*VILLAGES_ZH, None], [*village(), None]])
    assert silent == []
    _, findings, _ = villages([[*VILLAGES_ZH, None], [*village(), "x"]])
    assert [f.value for f in findings] == ["第9列（无表头）"]


def test_repeated_header_keeps_the_first_column_and_warns() -> None:
    parsed, findings, _ = villages([[*VILLAGES_ZH, "村名称"], [*village(), "乙村"]])
    assert parsed.frame.loc[0, "village_name"] == "甲村"
    assert [(f.rule, f.value) for f in findings] == [("sheet.extra_column", "村名称")]


def test_missing_required_column_refuses_the_file() -> None:
    header = [h for h in VILLAGES_ZH if h != "农技协数"]
    row = [v for i, v in enumerate(village()) if i != 3]
    with pytest.raises(FileRefused) as err:
        villages([header, row])
    f = err.value.finding
    assert (f.rule, f.sheet, f.column) == ("file.missing_column", "villages", "associations")
    assert f.message == "工作表 村（villages）缺少列 农技协数（associations）"


def test_missing_bool_column_refuses_too_rather_than_reading_all_no() -> None:
    header = [h for h in VILLAGES_ZH if h != "科普中国乡村e站"]
    row = [v for i, v in enumerate(village()) if i != 6]
    with pytest.raises(FileRefused) as err:
        villages([header, row])
    assert err.value.finding.column == "e_station"


def test_optional_column_may_be_left_out() -> None:
    activities = spec("activities")
    assert "village_code" in OPTIONAL_COLUMNS["activities"]
    assert "village_code" not in required_columns(activities)
    names = [n for n in activities.columns if n != "village_code"]
    row = {
        "activity_id": "A1",
        "kind": "技术培训",
        "held_on": "2018-06-05",
        "county_code": "340422",
        "expert_ids": "E1、E2",
        "participants": "30",
        "poor_households": 5,
    }
    sheet = RawSheet("帮扶活动", grid([names, [row[n] for n in names]]))
    parsed, findings, repairs = normalize_sheet(sheet, activities)
    assert findings == []
    assert parsed.frame.loc[0, "village_code"] is None
    assert parsed.frame.loc[0, "expert_ids"] == "E1;E2"
    assert parsed.frame.loc[0, "held_on"] == dt.date(2018, 6, 5)
    assert parsed.frame.loc[0, "kind"] == "training"
    assert ("activities", "kind", "enum_label") not in repairs
    assert repairs[("activities", "expert_ids", "id_list_separator")] == 1


# ---------------------------------------------------------------- rows


def test_blank_rows_are_dropped_and_row_numbers_kept() -> None:
    rows = [
        VILLAGES_ZH,
        village("340422101201"),
        [None] * 8,
        ["  ", "", None, None, None, None, None, None],
        village("340422101202"),
    ]
    parsed, findings, repairs = villages(rows)
    assert parsed.frame["row_number"].tolist() == [2, 5]
    assert findings == []
    assert ("villages", "e_station", "blank_bool") not in repairs  # blank rows count nothing


@pytest.mark.parametrize("label", ["合计", "总计", "小计", " 合 计 ", "合计："])
def test_trailing_total_row_is_dropped_and_counted(label: str) -> None:
    total = [label, None, None, 4, 2, None, None, None]
    rows = [VILLAGES_ZH, village("340422101201"), village("340422101202"), total, [None] * 8]
    parsed, findings, repairs = villages(rows)
    assert parsed.frame["village_code"].tolist() == ["340422101201", "340422101202"]
    assert findings == []
    assert repairs[("villages", "", "total_row")] == 1


def test_total_label_in_a_leading_extra_column_is_recognized() -> None:
    rows = [["序号", *VILLAGES_ZH], [1, *village()], ["合计", None, None, None, 2, 1] + [None] * 3]
    parsed, findings, repairs = villages(rows)
    assert len(parsed.frame) == 1
    assert [f.rule for f in findings] == ["sheet.extra_column"]
    assert repairs[("villages", "", "total_row")] == 1


def test_total_row_in_the_middle_is_data_and_gets_row_errors() -> None:
    total = ["合计", None, None, 4, 2, None, None, None]
    parsed, findings, repairs = villages([VILLAGES_ZH, total, village()])
    assert parsed.frame["row_number"].tolist() == [2, 3]
    assert [(f.rule, f.row) for f in findings] == [("parse.code", 2)]
    assert ("villages", "", "total_row") not in repairs


def test_row_errors_come_in_row_then_column_order() -> None:
    rows = [VILLAGES_ZH, village("1", associations="x"), village("2", associations="y")]
    _, findings, _ = villages(rows)
    assert [(f.row, f.column) for f in findings] == [
        (2, "village_code"),
        (2, "associations"),
        (3, "village_code"),
        (3, "associations"),
    ]


def test_repairs_are_keyed_by_sheet_column_and_kind() -> None:
    rows = [VILLAGES_ZH, [340422101201.0, " 甲村 ", "Y", "1,234", "３", None, None, "√"]]
    parsed, findings, repairs = villages(rows)
    assert findings == []
    assert parsed.frame.loc[0, "associations"] == 1234
    assert repairs == Counter(
        {
            ("villages", "village_code", "code_number"): 1,
            ("villages", "village_name", "whitespace"): 1,
            ("villages", "one_product", "bool_text"): 1,
            ("villages", "associations", "thousands_separator"): 1,
            ("villages", "business_entities", "fullwidth"): 1,
            ("villages", "e_station", "blank_bool"): 1,
            ("villages", "service_covered", "bool_text"): 1,
        }
    )


def test_household_id_number_is_a_row_error_in_the_sheet() -> None:
    households = spec("households")
    rows = [
        ["户编号", "掌握实用技术项数", "参与增收项目数"],
        ["341521199001010001", 2, 1],
        [3.41521199001010e17, 1, 0],
    ]
    parsed, findings, _ = normalize_sheet(RawSheet("贫困户", grid(rows)), households)
    assert parsed.frame["household_id"].tolist() == ["341521199001010001", None]
    [f] = findings
    assert (f.rule, f.row, f.column) == ("parse.household_id_number", 3, "household_id")


def test_register_sheets_normalize_the_same_way() -> None:
    register = config.schema().register_sheet("households")
    rows = [list(register.columns), ["341521199001010001", 341522100201, "4", "有"]]
    parsed, findings, repairs = normalize_sheet(RawSheet("households.csv", grid(rows)), register)
    assert findings == []
    assert parsed.frame.loc[0, "village_code"] == "341522100201"
    assert bool(parsed.frame.loc[0, "labor_capable"]) is True
    assert repairs[("households", "village_code", "code_number")] == 1


# ---------------------------------------------------------------- meta


def meta(rows: list[list[Any]], repairs: Counter | None = None) -> dict[str, Any]:
    return parse_meta(RawSheet("meta", grid(rows)), "341600", "2018-06", repairs)


def test_meta_with_english_keys_and_a_key_value_header() -> None:
    rows = [
        ["key", "value"],
        ["city_code", "341600"],
        ["period", "2018-06"],
        ["prepared_by", "张三"],
        ["contact_email", "a@b.cn"],
        ["prepared_on", "2018-07-03"],
    ]
    assert meta(rows) == {
        "city_code": "341600",
        "period": "2018-06",
        "prepared_by": "张三",
        "contact_email": "a@b.cn",
        "prepared_on": dt.date(2018, 7, 3),
    }


def test_meta_with_chinese_keys_and_title_row() -> None:
    rows = [["基本信息", None], ["市代码：", 341600], ["报送月份", "2018年6月"], ["填报人", None]]
    repairs: Counter = Counter()
    result = meta(rows, repairs)
    assert (result["city_code"], result["period"], result["prepared_by"]) == (
        "341600",
        "2018-06",
        None,
    )
    assert repairs == Counter(
        {("meta", "city_code", "code_number"): 1, ("meta", "period", "meta_period_format"): 1}
    )


@pytest.mark.parametrize("cell", [dt.datetime(2018, 6, 1), 43252, 43252.0, "2018-06-01"])
def test_meta_period_stored_as_an_excel_date(cell: Any) -> None:
    repairs: Counter = Counter()
    assert meta([["市代码", "341600"], ["报送月份", cell]], repairs)["period"] == "2018-06"
    assert repairs == Counter({("meta", "period", "meta_period_date"): 1})


def test_meta_without_city_code_refuses_the_file() -> None:
    with pytest.raises(FileRefused) as err:
        meta([["报送月份", "2018-06"]])
    f = err.value.finding
    assert (f.rule, f.sheet, f.column) == ("file.meta_missing", "meta", "city_code")
    assert (
        f.message
        == "基本信息（meta）工作表缺少或无法读取 市代码（city_code）：未填写（文件名中为 341600）"
    )


def test_meta_with_unreadable_period_refuses_the_file() -> None:
    with pytest.raises(FileRefused) as err:
        meta([["市代码", "341600"], ["报送月份", "六月"]])
    f = err.value.finding
    assert (f.rule, f.column) == ("file.meta_missing", "period")
    assert f.message == (
        "基本信息（meta）工作表缺少或无法读取 报送月份（period）：六月 无法识别（文件名中为 2018-06）"
    )


def test_meta_with_a_bad_city_code_refuses_the_file() -> None:
    with pytest.raises(FileRefused) as err:
        meta([["市代码", "3416"], ["报送月份", "2018-06"]])
    assert err.value.finding.column == "city_code"


def test_meta_optional_values_unreadable_are_none() -> None:
    result = meta([["市代码", "341600"], ["报送月份", "2018-06"], ["填报日期", "soon"]])
    assert result["prepared_on"] is None
