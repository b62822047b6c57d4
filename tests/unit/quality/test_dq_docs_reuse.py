"""The Data Docs store the checks' own GX results instead of validating each sheet a second time:
what is stored (masked, cut to the SUMMARY format) is byte for byte what a second validation
stored, for a file with failing personal values."""

from __future__ import annotations

import copy
from pathlib import Path
from typing import Any

from dq_builders import HH, build_file, clean_rows, context

from techaid.outputs import data_docs
from techaid.quality.check import check_file

SID = "0123456789abcdef0123"


def _stored(root: Path) -> dict[str, bytes]:
    folder = root.joinpath(*data_docs.RESULTS_FOLDER)
    return {str(p.relative_to(folder)): p.read_bytes() for p in folder.rglob("*.json")}


def test_should_store_the_checks_results_as_a_second_validation_would(
    gx: Any, tmp_path: Path
) -> None:
    rows = copy.deepcopy(clean_rows())
    rows["households"][1]["household_id"] = HH[0]  # a duplicated id: a failing personal value
    rows["experts"][1]["phone"] = "0556-5551234"  # a malformed phone
    parsed, ctx = build_file(rows), context()
    kept: dict[str, Any] = {}
    findings = check_file(parsed, ctx, kept)

    data_docs.record_file(parsed, ctx, SID, "2018-07-02T08:00:00", tmp_path / "again")
    data_docs.record_file(
        parsed, ctx, SID, "2018-07-02T08:00:00", tmp_path / "reused", checked=kept
    )

    again, reused = _stored(tmp_path / "again"), _stored(tmp_path / "reused")
    assert findings
    assert set(kept) <= set(parsed.sheets)
    assert again
    assert reused == again
    assert b"5551234" not in b"".join(reused.values())
