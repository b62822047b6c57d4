"""A tiny warehouse for the report tests: published rows written by hand.

Two months (2018-05, 2018-06) of Anqing (Taihu 340825, Qianshan 340824) and Chizhou (Shitai
341722): province, city and county values of a share, a "has one" and a count indicator, the
reporting rate, a ranking with movement, submissions (one with a file name crafted as a formula)
and data-quality findings.
"""

from __future__ import annotations

import datetime as dt
import json
from typing import Any

import sqlalchemy as sa

from techaid.warehouse import published, schema
from techaid.warehouse.engine import make_engine
from techaid.warehouse.migrate import upgrade

PERIOD, PREVIOUS = "2018-06", "2018-05"
ANQING, CHIZHOU, PROVINCE = "340800", "341700", "340000"
TAIHU, QIANSHAN, SHITAI = "340825", "340824", "341722"
LUAN = "341500"
HOSTILE = "=cmd|' /C calc'!A0"
HOSTILE_FILE = HOSTILE + ".xlsx"
SCRIPT_FILE = "<script>alert(1)</script>.xlsx"
PHONE, HOUSEHOLD = "13812345678", "340825101201009"  # personal data the report must never show


def _value(
    period: str, level: str, org: str, indicator: str, value: float | None, **extra: Any
) -> dict[str, Any]:
    row = {
        "period": period,
        "level": level,
        "org_code": org,
        "indicator": indicator,
        "value": value,
        "numerator": None,
        "denominator": None,
        "target": None,
        "expected": None,
        "attainment": None,
        "status": None,
        "carried_forward": False,
        "forecast_period": None,
        "required_monthly_rate": None,
        "source_period": period,
    }
    row.update(extra)
    return row


def _share(
    period: str,
    level: str,
    org: str,
    num: float,
    den: float,
    expected: float,
    status: str,
    indicator: str = "village_coverage",
) -> dict[str, Any]:
    v = num / den
    return _value(
        period=period,
        level=level,
        org=org,
        indicator=indicator,
        value=v,
        numerator=num,
        denominator=den,
        target=1.0,
        expected=expected,
        attainment=v,
        status=status,
        required_monthly_rate=(1 - v) / 30,
    )


def _station(
    period: str, county: str, value: float | None, status: str, **extra: Any
) -> dict[str, Any]:
    """The county's expert-station flag: wanted from the start, so nothing is expected yet."""
    return _value(
        period=period,
        level="county",
        org=county,
        indicator="county_station",
        value=value,
        target=1.0,
        expected=0.0,
        attainment=value,
        status=status,
        **extra,
    )


def _rate(period: str, level: str, org: str, sent: int, due: int, status: str) -> dict[str, Any]:
    """The reporting rate: months sent of months due, all of them expected by now."""
    v = sent / due
    return _value(
        period=period,
        level=level,
        org=org,
        indicator="reporting_rate",
        value=v,
        numerator=sent,
        denominator=due,
        target=1.0,
        expected=1.0,
        attainment=v,
        status=status,
    )


def indicator_rows() -> list[dict[str, Any]]:
    rows = []
    for period, exp in ((PREVIOUS, 0.354), (PERIOD, 0.375)):
        up = 1 if period == PERIOD else 0
        rows += [
            _share(period, "province", PROVINCE, 30 + up * 6, 100, exp, "lagging"),
            _share(period, "city", ANQING, 20 + up * 6, 50, exp, "on_track"),
            _share(period, "city", CHIZHOU, 10, 50, exp, "critical"),
            _share(period, "county", TAIHU, 15 + up * 6, 30, exp, "met" if up else "on_track"),
            _share(period, "county", QIANSHAN, 5, 20, exp, "critical"),
            _share(period, "county", SHITAI, 10, 50, exp, "critical"),
            _station(period, TAIHU, 1.0, "met"),
            _station(period, QIANSHAN, 0.0, "on_track"),
            _station(period, SHITAI, None, "no_data", carried_forward=True),
            _value(
                period=period,
                level="province",
                org=PROVINCE,
                indicator="associations",
                value=120.0 + up * 15,
                target=350.0,
                expected=350 * (17 + up) / 48,
                attainment=(120.0 + up * 15) / 350,
                status="lagging",
                forecast_period="2021-03",
            ),
            _value(period, "province", PROVINCE, "pairing_funds", 12.75 + up),
            _rate(period, "province", PROVINCE, 1, 2, "critical"),
            _rate(period, "city", ANQING, 2, 2, "met"),
            _rate(period, "city", CHIZHOU, 0, 2, "critical"),
        ]
    return rows


def _reason(code: str, value: float, expected: float) -> dict[str, Any]:
    return {
        "code": code,
        "status": "critical",
        "value": value,
        "expected": expected,
        "target": 1.0,
        "gap": expected - value,
        "shortfall": (expected - value) / expected,
        "required_monthly_rate": (1 - value) / 30,
        "forecast_period": None,
    }


def ranking_rows() -> list[dict[str, Any]]:
    def row(
        period: str,
        county: str,
        city: str,
        rank: int,
        prev: int | None,
        score: float,
        reasons: list[dict[str, Any]],
    ) -> dict[str, Any]:
        lagging = [r["code"] for r in reasons if not r["code"].startswith("submission_")]
        return {
            "period": period,
            "county_code": county,
            "city_code": city,
            "lagging": bool(reasons),
            "score": score,
            "rank": rank,
            "lagging_indicators": ",".join(lagging),
            "previous_rank": prev,
            "rank_change": None if prev is None else prev - rank,
            "reasons": json.dumps(reasons, ensure_ascii=False),
        }

    rejected = {"code": "submission_rejected"}
    return [
        row(PREVIOUS, QIANSHAN, ANQING, 1, None, 0.8, [_reason("village_coverage", 0.25, 0.354)]),
        row(PREVIOUS, SHITAI, CHIZHOU, 2, None, 0.4, [_reason("village_coverage", 0.2, 0.354)]),
        row(PREVIOUS, TAIHU, ANQING, 3, None, 0.0, []),
        row(
            PERIOD, SHITAI, CHIZHOU, 1, 2, 0.9, [rejected, _reason("village_coverage", 0.2, 0.375)]
        ),
        row(PERIOD, QIANSHAN, ANQING, 2, 1, 0.7, [_reason("village_coverage", 0.25, 0.375)]),
        row(PERIOD, TAIHU, ANQING, 3, 3, 0.0, []),
    ]


def submission_rows() -> list[dict[str, Any]]:
    def sub(sid: str, city: str, status: str, on_time: bool, day: int, name: str) -> dict:
        return {
            "submission_id": sid,
            "city_code": city,
            "period": PERIOD,
            "file_name": name,
            "sha256": sid * 4,
            "received_at": dt.datetime(2018, 7, day, 1, 30),
            "status": status,
            "on_time": on_time,
            "rows_loaded": 1200 if "accepted" in status else 0,
            "rows_quarantined": 3 if status == "accepted_with_errors" else 0,
            "warnings": 2,
            "outcome": status,
            "file_path": "/landing/" + name,
            "size_bytes": 1,
            "repairs": 0,
        }

    return [
        sub("a1", ANQING, "superseded", True, 2, "安庆_2018-06.xlsx"),
        sub("a2", ANQING, "accepted_with_errors", True, 4, HOSTILE_FILE),
        sub("c1", CHIZHOU, "rejected", False, 9, "池州_2018-06.xlsx"),
        sub("l1", LUAN, "accepted", True, 5, SCRIPT_FILE),
    ]


def issue_rows() -> list[dict[str, Any]]:
    def issue(sid: str, seq: int, rule: str, severity: str) -> dict[str, Any]:
        return {
            "submission_id": sid,
            "seq": seq,
            "sheet": "villages",
            "row_number": seq + 1,
            "column_name": "village_code",
            "value": "x",
            "rule": rule,
            "severity": severity,
            "message": "问题",
        }

    return [
        issue("a1", 1, "dq.stale", "error"),  # superseded: not counted
        issue("a2", 1, "parse.required", "error"),
        issue("a2", 2, "parse.required", "error"),
        issue("a2", 3, "submission.late", "warning"),
        issue("c1", 1, "file.missing_sheet", "fatal"),
        issue("l1", 1, "dq.phone_format", "warning") | {"value": PHONE, "column_name": "phone"},
    ]


def build(url: str) -> sa.Engine:
    """A migrated warehouse holding the rows above."""
    engine = make_engine(url)
    upgrade(engine)
    with engine.begin() as conn:
        conn.execute(published.indicator_value.insert(), indicator_rows())
        conn.execute(published.county_ranking.insert(), ranking_rows())
        conn.execute(schema.submission.insert(), submission_rows())
        conn.execute(schema.dq_issue.insert(), issue_rows())
        clean = schema.clean_tables()
        conn.execute(
            clean["experts"].insert(),
            {
                "city_code": LUAN,
                "period": PERIOD,
                "submission_id": "l1",
                "row_number": 2,
                "expert_id": "E1",
                "name": "张三",
                "phone": PHONE,
            },
        )
        conn.execute(
            clean["households"].insert(),
            {
                "city_code": LUAN,
                "period": PERIOD,
                "submission_id": "l1",
                "row_number": 2,
                "household_id": HOUSEHOLD,
                "techniques": 1,
            },
        )
    return engine
