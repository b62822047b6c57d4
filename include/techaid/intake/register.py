"""The poverty office register: dated folders of villages.csv and households.csv.

Register files go through the same reading and repairs as submissions. Reading never stops at the
first problem: both files are read as far as they can be, so a refused register is told every
reason at once (the checks after reading are :mod:`techaid.quality.register_checks`).
"""

from __future__ import annotations

import datetime as dt
import hashlib
import logging
import posixpath
from collections import Counter
from dataclasses import dataclass, field

import fsspec
import pandas as pd

from techaid import config
from techaid.findings import FileRefused, Finding, refuse
from techaid.intake import discover as disc
from techaid.intake import files, normalize
from techaid.intake.model import RepairKey

log = logging.getLogger(__name__)
NAMES = ("villages", "households")


@dataclass(frozen=True)
class RegisterUpload:
    register_date: dt.date
    files: dict[str, disc.LandingFile]  # "villages" / "households" -> the landed file

    @property
    def shas(self) -> dict[str, str]:
        return {n: (self.files[n].sha256 or "") if n in self.files else "" for n in NAMES}

    @property
    def missing(self) -> list[str]:
        return [n for n in NAMES if n not in self.files]

    @property
    def folder(self) -> str:
        """The date folder as the landing area names it, e.g. ``register/2018-01-01``."""
        return f"{disc.REGISTER}/{self.register_date.isoformat()}"

    @property
    def path(self) -> str:
        """The date folder on the landing filesystem."""
        return posixpath.dirname(next(iter(self.files.values())).path)

    @property
    def sha256(self) -> str:
        """One content hash for the pair: a register is taken or refused as a whole."""
        text = "|".join(["register", self.register_date.isoformat(), *self.shas.values()])
        return hashlib.sha256(text.encode()).hexdigest()

    @property
    def received_at(self) -> dt.datetime:
        """When the register was complete: the later of its two files."""
        return max(f.mtime for f in self.files.values())

    @property
    def size(self) -> int:
        return sum(f.size for f in self.files.values())


@dataclass
class RegisterRead:
    """Both files as far as they could be read: typed frames (with ``row_number``, the line of
    the office's file), every finding (a file that could not be read at all: its fatal finding)
    and the repairs made."""

    frames: dict[str, pd.DataFrame] = field(default_factory=dict)
    findings: list[Finding] = field(default_factory=list)
    repairs: Counter[RepairKey] = field(default_factory=Counter)


def read_register(root: str, upload: RegisterUpload) -> RegisterRead:
    """Read both files of one dated register, collecting every problem of each."""
    fs, _ = disc.landing_fs(root)
    out = RegisterRead()
    for name in NAMES:
        try:
            frame, findings, repairs = _read(fs, upload.files[name], name)
        except FileRefused as refused:
            out.findings.append(refused.finding)
            continue
        out.frames[name] = frame
        out.findings.extend(findings)
        out.repairs.update(repairs)
    return out


def uploads_by_date(found: list[disc.LandingFile]) -> list[RegisterUpload]:
    """The register files found in the landing area, grouped by their date."""
    by_date: dict[dt.date, dict[str, disc.LandingFile]] = {}
    for f in found:
        if f.kind == "register" and f.register_date is not None:
            name = f.file_name.split(".", 1)[0].lower()
            by_date.setdefault(f.register_date, {})[name] = f
    return [RegisterUpload(date, files_) for date, files_ in sorted(by_date.items())]


def _read(
    fs: fsspec.AbstractFileSystem, landed: disc.LandingFile, name: str
) -> tuple[pd.DataFrame, list[Finding], Counter[RepairKey]]:
    if landed.refusal is not None:
        raise FileRefused(landed.refusal)
    raw = files.read_raw(fs, landed.path)
    sheet = raw.sheets.get(name) or next(iter(raw.sheets.values()), None)
    if sheet is None:
        raise refuse("file.unreadable", value=landed.file_name, detail="文件为空")
    spec = config.schema().register_sheet(name)
    parsed, findings, repairs = normalize.normalize_sheet(sheet, spec)
    repairs.update(raw.repairs)
    return parsed.frame, findings, repairs
