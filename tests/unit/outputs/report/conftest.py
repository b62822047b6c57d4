"""One tiny warehouse and its rollup files, written once per session (charts take a second)."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
import sqlalchemy as sa

from techaid.outputs.report import RollupFiles, write_rollup
from tests.unit.outputs.report.report_builders import PERIOD, build


@pytest.fixture(scope="session")
def warehouse(tmp_path_factory: pytest.TempPathFactory) -> Iterator[sa.Engine]:
    folder = tmp_path_factory.mktemp("report-warehouse")
    engine = build(f"sqlite:///{folder / 'warehouse.db'}")
    yield engine
    engine.dispose()


@pytest.fixture(scope="session")
def out_root(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("report-output")


@pytest.fixture(scope="session")
def files(warehouse: sa.Engine, out_root: Path) -> RollupFiles:
    return write_rollup(warehouse, PERIOD, out_root)
