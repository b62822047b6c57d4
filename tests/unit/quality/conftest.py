"""Fixtures for the data-quality tests (builders in dq_builders.py).

Great Expectations takes seconds to import; the session-scoped ``gx`` fixture imports it once
(the runner keeps one context per process), so every test after the first is fast.

Each rule test breaks one sheet of the clean file and checks the whole file, so nine of its ten
sheets are clean ones that other tests validated already (half a minute of GX over
test_dq_rules.py). ``_validated_once`` runs GX once per distinct sheet: a frame equal to one
already validated (same pickled bytes, same suite object, same values of the parameters the suite
uses, the only ones GX and the failures' details read) gets that validation's failures back. Any
other frame, and every call with a suite of its own or a ``keep`` (the Data Docs reuse), is
validated as usual.
"""

from __future__ import annotations

import copy
import hashlib
import pickle
from collections.abc import Callable
from typing import Any

import pytest
from dq_builders import PERIOD, build_file, clean_rows, context

# (sheet, id of the suite, digest of frame and parameters) -> (suite, failures): the suite is kept
# so that its id cannot be reused by another object while the entry lives.
_VALIDATED: dict[tuple[str, int, str], tuple[Any, list]] = {}


@pytest.fixture(autouse=True)
def _validated_once(monkeypatch: pytest.MonkeyPatch) -> None:
    """Each distinct sheet validated by GX once per process (see the module docstring)."""
    from techaid.quality import gx_runner

    validate = gx_runner.validate_frame

    def memo(
        sheet: str,
        frame: Any,
        parameters: Any = None,
        *,
        suite: Any = None,
        keep: dict[str, Any] | None = None,
    ) -> list:
        if suite is not None or keep is not None:
            return validate(sheet, frame, parameters, suite=suite, keep=keep)
        loaded = gx_runner.load_suite(sheet)  # the suite validate_frame itself loads
        used = gx_runner._parameter_names(loaded)
        params = sorted((k, v) for k, v in dict(parameters or {}).items() if k in used)
        digest = hashlib.sha256(pickle.dumps((frame, params))).hexdigest()
        key = (sheet, id(loaded), digest)
        if key not in _VALIDATED:
            _VALIDATED[key] = (loaded, validate(sheet, frame, parameters))
        return list(_VALIDATED[key][1])

    monkeypatch.setattr(gx_runner, "validate_frame", memo)


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
