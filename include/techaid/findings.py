"""Findings: every problem any check reports, in the one form ``dq_issue`` publishes.

Rules are looked up in the registry (``include/config/rules.yaml``), which gives each its severity
and the Chinese message template, so changing a severity never needs code.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass
from typing import Any

from techaid import config

SEVERITIES = ("fatal", "error", "warning")


@dataclass(frozen=True)
class Finding:
    rule: str
    severity: str
    message: str
    sheet: str | None = None
    row: int | None = None  # the row number as the office sees it in its own file
    column: str | None = None
    value: str | None = None

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


class FileRefused(Exception):
    """The whole file is refused; ``finding`` says exactly why (a fatal finding)."""

    def __init__(self, finding: Finding):
        self.finding = finding
        super().__init__(f"{finding.rule}: {finding.message}")


def mask(text: str) -> str:
    """Personal data as published anywhere: only the last 4 characters kept."""
    return "*" * max(len(text) - 4, 0) + text[-4:]


def _labels(sheet: str | None, column: str | None) -> tuple[str, str, bool]:
    """Chinese sheet and column names, and whether the column holds personal data."""
    schema = config.schema()
    spec = schema.sheets.get(sheet or "") or schema.register_sheets.get(sheet or "")
    if sheet == "meta":
        col = schema.meta.keys.get(column or "")
        return schema.meta.zh, col.zh if col else (column or ""), False
    if spec is None:
        return sheet or "", column or "", False
    col = spec.columns.get(column or "")
    return spec.zh, col.zh if col else (column or ""), bool(col and col.personal)


def finding(
    rule: str,
    *,
    sheet: str | None = None,
    row: int | None = None,
    column: str | None = None,
    value: Any = None,
    detail: Any = "",
    **fields: Any,
) -> Finding:
    """Build a finding for a registered rule, its message filled in Chinese."""
    spec = config.rules().get(rule)
    if spec is None:
        raise KeyError(f"rule {rule!r} is not in the rule registry (rules.yaml)")
    sheet_zh, column_zh, personal = _labels(sheet, column)
    text = "" if value is None else str(value)
    if personal:
        text = mask(text)
    message = spec.message.format(
        row=row,
        sheet=sheet or "",
        sheet_zh=sheet_zh,
        column=column or "",
        column_zh=column_zh,
        value=text,
        detail=detail,
        **fields,
    )
    return Finding(
        rule, spec.severity, message, sheet, row, column, text if value is not None else None
    )


def refuse(rule: str, **kwargs: Any) -> FileRefused:
    """The exception that refuses a file for a rule; ``raise refuse(...)``."""
    return FileRefused(finding(rule, **kwargs))
