"""The ``receipt`` email: an office's version was accepted (with or without quarantined rows).

It says what was loaded, what was repaired silently, the warnings, and whether the version counts
as on time. Its key is kind, period, city and the version's id, so each accepted version gets one
receipt, whichever run (monthly or daily) decides it first.
"""

from __future__ import annotations

from techaid.outputs.compose.common import (
    SUBJECT_PREFIX,
    city_name,
    local_time,
    office_addresses,
    yes_no,
)
from techaid.outputs.compose.version_facts import BODY_ISSUES, SEVERITY_ZH, VersionFacts
from techaid.outputs.feedback import STATUS_ZH
from techaid.outputs.mail.email import Email, dedupe_key
from techaid.outputs.mail.templates import render

KIND = "receipt"
ACCEPTED_OUTCOMES = ("accepted", "accepted_with_errors")
BODY_REPAIRS = 30  # repair lines listed (by sheet, column and kind); the total is always given


def wants_receipt(v: VersionFacts) -> bool:
    """Accepted when decided (a later correction superseding it does not undo the receipt)."""
    return v.outcome in ACCEPTED_OUTCOMES and v.city_code is not None


def receipt_key(v: VersionFacts) -> str:
    return dedupe_key(KIND, v.email_period, v.city_code, v.submission_id)


def receipt_email(v: VersionFacts) -> Email | None:
    """The receipt of ``v``; None when it needs none or its city has no recipients."""
    if not wants_receipt(v) or v.city_code is None:
        return None
    addresses = office_addresses(v.city_code)
    if addresses is None:
        return None
    to, cc = addresses
    city, period = city_name(v.city_code), v.email_period
    on_time = "按时" if v.on_time else "迟报" if v.on_time is False else "报送时间无法判断"
    warning_rules = [(rule, n) for severity, rule, n in v.rules if severity == "warning"]
    body = render(
        KIND,
        v=v,
        city=city,
        period=period,
        received=local_time(v.received_at),
        outcome=STATUS_ZH.get(v.outcome, v.outcome),
        status=STATUS_ZH.get(v.status, v.status),
        on_time=yes_no(v.on_time),
        repairs=v.repairs[:BODY_REPAIRS],
        warning_rules=warning_rules,
        warnings=v.first_warnings,
        warnings_total=v.severities.get("warning", 0),
        errors_total=v.severities.get("error", 0),
        body_issues=BODY_ISSUES,
        severity_zh=SEVERITY_ZH,
    )
    quarantined = f"，{v.rows_quarantined} 行被隔离" if v.rows_quarantined else ""
    return Email(
        kind=KIND,
        period=period,
        city_code=v.city_code,
        to=to,
        cc=cc,
        subject=(
            f"{SUBJECT_PREFIX} 数据回执 {KIND} {period} {city}：已接收{quarantined}（{on_time}）"
        ),
        html=body.html,
        text=body.text,
        dedupe_key=receipt_key(v),
    )
