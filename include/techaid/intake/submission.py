"""One submission file, end to end through intake: container -> meta -> sheets -> typed frames.

Intake owns the file and parsing values into types; everything else is data quality.
"""

from __future__ import annotations

from collections import Counter

import fsspec

from techaid import config
from techaid.findings import FileRefused, refuse
from techaid.intake import discover, files, normalize
from techaid.intake.model import ParsedFile, RawFile, RawSheet


def read_submission(fs: fsspec.AbstractFileSystem, landing: discover.LandingFile) -> ParsedFile:
    """Read and normalize one submission; raises FileRefused with the exact reason."""
    if landing.refusal is not None:
        raise FileRefused(landing.refusal)
    raw = files.read_raw(fs, landing.path)
    meta_raw = _sheet(raw, "meta")
    if meta_raw is None:
        raise refuse("file.meta_missing", sheet="meta", column="city_code", detail="")
    repairs: Counter = Counter(raw.repairs)
    meta = normalize.parse_meta(meta_raw, landing.city_code or "", landing.period or "", repairs)
    discover.check_name_against_meta(landing, meta["city_code"], meta["period"])
    parsed = ParsedFile(meta["city_code"], meta["period"], meta, {}, [], repairs)
    for name, spec in config.schema().sheets.items():
        sheet = _sheet(raw, name)
        if sheet is None:
            if spec.required:
                raise refuse("file.missing_sheet", sheet=name)
            continue
        result, findings, counts = normalize.normalize_sheet(sheet, spec)
        parsed.sheets[name] = result
        parsed.findings.extend(findings)
        parsed.repairs.update(counts)
    return parsed


def _sheet(raw: RawFile, name: str) -> RawSheet | None:
    return raw.sheets.get(name)
