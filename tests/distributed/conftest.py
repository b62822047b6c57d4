"""The distributed tests run only when asked for (``make test-distributed``: ``-m distributed``):
they start a whole Airflow deployment and take minutes, so the default run leaves them out."""

from __future__ import annotations

import pytest


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    if "distributed" in (config.getoption("markexpr", "") or ""):
        return
    skipped = [i for i in items if i.get_closest_marker("distributed")]
    if skipped:
        config.hook.pytest_deselected(items=skipped)
        items[:] = [i for i in items if not i.get_closest_marker("distributed")]
