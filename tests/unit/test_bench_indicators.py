"""The indicator bench runs end to end and reports its figures; no timing is asserted (the
figures depend on the machine and its load)."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from techaid_dev.bench import indicators as bench

RATIO = re.compile(r"\| [0-9]+\.[0-9]× \|")


def test_floor_statements_drop_comments() -> None:
    stmts = bench.floor_statements()
    assert len(stmts) >= 5
    assert not any("--" in s for s in stmts)
    assert "$period" in stmts[-1]
    assert stmts[-1].lstrip().startswith("with")


def test_write_doc_replaces_only_its_section(tmp_path: Path) -> None:
    doc = tmp_path / "benchmarks.md"
    doc.write_text(
        "# Benchmarks\n\n<!-- bench:intake -->\n## Intake\nintake figures\n<!-- /bench:intake -->"
        f"\n\n{bench.HEADING}\n\nold figures, written by hand\n\n## Later notes\nkept\n",
        encoding="utf-8",
    )
    bench.write_doc(doc, f"{bench.HEADING}\n\nfirst run")
    bench.write_doc(doc, f"{bench.HEADING}\n\nsecond run")
    text = doc.read_text(encoding="utf-8")
    assert "intake figures" in text
    assert "## Later notes\nkept" in text
    assert "old figures" not in text
    assert "first run" not in text
    assert text.count(bench.HEADING) == 1
    assert "second run" in text


@pytest.mark.slow
@pytest.mark.postgres
def test_bench_runs_at_tiny_scale_on_postgres(pg_server: str, tmp_path: Path) -> None:
    doc = tmp_path / "benchmarks.md"
    argv = ["--scale", "0.005", "--months", "3", "--repeat", "1", "--pg-url", pg_server]
    assert bench.main([*argv, "--doc", str(doc), "--keep", str(tmp_path / "work")]) == 0
    text = doc.read_text(encoding="utf-8")
    start = text.index(f"<!-- bench:{bench.SECTION} -->")
    section = text[start : text.index(f"<!-- /bench:{bench.SECTION} -->")]
    assert bench.HEADING in section
    for figure in ("`compute_period(2018-03)`", "`recompute(2018-02, 2018-03)`", "DuckDB"):
        assert figure in section, figure
    assert len(RATIO.findall(section)) == 3  # one month, its templates, the recompute
    assert re.search(r"for (\d+) of \1 \(indicator, county\) pairs", section), "cross-check"
    assert "### Warehouse growth per month" in section
    assert re.search(r"\| of which `clean_households` \([0-9,]+ rows", section)
    assert "load average" in section
    assert "nproc" in section
