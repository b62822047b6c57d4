"""The ``feedback`` email: an office's version was refused, or rows of it were quarantined.

The body gives the counts and the first :data:`BODY_ISSUES` issues (fatal first); the attached
workbook (``techaid.outputs.feedback``, the same file as ``<output>/feedback/``) lists them all
with sheet, row, column, value, rule and message. Its key is kind, period, city and version id.
A file whose city is unknown (its name names none) has no office to tell: it is in the data
quality report and ``dq_issue`` only.
"""

from __future__ import annotations

from pathlib import Path

from sqlalchemy.engine import Engine

from techaid.outputs import feedback as workbook
from techaid.outputs.compose.common import (
    SUBJECT_PREFIX,
    XLSX_TYPE,
    city_name,
    local_time,
    office_addresses,
    yes_no,
)
from techaid.outputs.compose.version_facts import BODY_ISSUES, SEVERITY_ZH, VersionFacts
from techaid.outputs.mail.email import Attachment, Email, dedupe_key
from techaid.outputs.mail.templates import render

KIND = "feedback"


def wants_feedback(v: VersionFacts) -> bool:
    """Refused, or rows quarantined, when decided (also once superseded)."""
    return v.outcome in workbook.FEEDBACK_OUTCOMES and v.city_code is not None


def feedback_key(v: VersionFacts) -> str:
    return dedupe_key(KIND, v.email_period, v.city_code, v.submission_id)


def workbook_bytes(engine: Engine, v: VersionFacts, out_root: Path) -> tuple[str, bytes]:
    """The version's feedback workbook (written now if the run has not written it yet)."""
    sub = {"city_code": v.city_code, "period": v.period, "submission_id": v.submission_id}
    path = workbook.feedback_path(Path(out_root), sub)
    if not path.exists():
        written = workbook.write_feedback(engine, v.submission_id, out_root)
        if written is None:
            raise LookupError(f"version {v.submission_id} needs no feedback workbook")
        path = written
    return f"问题清单_{path.name}", path.read_bytes()


def _next_step(v: VersionFacts) -> str:
    if v.outcome == "rejected":
        return "请按下列“致命”问题改正文件（标为“错误”的行也请一并改正），然后重新上传完整文件。"
    if v.status == "superseded":
        return "本版本已被之后收到的版本取代，数据以最新版本为准；问题清单仅供核对。"
    return (
        f"文件已导入，但标为“错误”的 {v.rows_quarantined} 行被隔离、未导入。请改正这些行后"
        "重新上传完整文件，新版本将整体替换本版本；标为“提示”的问题请核对，不影响导入。"
    )


def feedback_email(v: VersionFacts, attachment: tuple[str, bytes]) -> Email | None:
    """The feedback about ``v`` with its workbook ``(name, bytes)``; None when it needs none
    or its city has no recipients."""
    if not wants_feedback(v) or v.city_code is None:
        return None
    addresses = office_addresses(v.city_code)
    if addresses is None:
        return None
    to, cc = addresses
    city, period = city_name(v.city_code), v.email_period
    refused = v.outcome == "rejected"
    body = render(
        KIND,
        v=v,
        city=city,
        period=period,
        received=local_time(v.received_at),
        refused=refused,
        on_time=yes_no(v.on_time),
        next_step=_next_step(v),
        issues=v.first_issues,
        issues_total=v.issues_total,
        body_issues=BODY_ISSUES,
        counts=[(SEVERITY_ZH[s], s, v.severities.get(s, 0)) for s in SEVERITY_ZH],
        rules=v.rules,
        severity_zh=SEVERITY_ZH,
        attachment_name=attachment[0],
    )
    what = "文件被退回" if refused else f"{v.rows_quarantined} 行被隔离"
    return Email(
        kind=KIND,
        period=period,
        city_code=v.city_code,
        to=to,
        cc=cc,
        subject=f"{SUBJECT_PREFIX} 数据问题反馈 {KIND} {period} {city}：{what}，请改正后重新上传",
        html=body.html,
        text=body.text,
        dedupe_key=feedback_key(v),
        attachments=[Attachment(attachment[0], attachment[1], XLSX_TYPE)],
    )
