"""Every data-quality rule: a crafted row that fires it (severity, the office's row number and the
Chinese message) and the clean file, which fires nothing."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from typing import Any

import pandas as pd
import pytest
from dq_builders import HH, build_file, context, county_row

from techaid.findings import finding
from techaid.quality.check import check_file
from techaid.quality.flow import ACCEPTED, REJECTED, WITH_ERRORS, decide

Rows = dict[str, list[dict[str, Any]]]


def fired(findings: list, rule: str) -> list:
    return [f for f in findings if f.rule == rule]


def one(findings: list, rule: str) -> Any:
    hits = fired(findings, rule)
    assert len(hits) == 1, f"{rule}: {hits or findings}"
    return hits[0]


def test_clean_file_fires_nothing(rows: Rows, run: Callable) -> None:
    assert run(rows) == []


def test_clean_file_without_register_fires_nothing(rows: Rows, run: Callable) -> None:
    assert run(rows, register_households=None, register_villages=None) == []


# ------------------------------------------------------------------ row rules from the suites


def _set(sheet: str, i: int, **values: Any) -> Callable[[Rows], None]:
    def mutate(rows: Rows) -> None:
        rows[sheet][i].update(values)

    return mutate


def _append(sheet: str, **values: Any) -> Callable[[Rows], None]:
    def mutate(rows: Rows) -> None:
        rows[sheet].append({**rows[sheet][0], **values})

    return mutate


ROW_CASES = [
    # (id, mutation, rule, sheet, row, message)
    (
        "techniques above 20",
        _set("households", 0, techniques=25),
        "dq.range",
        "households",
        2,
        "第2行 掌握实用技术项数 25 超出允许范围，应为0至20",
    ),
    (
        "income projects below 0",
        _set("households", 2, income_projects=-1),
        "dq.range",
        "households",
        4,
        "第4行 参与增收项目数 -1 超出允许范围，应为0至20",
    ),
    (
        "negative count",
        _set("villages", 1, associations=-2),
        "dq.range",
        "villages",
        3,
        "第3行 农技协数 -2 超出允许范围，应为不小于0",
    ),
    (
        "negative funds",
        _set("counties", 4, pairing_funds=-0.5),
        "dq.range",
        "counties",
        6,
        "第6行 结对帮扶资金（万元） -0.5 超出允许范围，应为不小于0",
    ),
    (
        "negative participants",
        _set("activities", 1, participants=-3),
        "dq.range",
        "activities",
        3,
        "第3行 参与人次 -3 超出允许范围，应为不小于0",
    ),
    (
        "year before the program",
        _set("evaluations", 1, year=2016),
        "dq.range",
        "evaluations",
        3,
        "第3行 年度 2016 超出允许范围，应为2017至2020",
    ),
    (
        "score above 100",
        _set("evaluations", 0, score=100.5),
        "dq.range",
        "evaluations",
        2,
        "第2行 考核得分 100.5 超出允许范围，应为0至100",
    ),
    (
        "township outside the city",
        _append("townships", township_code="341521101"),
        "dq.code_not_in_city",
        "townships",
        4,
        "第4行 乡镇代码 341521101 不在本市贫困县范围内（前6位 341521 是淮南市寿县的代码），请核对代码",
    ),
    (
        "expert county of another city",
        _set("experts", 1, county_code="341602"),
        "dq.code_not_in_city",
        "experts",
        3,
        "第3行 服务县代码 341602 不在本市贫困县范围内（县代码 341602 是亳州市谯城区的代码），请核对代码",
    ),
    (
        "organization under an unknown county",
        _set("organizations", 0, location_code="340101001"),
        "dq.code_not_in_city",
        "organizations",
        2,
        "第2行 所在地代码 340101001 不在本市贫困县范围内（前6位 340101 不是贫困县代码），请核对代码",
    ),
    (
        "activity county unknown",
        _set("activities", 1, county_code="340101"),
        "dq.code_not_in_city",
        "activities",
        3,
        "第3行 县代码 340101 不在本市贫困县范围内（县代码 340101 不是贫困县代码），请核对代码",
    ),
    (
        "village of no known township",
        _append("villages", village_code="340827999001"),
        "dq.village_unknown",
        "villages",
        4,
        "第4行 村代码 340827999001 不是已知的村：不在贫困村名册中，其前9位 340827999 也不是本文件乡镇表中的乡镇",
    ),
    (
        "activity village unknown",
        _set("activities", 0, village_code="340825555001"),
        "dq.village_unknown",
        "activities",
        2,
        "第2行 村代码 340825555001 不是已知的村：不在贫困村名册中，其前9位 340825555 也不是本文件乡镇表中的乡镇",
    ),
    (
        "agreement village unknown",
        _set("agreements", 0, target_id="340825555001"),
        "dq.village_unknown",
        "agreements",
        2,
        "第2行 帮扶对象 340825555001 不是已知的村：不在贫困村名册中，其前9位 340825555 也不是本文件乡镇表中的乡镇",
    ),
    (
        "activity village of another county",
        _set("activities", 0, village_code="340826102203"),
        "dq.village_county_mismatch",
        "activities",
        2,
        "第2行 村代码 340826102203 的前6位与该行县代码 340825 不一致，请核对",
    ),
    (
        "agreement ends before it starts",
        _set("agreements", 1, end_on=dt.date(2018, 1, 31)),
        "dq.agreement_end_before_start",
        "agreements",
        3,
        "第3行 结束日期 2018-01-31 早于开始日期 2018-02-01，请核对",
    ),
    (
        "activity after the month",
        _set("activities", 1, held_on=dt.date(2018, 7, 1)),
        "dq.activity_outside_month",
        "activities",
        3,
        "第3行 活动日期 2018-07-01 不在报送月份内（应在2018-06-01至2018-06-30之间），其他月份的活动请在对应月份报送",
    ),
    (
        "activity before the month",
        _set("activities", 0, held_on=dt.date(2018, 5, 31)),
        "dq.activity_outside_month",
        "activities",
        2,
        "第2行 活动日期 2018-05-31 不在报送月份内（应在2018-06-01至2018-06-30之间），其他月份的活动请在对应月份报送",
    ),
    (
        "phone of 10 digits",
        _set("experts", 0, phone="1391234567"),
        "dq.phone",
        "experts",
        2,
        "第2行 联系电话 ******4567 不是11位手机号码，请填写专家本人手机号",
    ),
    (
        "landline phone",
        _set("experts", 1, phone="0556-5551234"),
        "dq.phone",
        "experts",
        3,
        "第3行 联系电话 ********1234 不是11位手机号码，请填写专家本人手机号",
    ),
]


@pytest.mark.parametrize(
    ("mutate", "rule", "sheet", "row", "message"),
    [c[1:] for c in ROW_CASES],
    ids=[c[0] for c in ROW_CASES],
)
def test_row_rule_fires(
    rows: Rows, run: Callable, mutate: Callable, rule: str, sheet: str, row: int, message: str
) -> None:
    mutate(rows)
    f = one(run(rows), rule)
    assert (f.severity, f.sheet, f.row, f.message) == ("error", sheet, row, message)


@pytest.mark.parametrize(
    "column", ["start_on", "end_on", "goals", "tasks", "measures", "mechanism"]
)
def test_agreement_missing_an_element(rows: Rows, run: Callable, column: str) -> None:
    rows["agreements"][1][column] = None
    f = one(run(rows), "dq.agreement_incomplete")
    assert (f.severity, f.sheet, f.row, f.column) == ("error", "agreements", 3, column)
    label = {
        "start_on": "开始日期",
        "end_on": "结束日期",
        "goals": "帮扶目标",
        "tasks": "帮扶任务",
        "measures": "帮扶措施",
        "mechanism": "帮扶机制",
    }[column]
    assert f.message == (
        f"第3行 协议缺少{label}：帮扶协议必须写明起止时间、帮扶目标、帮扶任务、帮扶措施和帮扶机制"
    )


def test_agreement_missing_measures_message(rows: Rows, run: Callable) -> None:
    rows["agreements"][0]["measures"] = None
    assert one(run(rows), "dq.agreement_incomplete").message == (
        "第2行 协议缺少帮扶措施：帮扶协议必须写明起止时间、帮扶目标、帮扶任务、帮扶措施和帮扶机制"
    )


def test_every_duplicate_row_is_flagged(rows: Rows, run: Callable) -> None:
    rows["agreements"].append({**rows["agreements"][0]})
    hits = fired(run(rows), "dq.duplicate_key")
    assert [(f.severity, f.row) for f in hits] == [("error", 2), ("error", 4)]
    assert (
        hits[0].message
        == "第2行 协议编号 A001 重复（本表第4行相同），每个只能填一行，请删除或改正重复行"
    )


def test_duplicate_household_is_masked(rows: Rows, run: Callable) -> None:
    rows["households"].append({**rows["households"][1]})
    hits = fired(run(rows), "dq.duplicate_key")
    assert [f.row for f in hits] == [3, 5]
    assert hits[1].message == (
        "第5行 户编号 **************0022 重复（本表第3行相同），每个只能填一行，请删除或改正重复行"
    )
    assert HH[1] not in hits[1].message


def test_duplicate_compound_key(rows: Rows, run: Callable) -> None:
    rows["evaluations"].append({**rows["evaluations"][0], "score": 70})
    hits = fired(run(rows), "dq.duplicate_record")
    assert [(f.severity, f.row) for f in hits] == [("error", 2), ("error", 4)]
    assert hits[0].message == (
        "第2行 与本表第4行重复（对象类型 专家，对象编号 E001，年度 2017），同一对象同一年度只能填一行"
    )


@pytest.mark.parametrize(
    ("sheet", "column", "label"),
    [("experts", "expert_id", "专家编号"), ("organizations", "org_id", "组织编号")],
)
def test_expert_or_organization_repeated(
    rows: Rows, run: Callable, sheet: str, column: str, label: str
) -> None:
    rows[sheet][1][column] = rows[sheet][0][column]
    hits = fired(run(rows), "dq.id_repeated")
    value = rows[sheet][0][column]
    assert [(f.severity, f.sheet, f.row) for f in hits] == [
        ("error", sheet, 2),
        ("error", sheet, 3),
    ]
    assert (
        hits[1].message
        == f"第3行 {label} {value} 在本文件中重复登记（本表第2行），每个编号只能登记一次"
    )


def test_village_in_register_needs_no_township(rows: Rows, run: Callable) -> None:
    rows["villages"].append({**rows["villages"][1], "village_code": "340827555001"})
    assert run(rows, register_villages={"340825101201", "340827555001"}) == []


def test_register_village_of_another_city_is_not_known(rows: Rows, run: Callable) -> None:
    rows["villages"].append({**rows["villages"][1], "village_code": "341602555001"})
    found = run(rows, register_villages={"341602555001"})
    assert one(found, "dq.village_unknown").row == 4


def test_valid_phones_and_month_bounds_pass(rows: Rows, run: Callable) -> None:
    rows["experts"][1]["phone"] = "19800001111"
    rows["activities"][0]["held_on"] = dt.date(2018, 6, 30)
    rows["activities"][1]["held_on"] = dt.date(2018, 6, 1)
    assert run(rows) == []


# ------------------------------------------------------------------ county rows (fatal)


def test_county_missing(rows: Rows, run: Callable) -> None:
    rows["counties"] = [r for r in rows["counties"] if r["county_code"] != "340827"]
    f = one(run(rows), "dq.county_missing")
    assert (f.severity, f.sheet, f.row, f.value) == ("fatal", "counties", None, "340827")
    assert (
        f.message
        == "县级指标缺少 望江县（县代码 340827）的数据：每个贫困县每月必须填报一行，整个文件未导入"
    )


def test_county_repeated_same_code(rows: Rows, run: Callable) -> None:
    rows["counties"].append(county_row("340825", stations=1))
    hits = fired(run(rows), "dq.county_repeated")
    assert [(f.severity, f.row) for f in hits] == [("fatal", 3), ("fatal", 7)]
    assert (
        hits[0].message
        == "县级指标第3行 县代码 340825 重复（第7行），每个县只能填一行，整个文件未导入"
    )


def test_county_repeated_under_old_and_new_code(rows: Rows, run: Callable) -> None:
    rows["counties"].append(county_row("340882"))  # Qianshan's new code, beside its old 340824
    found = run(rows)
    hits = fired(found, "dq.county_repeated")
    assert [(f.severity, f.row, f.value) for f in hits] == [
        ("fatal", 2, "340824"),
        ("fatal", 7, "340882"),
    ]
    assert (
        hits[1].message
        == "县级指标第7行 县代码 340882 重复（第2行），每个县只能填一行，整个文件未导入"
    )


def test_county_row_with_an_error_refuses_the_file(rows: Rows, run: Callable) -> None:
    rows["counties"][1]["museum_tours"] = -1
    found = run(rows)
    assert one(found, "dq.range").row == 3
    f = one(found, "dq.county_quarantined")
    assert (f.severity, f.row, f.value) == ("fatal", 3, "340825")
    assert f.message == (
        "县级指标第3行（县代码 340825）有错误，县级数据不完整，整个文件未导入；请改正该行后重新上传"
    )


def test_county_row_with_a_parse_error_refuses_the_file(rows: Rows, gx: Any) -> None:
    rows["counties"][2]["youth_participants"] = None
    parsed = build_file(rows)
    parsed.findings.append(
        finding("parse.int", sheet="counties", row=4, column="youth_participants", value="很多")
    )
    f = one(check_file(parsed, context()), "dq.county_quarantined")
    assert (f.severity, f.row, f.value) == ("fatal", 4, "340826")


def test_county_of_another_city_refuses_the_file(rows: Rows, run: Callable) -> None:
    rows["counties"][0]["county_code"] = "341521"
    found = run(rows)
    assert one(found, "dq.code_not_in_city").row == 2
    assert one(found, "dq.county_quarantined").row == 2
    assert one(found, "dq.county_missing").value == "340824"


# ------------------------------------------------------------------ recoded codes (warnings)


def test_retired_code_is_mapped_with_a_warning(rows: Rows, run: Callable) -> None:
    # September 2018: Qianshan County 340824 had become Qianshan City 340882
    rows["activities"][0]["held_on"] = dt.date(2018, 9, 3)
    rows["activities"][1]["held_on"] = dt.date(2018, 9, 30)
    rows["townships"].append({"township_code": "340824103"})
    rows["villages"].append({**rows["villages"][1], "village_code": "340824103301"})
    found = run(rows, period="2018-09")
    hits = fired(found, "dq.code_recoded")
    assert [(f.severity, f.sheet, f.row, f.value) for f in hits] == [
        ("warning", "counties", 2, "340824"),
        ("warning", "townships", 4, "340824"),
        ("warning", "villages", 4, "340824"),
    ]
    assert hits[0].message == (
        "县级指标 县代码 有 1 行使用县代码 340824（首次见第2行），该代码在本月无效，已按 340882 处理"
    )
    assert [f for f in found if f.severity != "warning"] == []


def test_successor_used_too_early_is_mapped_back(rows: Rows, run: Callable) -> None:
    rows["counties"][0]["county_code"] = "340882"
    f = one(run(rows), "dq.code_recoded")
    assert (f.severity, f.row, f.value) == ("warning", 2, "340882")
    assert f.message.endswith("已按 340824 处理")


def test_code_valid_in_month_needs_no_warning(rows: Rows, run: Callable) -> None:
    rows["counties"][0]["county_code"] = "340882"
    rows["activities"][0]["held_on"] = dt.date(2018, 9, 3)
    rows["activities"][1]["held_on"] = dt.date(2018, 9, 30)
    assert run(rows, period="2018-09") == []


def test_activity_village_agrees_across_the_recode(rows: Rows, run: Callable) -> None:
    rows["townships"].append({"township_code": "340824103"})
    rows["activities"][1].update(county_code="340882", village_code="340824103301")
    found = run(rows)
    assert fired(found, "dq.village_county_mismatch") == []
    assert fired(found, "dq.village_unknown") == []
    assert {f.severity for f in found} == {"warning"}


# ------------------------------------------------------------------ references and register


def test_agreement_with_unknown_expert(rows: Rows, run: Callable) -> None:
    rows["agreements"][0]["helper_id"] = "E999"
    f = one(run(rows), "dq.unknown_expert")
    assert (f.severity, f.sheet, f.row) == ("error", "agreements", 2)
    assert f.message == "第2行 帮扶方编号 E999 不在本文件的专家名册中，请先登记该专家或改正编号"


def test_activity_with_unknown_expert(rows: Rows, run: Callable) -> None:
    rows["activities"][0]["expert_ids"] = "E001;E404;E405"
    f = one(run(rows), "dq.unknown_expert")
    assert (f.severity, f.sheet, f.row, f.column) == ("error", "activities", 2, "expert_ids")
    assert f.message == "第2行 参与专家 E404、E405 不在本文件的专家名册中，请先登记该专家或改正编号"


def test_agreement_with_unknown_organization(rows: Rows, run: Callable) -> None:
    rows["agreements"][1]["helper_id"] = "E001"  # an expert's id named as an organization
    f = one(run(rows), "dq.unknown_organization")
    assert (f.severity, f.sheet, f.row) == ("error", "agreements", 3)
    assert f.message == "第3行 帮扶方编号 E001 不在本文件的科技组织表中，请先登记该组织或改正编号"


def test_household_not_in_register(rows: Rows, run: Callable) -> None:
    rows["households"][1]["household_id"] = "340825101201000099"
    f = one(run(rows), "dq.household_unregistered")
    assert (f.severity, f.sheet, f.row) == ("error", "households", 3)
    assert f.message == "第3行 户编号 **************0099 不在本市建档立卡贫困户名册中，请核对户编号"


def test_agreement_household_not_in_register(rows: Rows, run: Callable) -> None:
    rows["agreements"][1]["target_id"] = "340825101201000099"
    f = one(run(rows), "dq.household_unregistered")
    assert (f.severity, f.sheet, f.row) == ("error", "agreements", 3)
    assert (
        f.message == "第3行 帮扶对象 **************0099 不在本市建档立卡贫困户名册中，请核对户编号"
    )


def test_no_register_skips_the_household_check(rows: Rows, run: Callable) -> None:
    rows["households"][1]["household_id"] = "340825101201000099"
    assert run(rows, register_households=None) == []


# ------------------------------------------------------------------ counts across sheets


def test_expert_stations_disagree(rows: Rows, run: Callable) -> None:
    rows["counties"][1]["expert_stations"] = 2
    f = one(run(rows), "dq.stations_disagree")
    assert (f.severity, f.row) == ("warning", 3)
    assert f.message == (
        "县级指标第3行 县代码 340825 填报农技专家服务站 2 个，科技组织表中该县的农技专家服务站为 1 个，请核对"
    )


def test_covered_village_without_support(rows: Rows, run: Callable) -> None:
    rows["villages"][1]["service_covered"] = True
    f = one(run(rows), "dq.covered_without_support")
    assert (f.severity, f.row) == ("warning", 3)
    assert f.message == (
        "第3行 村 340826102203 标为科技服务已覆盖，但本文件中没有针对该村的帮扶协议或帮扶活动，"
        "此前各月也没有在该村开展的帮扶活动，请核对"
    )


def test_covered_village_supported_by_an_activity(rows: Rows, run: Callable) -> None:
    rows["villages"][1]["service_covered"] = True
    rows["activities"][1]["village_code"] = "340826102203"
    assert run(rows) == []


# ------------------------------------------------------------------ parse findings are not repeated


def test_unparsed_cell_is_not_reported_again(rows: Rows, gx: Any) -> None:
    rows["agreements"][0]["start_on"] = None  # intake could not read the date
    parsed = build_file(rows)
    parsed.findings.append(
        finding("parse.date", sheet="agreements", row=2, column="start_on", value="年初")
    )
    assert check_file(parsed, context()) == []


def test_cells_intake_left_empty_break_nothing(rows: Rows, gx: Any) -> None:
    rows["agreements"][0].update(helper_kind=None, target_kind=None)  # enum values not allowed
    rows["activities"][0].update(county_code=None, held_on=None)
    parsed = build_file(rows)
    parsed.findings += [
        finding("parse.enum", sheet="agreements", row=2, column="helper_kind", value="老师"),
        finding("parse.enum", sheet="agreements", row=2, column="target_kind", value="乡"),
        finding(
            "parse.code", sheet="activities", row=2, column="county_code", value="3408", detail=6
        ),
        finding("parse.date", sheet="activities", row=2, column="held_on", value="六月"),
    ]
    assert check_file(parsed, context()) == []


# ------------------------------------------------------------------ what flow.decide makes of them


def test_decide_quarantines_error_rows_and_refuses_on_county_rows(rows: Rows, gx: Any) -> None:
    rows["households"][0]["techniques"] = 21
    parsed = build_file(rows)
    decision = decide(parsed, check_file(parsed, context()))
    assert decision.outcome == WITH_ERRORS
    assert decision.quarantined == {"households": {2}}
    rows["counties"][0]["expert_stations"] = -1
    parsed = build_file(rows)
    decision = decide(parsed, check_file(parsed, context()))
    assert decision.outcome == REJECTED
    assert decision.fatal.rule == "dq.county_quarantined"


def test_decide_accepts_warnings(rows: Rows, gx: Any) -> None:
    rows["counties"][1]["expert_stations"] = 3
    parsed = build_file(rows)
    assert decide(parsed, check_file(parsed, context())).outcome == ACCEPTED


def test_dates_as_timestamps_are_checked_the_same(rows: Rows, gx: Any) -> None:
    rows["activities"][1]["held_on"] = dt.date(2018, 7, 1)
    parsed = build_file(rows)
    frame = parsed.sheets["activities"].frame
    frame["held_on"] = pd.to_datetime(frame["held_on"])
    f = one(check_file(parsed, context()), "dq.activity_outside_month")
    assert (f.row, f.value) == (3, "2018-07-01")
