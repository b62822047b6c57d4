"""The poverty office register: dated folders of villages.csv and households.csv.

Register files go through the same reading and repairs as submissions. A register with any
refusal or row error is refused whole (recorded ``rejected``), so the previous dated register stays
in force for the months it covers; denominators never come from a half-read register.
"""

from __future__ import annotations

import datetime as dt
import logging
from dataclasses import dataclass
from typing import Any

from techaid import config
from techaid.findings import FileRefused, Finding, refuse
from techaid.intake import discover as disc
from techaid.intake import files, normalize

log = logging.getLogger(__name__)
NAMES = ("villages", "households")


@dataclass(frozen=True)
class RegisterUpload:
    register_date: dt.date
    files: dict[str, disc.LandingFile]  # "villages" / "households" -> the landed file

    @property
    def shas(self) -> dict[str, str]:
        return {n: (self.files[n].sha256 or "") if n in self.files else "" for n in NAMES}


def read_register(root: str, upload: RegisterUpload) -> tuple[dict[str, Any], Finding | None]:
    """Read and check both files of one dated register: the frames, or the first problem that
    refuses it whole (a file refusal or a row error)."""
    fs, _ = disc.landing_fs(root)
    frames: dict[str, Any] = {}
    for name in NAMES:
        try:
            frames[name] = _read(fs, upload.files[name], name)
        except FileRefused as refused:
            return {}, refused.finding
        except _RowErrors as errors:
            return {}, errors.first
    return frames, None


def uploads_by_date(found: list[disc.LandingFile]) -> list[RegisterUpload]:
    """The register files found in the landing area, grouped by their date."""
    by_date: dict[dt.date, dict[str, disc.LandingFile]] = {}
    for f in found:
        if f.kind == "register" and f.register_date is not None:
            name = f.file_name.split(".", 1)[0]
            by_date.setdefault(f.register_date, {})[name] = f
    return [RegisterUpload(date, files_) for date, files_ in sorted(by_date.items())]


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
