"""Fixtures for the data-quality tests (builders in dq_builders.py).

Great Expectations takes seconds to import; the session-scoped ``gx`` fixture imports it once
(the runner keeps one context per process), so every test after the first is fast.
"""

from __future__ import annotations

import copy
from collections.abc import Callable
from typing import Any

import pytest
from dq_builders import PERIOD, build_file, clean_rows, context


@pytest.fixture(scope="session")
def gx() -> Any:
    """The one GX engine of the test session (imports Great Expectations once)."""
    from techaid.quality import gx_runner

    return gx_runner.engine()


@pytest.fixture
def rows() -> dict[str, list[dict[str, Any]]]:
    return copy.deepcopy(clean_rows())


@pytest.fixture
def run(gx: Any) -> Callable[..., list]:
    """check_file on the given rows (default context: Anqing, June 2018, with a register)."""
    from techaid.quality.check import check_file

    def _run(rows: dict[str, list[dict[str, Any]]], period: str = PERIOD, **kw: Any) -> list:
        return check_file(build_file(rows, period), context(period, **kw))

    return _run
