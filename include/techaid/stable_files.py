"""Files the pipeline writes for people: whole or not at all, and the same bytes for the same
content, so a re-run never shows a changed file (or a changed email attachment) for unchanged data.
"""

from __future__ import annotations

import datetime as dt
import io
import zipfile
from pathlib import Path

from openpyxl import Workbook
from openpyxl.writer.excel import ExcelWriter


def write_atomic(path: Path, data: bytes) -> None:
    """Readers (the email task, a browser) never see half a file."""
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(f".{path.name}.tmp")
    tmp.write_bytes(data)
    tmp.replace(path)


def workbook_bytes(wb: Workbook, stamp: dt.datetime) -> bytes:
    """The workbook as bytes that depend only on its content and ``stamp``: openpyxl's ``save``
    stamps the document properties and every zip entry with the current time."""
    wb.properties.creator = "techaid"
    wb.properties.lastModifiedBy = "techaid"
    wb.properties.created = stamp
    wb.properties.modified = stamp
    raw = io.BytesIO()
    ExcelWriter(wb, zipfile.ZipFile(raw, "w", zipfile.ZIP_DEFLATED)).save()  # closes the archive
    fixed = (max(stamp.year, 1980), stamp.month, stamp.day, stamp.hour, stamp.minute, 0)
    out = io.BytesIO()
    with zipfile.ZipFile(raw) as src, zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as dst:
        for info in src.infolist():
            entry = zipfile.ZipInfo(info.filename, date_time=fixed)
            entry.compress_type = zipfile.ZIP_DEFLATED
            dst.writestr(entry, src.read(info.filename))
    return out.getvalue()
