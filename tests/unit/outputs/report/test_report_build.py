"""Writing the rollup: idempotent files, a clear refusal for a month not computed, the CLI, and
no personal data even when the warehouse holds some."""

from __future__ import annotations

from pathlib import Path

import openpyxl
import pytest
import sqlalchemy as sa

from techaid.outputs.report import RollupFiles, write_rollup
from techaid.outputs.report.__main__ import main
from techaid.outputs.report.data import ReportDataError
from tests.unit.outputs.report.report_builders import HOUSEHOLD, PERIOD, PHONE


def test_a_second_run_rewrites_identical_files(
    files: RollupFiles, warehouse: sa.Engine, out_root: Path
) -> None:
    first = (files.xlsx.read_bytes(), files.html.read_bytes())
    again = write_rollup(warehouse, PERIOD, out_root)
    assert (again.xlsx, again.html) == (files.xlsx, files.html)
    assert (again.xlsx.read_bytes(), again.html.read_bytes()) == first
    assert again.charts == files.charts
    assert sorted(p.name for p in files.xlsx.parent.iterdir()) == [
        f"rollup_{PERIOD}.html",
        f"rollup_{PERIOD}.xlsx",
    ]  # no temporary file left behind


def test_workbook_document_time_comes_from_the_period(files: RollupFiles) -> None:
    props = openpyxl.load_workbook(files.xlsx).properties
    assert props.created.isoformat() == props.modified.isoformat() == "2018-06-30T00:00:00"


def test_a_month_without_a_rollup_is_refused_clearly(warehouse: sa.Engine, tmp_path: Path) -> None:
    with pytest.raises(ReportDataError, match="2018-07"):
        write_rollup(warehouse, "2018-07", tmp_path)
    assert not (tmp_path / "2018-07").exists()


def test_no_phone_number_or_household_id_reaches_the_files(files: RollupFiles) -> None:
    """The warehouse holds both (clean tables, a finding's value); the report shows neither."""
    texts = [files.html.read_text(encoding="utf-8")]
    for ws in openpyxl.load_workbook(files.xlsx).worksheets:
        texts += [str(c.value) for row in ws.iter_rows() for c in row if c.value is not None]
    joined = "\n".join(texts)
    assert PHONE not in joined
    assert PHONE[-4:] not in joined
    assert HOUSEHOLD not in joined


def test_cli_writes_both_files(
    warehouse: sa.Engine, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    url = warehouse.url.render_as_string(hide_password=False)
    assert main(["--period", PERIOD, "--out", str(tmp_path), "--url", url]) == 0
    printed = capsys.readouterr().out.split()
    assert printed == [
        str(tmp_path / PERIOD / f"rollup_{PERIOD}.xlsx"),
        str(tmp_path / PERIOD / f"rollup_{PERIOD}.html"),
    ]
    assert all(Path(p).stat().st_size > 0 for p in printed)
    assert main(["--period", "2019-01", "--out", str(tmp_path), "--url", url]) == 1
    assert "2019-01" in capsys.readouterr().err
