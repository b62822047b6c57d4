"""The poverty office register: dated folders of villages.csv and households.csv.

Register files go through the same reading and repairs as submissions. A register with any
refusal or row error is refused whole (recorded ``rejected``), so the previous dated register stays
in force for the months it covers; denominators never come from a half-read register.
"""

from __future__ import annotations

import datetime as dt
import logging
from dataclasses import dataclass

import sqlalchemy as sa

from techaid import config
from techaid.findings import FileRefused, Finding, refuse
from techaid.intake import discover as disc
from techaid.intake import files, normalize
from techaid.warehouse import schema, versions

log = logging.getLogger(__name__)
NAMES = ("villages", "households")


@dataclass(frozen=True)
class RegisterUpload:
    register_date: dt.date
    files: dict[str, disc.LandingFile]  # "villages" / "households" -> the landed file

    @property
    def shas(self) -> dict[str, str]:
        return {n: (self.files[n].sha256 or "") if n in self.files else "" for n in NAMES}


def pending_registers(engine: sa.Engine, found: list[disc.LandingFile]) -> list[RegisterUpload]:
    """Register dates whose files are new or changed since they were last recorded."""
    by_date: dict[dt.date, dict[str, disc.LandingFile]] = {}
    for f in found:
        if f.kind == "register" and f.register_date is not None:
            name = f.file_name.split(".", 1)[0]
            by_date.setdefault(f.register_date, {})[name] = f
    t = schema.register_version
    with engine.connect() as conn:
        seen = {
            r.register_date: (r.villages_sha256, r.households_sha256)
            for r in conn.execute(sa.select(t))
        }
    uploads = []
    for date, files_ in sorted(by_date.items()):
        up = RegisterUpload(date, files_)
        if seen.get(date) != (up.shas["villages"], up.shas["households"]):
            uploads.append(up)
    return uploads


def load(engine: sa.Engine, root: str, upload: RegisterUpload) -> str:
    """Read, check and load one dated register; returns its status."""
    missing = [n for n in NAMES if n not in upload.files]
    if missing:
        log.warning("register %s: waiting for %s", upload.register_date, ", ".join(missing))
        return "incomplete"
    fs, _ = disc.landing_fs(root)
    frames, problem = {}, None
    for name in NAMES:
        try:
            frames[name] = _read(fs, upload.files[name], name)
        except FileRefused as refused:
            problem = refused.finding
            break
        except _RowErrors as errors:
            problem = errors.first
            break
    status = "rejected" if problem else "accepted"
    message = f"{problem.rule}: {problem.message}" if problem else None
    versions.load_register(
        engine,
        upload.register_date,
        frames.get("villages") if not problem else None,
        frames.get("households") if not problem else None,
        upload.shas,
        status,
        message,
    )
    log.info("register %s: %s %s", upload.register_date, status, message or "")
    return status


class _RowErrors(Exception):
    def __init__(self, first: Finding):
        self.first = first


def _read(fs, landed: disc.LandingFile, name: str):
    if landed.refusal is not None:
        raise FileRefused(landed.refusal)
    raw = files.read_raw(fs, landed.path)
    sheet = raw.sheets.get(name) or next(iter(raw.sheets.values()), None)
    if sheet is None:
        raise refuse("file.unreadable", value=landed.file_name, detail="文件为空")
    spec = config.schema().register_sheet(name)
    parsed, findings, _repairs = normalize.normalize_sheet(sheet, spec)
    errors = [f for f in findings if f.severity in ("fatal", "error")]
    if errors:
        raise _RowErrors(errors[0])
    return parsed.frame.drop(columns=["row_number"])
