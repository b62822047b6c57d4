"""Every DAG loads, carries the conventions the team relies on, and parses cheaply."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from techaid.paths import PROJECT_ROOT

ROOT = PROJECT_ROOT
DAG_FILES = sorted((ROOT / "dags").glob("*.py"))
HEAVY = (
    "pandas",
    "great_expectations",
    "pyarrow",
    "openpyxl",
    "yagmail",
    "python_calamine",
    "techaid.pipeline",
    "techaid.warehouse",
    "techaid.intake",
    "techaid.quality",
)


@pytest.fixture(scope="module")
def dagbag():
    from airflow.dag_processing.dagbag import DagBag

    return DagBag(dag_folder=str(ROOT / "dags"))


def test_no_import_errors(dagbag) -> None:
    assert dagbag.import_errors == {}
    assert dagbag.dags, "no DAG found"


def test_one_dag_per_file_named_after_it(dagbag) -> None:
    assert sorted(dagbag.dags) == sorted(p.stem for p in DAG_FILES)


def test_every_dag_has_tags_doc_retries_and_failure_alerts(dagbag) -> None:
    for dag_id, dag in dagbag.dags.items():
        assert dag.tags, f"{dag_id}: no tags"
        assert dag.doc_md, f"{dag_id}: no doc_md"
        assert "Triage" in dag.doc_md, f"{dag_id}: doc_md lacks a runbook"
        for t in dag.tasks:
            assert t.retries >= 1, f"{dag_id}.{t.task_id}: no retries"
            assert t.on_failure_callback, f"{dag_id}.{t.task_id}: no failure callback"
            assert t.execution_timeout is not None, f"{dag_id}.{t.task_id}: no timeout"


def test_every_task_has_a_one_line_doc(dagbag) -> None:
    """Airflow shows a task's docstring as its documentation in the UI."""
    for dag_id, dag in dagbag.dags.items():
        for t in dag.tasks:
            doc = (t.doc_md or t.doc or "").strip()
            assert doc, f"{dag_id}.{t.task_id}: no docstring"


def test_static_start_dates(dagbag) -> None:
    for dag_id, dag in dagbag.dags.items():
        assert dag.start_date is not None, dag_id
        assert dag.start_date.year < 2021, dag_id


@pytest.mark.parametrize("path", DAG_FILES, ids=lambda p: p.name)
def test_no_heavy_imports_at_parse_time(path: Path) -> None:
    """Parsing a DAG file must not import pandas, GX or our domain code (slow parses). Nothing is
    imported before the file runs, so whatever its imports pull in (Airflow's own included) counts."""
    probe = f"""
import json, sys, runpy
before = set(sys.modules)
runpy.run_path({str(path)!r})
print(json.dumps(sorted(set(sys.modules) - before)))
"""
    out = subprocess.run(
        [sys.executable, "-c", probe], capture_output=True, text=True, check=True, cwd=ROOT
    )
    added = json.loads(out.stdout.strip().splitlines()[-1])
    heavy = [m for m in added if m.split(".")[0] in HEAVY or m.startswith(HEAVY)]
    assert heavy == [], f"{path.name} imports at parse time: {heavy[:5]}"
