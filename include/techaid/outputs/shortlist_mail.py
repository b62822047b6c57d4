"""The yearly ``shortlist`` email to the provincial team: the ranked list, the excluded with
their reasons, and both files (workbook and notice) attached; recorded in the outbox and
delivered by the ``annual_recommendations`` DAG (:func:`record`, :func:`send`).

Its dedupe key is kind, year and a fingerprint of the published rows: a retried or re-run year
with the same shortlist records nothing new (the team gets it once), while a shortlist changed
by late corrections is a new email the team must see.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
from collections import Counter
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

from techaid import config
from techaid.outputs.mail import eml, outbox, templates
from techaid.outputs.mail.email import Attachment, Email, dedupe_key
from techaid.outputs.mail.smtp import SmtpSettings
from techaid.recommend import eligibility, shortlist
from techaid.recommend.notice import KIND_ZH, html_path, xlsx_path, zh_date
from techaid.recommend.shortlist import RANKED
from techaid.warehouse.engine import make_engine

KIND = "shortlist"
BODY_EXCLUDED = 50  # excluded listed in the body; all of them are in the workbook
XLSX_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
HTML_TYPE = "application/octet-stream"  # attached as a file to open, never shown inline


def fingerprint(rows: Sequence[Mapping[str, Any]]) -> str:
    """12 hex digits of SHA-256 over the published rows (in their display order)."""
    text = json.dumps([dict(r) for r in rows], sort_keys=True, default=str, ensure_ascii=False)
    return hashlib.sha256(text.encode()).hexdigest()[:12]


def _view(r: Mapping[str, Any]) -> dict[str, Any]:
    names = config.hierarchy().name
    return {
        "rank": r["rank"],
        "kind": KIND_ZH.get(r["subject_kind"], r["subject_kind"]),
        "id": r["subject_id"],
        "name": r["display_name"] or "",
        "affiliation": r["affiliation"] or "",
        "city": names(r["city_code"]) if r["city_code"] else "",
        "score": "" if r["score"] is None else f"{r['score']:.2f}",
        "reason": eligibility.REASON_ZH.get(r["reasons"], r["reasons"]),
        "code": r["reasons"],
    }


def shortlist_email(
    rows: Sequence[Mapping[str, Any]], year: int, out_dir: Path | None = None
) -> Email:
    """The email for the published ``rows`` of ``year``; the files must already be written."""
    team = config.recipients().provincial_team
    ranked = [_view(r) for r in rows if r["status"] == RANKED]
    excluded = [_view(r) for r in rows if r["status"] != RANKED]
    reasons = Counter(r["code"] for r in excluded)
    start = next((r["notice_start"] for r in rows if r["status"] == RANKED), None)
    end = next((r["notice_end"] for r in rows if r["status"] == RANKED), None)
    xlsx, html = xlsx_path(year, out_dir), html_path(year, out_dir)
    body = templates.render(
        KIND,
        year=year,
        experts=[r for r in ranked if r["kind"] == KIND_ZH["expert"]],
        organizations=[r for r in ranked if r["kind"] == KIND_ZH["organization"]],
        excluded=excluded[:BODY_EXCLUDED],
        excluded_total=len(excluded),
        reasons=[
            (eligibility.REASON_ZH[code], code, reasons[code])
            for code in eligibility.REASONS
            if reasons[code]
        ],
        notice_start=zh_date(start) if start else None,
        notice_end=zh_date(end) if end else None,
        xlsx_name=xlsx.name,
        html_name=html.name,
    )
    return Email(
        kind=KIND,
        period=f"{year:04d}",
        city_code=None,
        to=list(team.to),
        cc=[a for a in team.cc if a not in team.to],
        subject=f"{year}年度推荐名单及公示 shortlist {year}（拟推荐 {len(ranked)}）",
        html=body.html,
        text=body.text,
        dedupe_key=dedupe_key(KIND, f"{year:04d}", None, fingerprint(rows)),
        attachments=[
            Attachment(xlsx.name, xlsx.read_bytes(), XLSX_TYPE),
            Attachment(html.name, html.read_bytes(), HTML_TYPE),
        ],
    )


def record(url: str, plan: Mapping[str, Any], files: Mapping[str, str]) -> str:
    """Record the year's email (once per key) in the outbox; its dedupe key. ``plan`` is the
    run's year and date (``annual.prepare``), ``files`` the written paths."""
    engine = make_engine(url)
    year = int(plan["year"])
    email = shortlist_email(shortlist.read(engine, year), year, Path(files["xlsx"]).parent)
    created = dt.datetime.combine(dt.date.fromisoformat(plan["run_date"]), dt.time())
    outbox.record(engine, [email], created_at=created)
    return email.dedupe_key


def send(
    url: str, settings: SmtpSettings | None, run_after: dt.datetime, key: str
) -> dict[str, Any]:
    """Deliver the recorded email: over SMTP, or as an .eml file when ``settings`` is None."""
    report = outbox.deliver(make_engine(url), settings, run_after, eml.outbox_dir(), keys=[key])
    return {"summary": report.summary(), "failed": report.failed, "pending": report.pending}
