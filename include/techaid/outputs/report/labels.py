"""What the report calls things: indicator names and kinds, statuses and their colours.

Indicator names come from the catalogue file (``indicators.yaml``, the same file the engine
computes from), so a renamed or added indicator shows up in the report without a code change.
Only the display fields are read here; the engine validates the whole file when it computes.
"""

from __future__ import annotations

import functools
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal

import yaml

from techaid import config

Kind = Literal["share", "flag", "count"]

# Share-like aggregations: the value is a fraction 0..1 (a county's "has one" is 0 or 1).
_SHARE_SPATIAL = {"ratio_of_sums", "share_of_counties"}

STATUS_ZH = {
    "met": "已达标",
    "on_track": "正常推进",
    "lagging": "滞后",
    "critical": "严重滞后",
    "no_data": "无数据",
}
MONITORED_ZH = "仅监测"
# Fill colours (hex RGB, no '#'), shared by the workbook, the HTML and the charts.
STATUS_COLOUR = {
    "met": "2E7D32",
    "on_track": "81C784",
    "lagging": "FFB300",
    "critical": "D32F2F",
    "no_data": "9E9E9E",
}
STATUS_FILL = {
    "met": "C8E6C9",
    "on_track": "E8F5E9",
    "lagging": "FFE0B2",
    "critical": "FFCDD2",
    "no_data": "E0E0E0",
}

# A city's month: its current version's state, or nothing received.
STATE_ZH = {
    "accepted": "已接收",
    "accepted_with_errors": "已接收（部分行隔离）",
    "rejected": "被拒收",
    "missing": "未报送",
}
STATE_FILL = {
    "accepted": "C8E6C9",
    "accepted_with_errors": "FFF9C4",
    "rejected": "FFCDD2",
    "missing": "FFCDD2",
}

SEVERITY_ZH = {"fatal": "致命", "error": "错误", "warning": "警告"}
SEVERITIES = ("fatal", "error", "warning")

SUBMISSION_REASON_ZH = {
    "submission_missing": "本市当月未报送",
    "submission_rejected": "本市当月报送被拒收",
}

SECTION_ZH = {
    "province": "全省进度",
    "cities": "各市",
    "counties": "各县",
    "ranking": "落后县排名",
    "reporting": "报送情况",
    "quality": "数据质量",
    "history": "县历史",
}


@dataclass(frozen=True)
class IndicatorLabel:
    """How one indicator is shown: its Chinese name and whether its values are shares."""

    code: str
    zh: str
    spatial: str
    order: int

    def kind(self, level: str) -> Kind:
        """``flag`` for a county's 0/1 "has one", ``share`` for fractions, else ``count``."""
        if self.spatial == "share_of_counties" and level == "county":
            return "flag"
        return "share" if self.spatial in _SHARE_SPATIAL else "count"


@functools.cache
def _labels(directory: str) -> dict[str, IndicatorLabel]:
    path = Path(directory) / "indicators.yaml"
    try:
        raw: Any = yaml.safe_load(path.read_text(encoding="utf-8"))
    except (OSError, yaml.YAMLError) as exc:
        raise config.ConfigError(path, "(file)", None, f"cannot be read: {exc}") from exc
    indicators = raw.get("indicators") if isinstance(raw, dict) else None
    if not isinstance(indicators, dict):
        raise config.ConfigError(path, "indicators", None, "must map codes to indicators")
    labels = {}
    for order, (code, body) in enumerate(indicators.items()):
        if not isinstance(body, dict) or not body.get("zh"):
            raise config.ConfigError(
                path, f"indicators.{code}.zh", None, "a Chinese name is required"
            )
        labels[str(code)] = IndicatorLabel(
            str(code), str(body["zh"]), str(body.get("spatial")), order
        )
    return labels


def indicator_labels() -> dict[str, IndicatorLabel]:
    """Every indicator of the catalogue in its file order (the order of the report's tables)."""
    return _labels(str(config.config_dir()))


def indicator_label(code: str) -> IndicatorLabel:
    """A code the catalogue no longer knows (an old month) keeps its code as its name."""
    known = indicator_labels()
    return known.get(code) or IndicatorLabel(code, code, "", len(known))


def status_zh(status: str | None) -> str:
    return STATUS_ZH.get(status or "", MONITORED_ZH if status is None else status)


def show(kind: Kind, value: float | None) -> str:
    """A value as a reader reads it: shares in percent, a county's 0/1 as 有/无, counts plain."""
    if value is None:
        return "—"
    if kind == "share":
        return f"{value:.1%}"
    if kind == "flag":
        return "有" if value >= 1 else "无"
    return f"{value:,.0f}" if float(value).is_integer() else f"{value:,.2f}"
