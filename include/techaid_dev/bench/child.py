"""Run one measured part in a fresh interpreter and collect what it measured.

A child process is the only honest way to get a part's peak memory: ``ru_maxrss`` is a high-water
mark that never goes down, so within one process the second part would inherit the first one's
peak. The child reports its own ``RUSAGE_SELF`` peak (``RUSAGE_CHILDREN`` in the parent would give
the maximum over every child so far, not this one's).
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from techaid import paths

INCLUDE_DIR = paths.INCLUDE_DIR


class JobFailed(RuntimeError):
    """A measured part exited with an error; the message ends with its log's last lines."""


@dataclass
class JobResult:
    """What a child measured: seconds per step, rows per kind, its peak RSS, and the wall time
    of the whole process as the parent saw it (interpreter start-up and imports included)."""

    seconds: dict[str, float]
    rows: dict[str, int] = field(default_factory=dict)
    rss_mb: float = 0.0
    wall: float = 0.0
    extra: dict[str, Any] = field(default_factory=dict)


def run_job(
    name: str, args: dict[str, Any], work: Path, env: dict[str, str] | None = None
) -> JobResult:
    """Run ``techaid_dev.bench.jobs <name>`` with ``args``; its output goes to ``work/<name>.log``."""
    work.mkdir(parents=True, exist_ok=True)
    stem = f"{name}-{int(time.time() * 1000) % 10**8}"
    args_path, out_path, log_path = (
        work / f"{stem}.{ext}" for ext in ("args.json", "out.json", "log")
    )
    args_path.write_text(json.dumps(args, default=str), encoding="utf-8")
    child_env = {**os.environ, **(env or {})}
    child_env["PYTHONPATH"] = os.pathsep.join(
        p for p in (str(INCLUDE_DIR), child_env.get("PYTHONPATH", "")) if p
    )
    cmd = [sys.executable, "-m", "techaid_dev.bench.jobs", name, str(args_path), str(out_path)]
    start = time.perf_counter()
    with log_path.open("w", encoding="utf-8") as log:
        code = subprocess.run(cmd, env=child_env, stdout=log, stderr=subprocess.STDOUT).returncode
    wall = time.perf_counter() - start
    if code != 0:
        tail = "\n".join(log_path.read_text(encoding="utf-8").splitlines()[-25:])
        raise JobFailed(f"bench job {name} exited with {code}; {log_path}:\n{tail}")
    data = json.loads(out_path.read_text(encoding="utf-8"))
    return JobResult(data["seconds"], data["rows"], data["rss_mb"], wall, data.get("extra", {}))
