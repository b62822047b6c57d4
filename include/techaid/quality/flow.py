"""Write -> audit -> publish: from findings to what may be loaded.

Severity comes from the rule registry: ``fatal`` refuses the file, ``error`` quarantines its row,
``warning`` is only reported. A sheet of at least ``min_sheet_rows`` rows with more than
``max_share`` of them quarantined refuses the whole file.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field

import pandas as pd

from techaid import config
from techaid.findings import Finding, finding
from techaid.intake.model import ParsedFile

ACCEPTED, WITH_ERRORS, REJECTED = "accepted", "accepted_with_errors", "rejected"


@dataclass
class Decision:
    outcome: str  # accepted | accepted_with_errors | rejected
    findings: list[Finding]
    clean: dict[str, pd.DataFrame] = field(default_factory=dict)  # rows that may be loaded
    quarantined: dict[str, set[int]] = field(default_factory=dict)  # sheet -> row numbers

    @property
    def rows_loaded(self) -> int:
        return sum(len(f) for f in self.clean.values())

    @property
    def rows_quarantined(self) -> int:
        return sum(len(rows) for rows in self.quarantined.values())

    @property
    def warnings(self) -> int:
        return sum(f.severity == "warning" for f in self.findings)

    @property
    def fatal(self) -> Finding | None:
        return next((f for f in self.findings if f.severity == "fatal"), None)


def decide(parsed: ParsedFile, findings: list[Finding]) -> Decision:
    """Apply severities: refuse, or split each sheet into clean and quarantined rows."""
    from techaid.quality.context_checks import county_quarantined

    findings = list(findings)
    # Once every row error is known, a quarantined county row refuses the file (check_file flags
    # those it sees; this catches errors added after it).
    seen = {(f.rule, f.row) for f in findings}
    findings += [f for f in county_quarantined(parsed, findings) if (f.rule, f.row) not in seen]
    quarantined: dict[str, set[int]] = defaultdict(set)
    for f in findings:
        if f.severity == "error" and f.sheet and f.row is not None:
            quarantined[f.sheet].add(f.row)
    findings += _threshold_findings(parsed, quarantined)
    if any(f.severity == "fatal" for f in findings):
        return Decision(REJECTED, findings, {}, dict(quarantined))
    clean = {
        name: sheet.frame[~sheet.frame["row_number"].isin(quarantined.get(name, ()))]
        for name, sheet in parsed.sheets.items()
    }
    outcome = WITH_ERRORS if any(quarantined.values()) else ACCEPTED
    return Decision(outcome, findings, clean, dict(quarantined))


def _threshold_findings(parsed: ParsedFile, quarantined: dict[str, set[int]]) -> list[Finding]:
    q = config.program().quarantine
    out = []
    for name, sheet in parsed.sheets.items():
        total, bad = len(sheet.frame), len(quarantined.get(name, ()))
        if total >= q.min_sheet_rows and bad > q.max_share * total:
            out.append(finding("file.quarantine_threshold", sheet=name, value=bad, detail=total))
    return out
