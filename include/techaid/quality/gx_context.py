"""The process's one Great Expectations context, and where the suites live.

Great Expectations takes about 10 s to import, so nothing here imports it at module level: the
first validation in a process builds one in-memory (ephemeral) context with analytics off and the
project's custom expectations registered, and every later one reuses it. Suites are versioned
JSON files, one per sheet: ``expectations/submission.<sheet>.json``.
"""

from __future__ import annotations

import functools
import json
import os
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from techaid import paths

DOMAIN = "submission"
DEFAULT_DIR = paths.EXPECTATIONS_DIR


def suites_dir() -> Path:
    return Path(os.environ.get("TECHAID_EXPECTATIONS_DIR") or DEFAULT_DIR)


def suite_name(sheet: str) -> str:
    return f"{DOMAIN}.{sheet}"


def suite_path(sheet: str, directory: Path | None = None) -> Path:
    return (directory or suites_dir()) / f"{suite_name(sheet)}.json"


@dataclass
class _Engine:
    gx: Any
    context: Any
    datasource: Any
    batch_definitions: dict[str, Any]


@functools.cache
def engine() -> _Engine:
    """The process's one GX context (imports GX and registers the custom expectations)."""
    os.environ.setdefault("GX_ANALYTICS_ENABLED", "false")
    import great_expectations as gx
    from great_expectations.data_context.types.base import (
        DataContextConfig,
        InMemoryStoreBackendDefaults,
        ProgressBarsConfig,
    )

    from techaid.quality import gx_custom  # noqa: F401 - registers the custom expectations

    project = DataContextConfig(
        store_backend_defaults=InMemoryStoreBackendDefaults(),
        analytics_enabled=False,
        progress_bars=ProgressBarsConfig(globally=False),
    )
    context = gx.get_context(mode="ephemeral", project_config=project)
    datasource = context.data_sources.add_pandas(name="submission")
    return _Engine(gx, context, datasource, {})


def batch_definition(sheet: str) -> Any:
    eng = engine()
    if sheet not in eng.batch_definitions:
        asset = eng.datasource.add_dataframe_asset(name=sheet)
        eng.batch_definitions[sheet] = asset.add_batch_definition_whole_dataframe("whole")
    return eng.batch_definitions[sheet]


@functools.cache
def _load_suite(path: str) -> Any:
    eng = engine()
    with open(path, encoding="utf-8") as fh:
        return eng.gx.ExpectationSuite(**json.load(fh))


def load_suite(sheet: str, directory: Path | None = None) -> Any:
    """The sheet's suite from ``expectations/submission.<sheet>.json`` (cached per process)."""
    return _load_suite(str(suite_path(sheet, directory)))
