"""``make bench`` runs end to end and writes its tables; no timing is asserted (machine-bound)."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from techaid_dev.bench import __main__ as bench
from techaid_dev.bench.report import Row, table, write_section

RATIO = re.compile(r"\| [0-9]+\.[0-9]×")


def test_row_ratio_and_rate() -> None:
    row = Row("x", 6.0, rows=300, floor_s=2.0)
    assert row.ratio == pytest.approx(3.0)
    assert row.rate == pytest.approx(50.0)
    assert Row("no floor", 1.0).ratio is None
    assert "3.0×" in table([row])


def test_sections_are_replaced_in_place_and_others_kept(tmp_path: Path) -> None:
    doc = tmp_path / "benchmarks.md"
    write_section(doc, "intake", "first intake")
    write_section(doc, "quality", "quality figures")
    write_section(doc, "intake", "second intake")
    text = doc.read_text(encoding="utf-8")
    assert "second intake" in text
    assert "first intake" not in text
    assert text.index("second intake") < text.index("quality figures")
    assert text.count("<!-- bench:intake -->") == 1


@pytest.mark.slow
def test_bench_runs_at_small_scale_on_sqlite(tmp_path: Path) -> None:
    doc = tmp_path / "benchmarks.md"
    argv = ["--scale", "0.01", "--only", "all", "--backends", "sqlite", "--repeat", "1"]
    assert bench.main([*argv, "--doc", str(doc), "--keep", str(tmp_path / "work")]) == 0
    text = doc.read_text(encoding="utf-8")
    intake = text[text.index("<!-- bench:intake -->") : text.index("<!-- /bench:intake -->")]
    quality = text[text.index("<!-- bench:quality -->") : text.index("<!-- /bench:quality -->")]
    for step in ("discover", "read:", "check:", "load:", "**total**", "floor", "pyarrow"):
        assert step in intake, step
    assert "| **PostgreSQL**" not in intake  # SQLite only
    # Without PostgreSQL the floor has no COPY: only the reads are set against it.
    read_row = next(line for line in intake.splitlines() if line.startswith("| read:"))
    assert RATIO.search(read_row)
    assert "outcomes (sqlite): accepted" in intake
    assert "households suite, GX" in quality
    assert len(RATIO.findall(quality)) == 2
