"""The bench's tables: printed, and kept as sections of ``docs/benchmarks.md``.

Each part owns one section between ``<!-- bench:<part> -->`` markers, replaced on every run, so
running one part leaves the others' last figures in place (each section carries its own date and
machine, since they may come from different runs).
"""

from __future__ import annotations

import datetime as dt
import os
import platform
import re
from dataclasses import dataclass
from pathlib import Path

DOC_HEADER = """# Benchmarks

Written by `make bench` (`python -m techaid_dev.bench`); each section is replaced when its part runs
again. Times are wall-clock seconds on the machine named in the section; "× floor" divides a
figure by the floor measured in the same run (see each section), so it travels between machines
better than seconds do. Nothing in the test suite asserts these numbers.
"""


@dataclass
class Row:
    """One line of a table: a step, its time, and (when it has one) its floor."""

    label: str
    seconds: float | None
    rows: int | None = None
    rss_mb: float | None = None
    floor_s: float | None = None
    note: str = ""

    @property
    def ratio(self) -> float | None:
        if self.seconds is None or not self.floor_s:
            return None
        return self.seconds / self.floor_s

    @property
    def rate(self) -> float | None:
        if self.seconds is None or not self.rows or self.seconds <= 0:
            return None
        return self.rows / self.seconds


def _num(value: float | None, fmt: str) -> str:
    return "" if value is None else format(value, fmt)


def table(rows: list[Row]) -> str:
    """A Markdown table (readable as plain text too)."""
    lines = [
        "| Step | Time (s) | Rows | Rows/s | Peak RSS (MB) | Floor (s) | × floor | Note |",
        "|---|---:|---:|---:|---:|---:|---:|---|",
    ]
    for r in rows:
        ratio = "" if r.ratio is None else f"{r.ratio:.1f}×"
        cells = [
            r.label,
            _num(r.seconds, ".1f"),
            _num(r.rows, ","),
            _num(r.rate, ",.0f"),
            _num(r.rss_mb, ",.0f"),
            _num(r.floor_s, ".1f"),
            ratio,
            r.note,
        ]
        lines.append("| " + " | ".join(cells) + " |")
    return "\n".join(lines)


def machine(extra: dict[str, str] | None = None) -> str:
    """Where the figures were measured: date, architecture, cores, memory, Python, and how busy
    the machine already was (another job on a 2-core machine shows in every figure)."""
    try:
        cores = len(os.sched_getaffinity(0))
    except AttributeError:  # not on Linux
        cores = os.cpu_count() or 0
    memory = os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES") / 2**30
    facts = {
        "date": dt.datetime.now().astimezone().strftime("%Y-%m-%d %H:%M %Z"),
        "`uname -m`": platform.machine(),
        "nproc": str(cores),
        "memory": f"{memory:.1f} GiB",
        "Python": platform.python_version(),
        "load average at start": " ".join(f"{x:.1f}" for x in os.getloadavg()),
        **(extra or {}),
    }
    return "; ".join(f"{k} {v}" for k, v in facts.items())


def write_section(path: Path, part: str, body: str) -> None:
    """Put ``body`` between the part's markers, replacing what was there (or appending)."""
    start, end = f"<!-- bench:{part} -->", f"<!-- /bench:{part} -->"
    section = f"{start}\n{body.rstrip()}\n{end}\n"
    text = path.read_text(encoding="utf-8") if path.exists() else DOC_HEADER
    pattern = re.compile(re.escape(start) + r".*?" + re.escape(end) + r"\n?", re.DOTALL)
    if pattern.search(text):
        text = pattern.sub(lambda _: section, text, count=1)
    else:
        text = text.rstrip() + "\n\n" + section
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")
