"""Builders for the data-quality tests: one clean Anqing (340800) file for June 2018, typed as
intake hands it over, that every rule test breaks in exactly one place."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pandas as pd

from techaid import config
from techaid.intake.model import ParsedFile, ParsedSheet
from techaid.quality.context_checks import CheckContext

CITY, PERIOD = "340800", "2018-06"
HH = ["340825101201000011", "340825101201000022", "340826102203000033"]

_DTYPES = {"int": "Int64", "decimal": "Float64", "bool": "boolean"}


def typed_frame(sheet: str, rows: list[dict[str, Any]], first_row: int = 2) -> pd.DataFrame:
    """A frame as intake hands it over: every schema column, typed, plus row_number."""
    spec = config.schema().sheet(sheet)
    data: dict[str, Any] = {
        "row_number": pd.array(range(first_row, first_row + len(rows)), "int64")
    }
    for name, col in spec.columns.items():
        values = [r.get(name) for r in rows]
        if col.type in _DTYPES:
            data[name] = pd.array(values, dtype=_DTYPES[col.type])
        elif col.type == "date":
            data[name] = pd.Series(values, dtype=object)
        else:
            data[name] = pd.Series(values, dtype="str")
    return pd.DataFrame(data)


def county_row(code: str, stations: int = 0, **kw: Any) -> dict[str, Any]:
    row = {
        "county_code": code,
        "expert_stations": stations,
        "science_caravans": 1,
        "museum_tours": 10,
        "school_museums": 2,
        "consulting_reports": 3,
        "county_federations": 1,
        "youth_participants": 100,
        "pairing_projects": 2,
        "pairing_workers": 30,
        "pairing_talents": 4,
        "pairing_funds": 12.5,
    }
    return {**row, **kw}


def clean_rows() -> dict[str, list[dict[str, Any]]]:
    """Rows of a file that breaks no rule."""
    d = dt.date
    return {
        "counties": [
            county_row("340824"),
            county_row("340825", stations=1),
            county_row("340826"),
            county_row("340827"),
            county_row("340828"),
        ],
        "townships": [
            {"township_code": "340825101", "township_name": "甲镇", "industry_base": True},
            {"township_code": "340826102", "township_name": "乙乡", "industry_base": False},
        ],
        "villages": [
            {
                "village_code": "340825101201",
                "village_name": "一村",
                "associations": 1,
                "business_entities": 2,
                "service_covered": True,
            },
            {
                "village_code": "340826102203",
                "village_name": "二村",
                "associations": 0,
                "business_entities": 0,
                "service_covered": False,
            },
        ],
        "households": [
            {"household_id": h, "techniques": i, "income_projects": 1} for i, h in enumerate(HH)
        ],
        "experts": [
            {
                "expert_id": "E001",
                "name": "张三",
                "source": "university",
                "specialty": "crops",
                "county_code": "340825",
                "phone": "13912345678",
                "registered_on": d(2017, 3, 1),
            },
            {
                "expert_id": "E002",
                "name": "李四",
                "source": "society",
                "specialty": "livestock",
                "county_code": "340826",
                "phone": None,
            },
        ],
        "organizations": [
            {
                "org_id": "O001",
                "name": "服务站",
                "org_type": "expert_station",
                "location_code": "340825101",
            },
            {
                "org_id": "O002",
                "name": "合作社",
                "org_type": "cooperative",
                "location_code": "340826102203",
            },
        ],
        "agreements": [
            {
                "agreement_id": "A001",
                "helper_kind": "expert",
                "helper_id": "E001",
                "target_kind": "village",
                "target_id": "340825101201",
                "signed_on": d(2018, 1, 5),
                "start_on": d(2018, 1, 10),
                "end_on": d(2018, 12, 31),
                "goals": "增收",
                "tasks": "培训",
                "measures": "蹲点",
                "mechanism": "月报",
                "status": "active",
            },
            {
                "agreement_id": "A002",
                "helper_kind": "organization",
                "helper_id": "O002",
                "target_kind": "household",
                "target_id": HH[2],
                "signed_on": d(2018, 2, 1),
                "start_on": d(2018, 2, 1),
                "end_on": d(2018, 2, 1),
                "goals": "脱贫",
                "tasks": "养殖",
                "measures": "入股",
                "mechanism": "分红",
                "status": "active",
            },
        ],
        "activities": [
            {
                "activity_id": "T001",
                "kind": "training",
                "held_on": d(2018, 6, 1),
                "county_code": "340825",
                "village_code": "340825101201",
                "expert_ids": "E001;E002",
                "participants": 40,
                "poor_households": 12,
            },
            {
                "activity_id": "T002",
                "kind": "science_event",
                "held_on": d(2018, 6, 30),
                "county_code": "340826",
                "village_code": None,
                "expert_ids": None,
                "participants": 0,
                "poor_households": 0,
            },
        ],
        "evaluations": [
            {
                "subject_kind": "expert",
                "subject_id": "E001",
                "year": 2017,
                "score": 91.5,
                "city_recommends": True,
                "fabrication": False,
            },
            {"subject_kind": "organization", "subject_id": "O001", "year": 2017, "score": 80},
        ],
    }


def build_file(
    rows: dict[str, list[dict[str, Any]]], period: str = PERIOD, city: str = CITY
) -> ParsedFile:
    sheets = {name: ParsedSheet(name, typed_frame(name, r)) for name, r in rows.items()}
    return ParsedFile(city, period, {"city_code": city, "period": period}, sheets)


def context(period: str = PERIOD, city: str = CITY, **kw: Any) -> CheckContext:
    kw.setdefault("register_households", set(HH))
    kw.setdefault("register_villages", {"340825101201"})
    return CheckContext.for_city(city, period, **kw)
