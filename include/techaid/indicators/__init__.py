"""The indicator engine: catalogue (data), SQL per shape, targets and statuses, ranking.

Importable without Airflow. Entry points: :func:`compute_period`, :func:`recompute`,
:func:`affected_periods` (see :mod:`techaid.indicators.compute`), and the catalogue loader.
"""

from techaid.indicators.catalogue import Catalogue, catalogue, load_catalogue
from techaid.indicators.compute import (
    PeriodResult,
    Settings,
    affected_periods,
    compute_period,
    computed_periods,
    ensure_tables,
    recompute,
)

__all__ = [
    "Catalogue",
    "PeriodResult",
    "Settings",
    "affected_periods",
    "catalogue",
    "compute_period",
    "computed_periods",
    "ensure_tables",
    "load_catalogue",
    "recompute",
]
