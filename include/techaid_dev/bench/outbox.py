"""What the monthly run's emails cost: composing the outbox and sending it, against the run.

    python -m techaid_dev.bench.outbox [--scale 1.0] [--landing DIR] [--warehouse URL]
                                       [--work DIR] [--doc docs/benchmarks.md]

One generated month (2018-06, every city, messy) goes through the pipeline's own functions in one
process, as the DAG's tasks call them: prepare, discover, read/check/load of each city, rollup,
publish_quality (the run), then suggest_pairing, compose_emails, provincial_report and
send_outbox (``.eml`` files, then once more over SMTP to a local aiosmtpd server after the rows
are put back to pending). Wall-clock and CPU seconds are both given: on a shared machine the CPU
figure is the steadier one. The target: compose + send add at most 10 % to the run.
"""

from __future__ import annotations

import argparse
import datetime as dt
import socket
import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from techaid.paths import PROJECT_ROOT
from techaid_dev.bench.report import machine, write_section
from techaid_dev.bench.scratch import pipeline_env

PERIOD = "2018-06"
RUN_AFTER = dt.datetime(2018, 7, 5, 18, 0, tzinfo=dt.UTC)
TARGET = 0.10


@dataclass
class Step:
    label: str
    wall: float
    cpu: float


def _timed(steps: list[Step], label: str, fn: Callable[[], Any]) -> Any:
    wall, cpu = time.perf_counter(), time.process_time()
    out = fn()
    steps.append(Step(label, time.perf_counter() - wall, time.process_time() - cpu))
    print(f"{label}: {steps[-1].wall:.1f} s wall, {steps[-1].cpu:.1f} s CPU", flush=True)
    return out


def _load_all(url: str, plans: list[dict[str, Any]]) -> None:
    from techaid import pipeline

    for plan in plans:
        if plan["versions"]:
            pipeline.load_city(url, pipeline.check_city(url, pipeline.read_city(plan)))


def _smtp_again(url: str) -> dict[str, Any]:
    """Put every row back to pending and send them all to a local SMTP server."""
    import sqlalchemy as sa
    from aiosmtpd.controller import Controller

    from techaid import pipeline
    from techaid.outputs.mail.smtp import SmtpSettings
    from techaid.warehouse.schema import email_outbox

    class Sink:
        async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
            return "250 OK"

    with sa.create_engine(url).begin() as conn:
        conn.execute(
            email_outbox.update().values(status="pending", message=None, attempts=0, sent_at=None)
        )
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    controller = Controller(Sink(), hostname="127.0.0.1", port=port)
    controller.start()
    try:
        settings = SmtpSettings(host="127.0.0.1", port=port, sender="bench@example.org")
        return pipeline.send_outbox(url, settings, RUN_AFTER)
    finally:
        controller.stop()


def measure(scale: float, work: Path, landing: Path | None, url: str | None) -> dict[str, Any]:
    from techaid import pipeline

    steps: list[Step] = []
    for name in ("landing", "output", "data"):
        (work / name).mkdir(parents=True, exist_ok=True)
    with pipeline_env(work / "landing", work):
        if landing is None:
            from techaid_dev.synthetic import generate

            landing = work / "landing"
            _timed(
                steps,
                "generate (not counted)",
                lambda: generate(landing, PERIOD, PERIOD, scale=scale, messy=True),
            )
        url = url or f"sqlite:///{work / 'data' / 'warehouse.db'}"
        run: list[Step] = []
        _timed(run, "prepare", lambda: pipeline.prepare(url))
        plans = _timed(run, "discover", lambda: pipeline.discover(url, PERIOD, str(landing)))
        _timed(run, "read, check, load (9 cities)", lambda: _load_all(url, plans))
        _timed(run, "rollup", lambda: pipeline.rollup(url, PERIOD, plans))
        _timed(run, "publish_quality", lambda: pipeline.publish_quality(url, PERIOD, plans))
        tail: list[Step] = []
        _timed(tail, "suggest_pairing", lambda: pipeline.suggest_pairing(url, PERIOD))
        composed = _timed(
            tail, "compose_emails", lambda: pipeline.compose_emails(url, PERIOD, plans, RUN_AFTER)
        )
        _timed(tail, "provincial_report", lambda: pipeline.provincial_report(url, PERIOD))
        sent = _timed(
            tail, "send_outbox (.eml files)", lambda: pipeline.send_outbox(url, None, RUN_AFTER)
        )
        smtp = _timed(tail, "send_outbox (SMTP, loopback)", lambda: _smtp_again(url))
        again = _timed(
            tail,
            "compose_emails again (re-run)",
            lambda: pipeline.compose_emails(url, PERIOD, plans, RUN_AFTER),
        )
    return {
        "steps": steps,
        "run": run,
        "tail": tail,
        "composed": composed,
        "sent": sent,
        "smtp": smtp,
        "again": again,
        "scale": scale,
        "url": url,
    }


def section(result: dict[str, Any], measured: str) -> str:
    run, tail = result["run"], result["tail"]
    by = {s.label: s for s in tail}
    run_wall, run_cpu = sum(s.wall for s in run), sum(s.cpu for s in run)
    added = [by["compose_emails"], by["send_outbox (.eml files)"]]
    add_wall, add_cpu = sum(s.wall for s in added), sum(s.cpu for s in added)
    whole = [by[k] for k in ("suggest_pairing", "compose_emails", "provincial_report")]
    whole_wall = sum(s.wall for s in whole) + by["send_outbox (.eml files)"].wall
    whole_cpu = sum(s.cpu for s in whole) + by["send_outbox (.eml files)"].cpu
    verdict = {True: "met", False: "**missed**"}
    lines = [
        "## The month's emails: compose and send (`python -m techaid_dev.bench.outbox`)",
        "",
        f"Measured: {measured}.",
        "",
        f"One generated month ({PERIOD}, scale {result['scale']:g}, messy, 9 cities) through the "
        "pipeline's own functions in one process, in the DAG's order; warehouse "
        f"`{result['url'].split('://')[0]}`. Emails recorded: {result['composed']['by_kind']}. "
        "CPU is this process's own time (the steadier figure on a shared machine).",
        "",
        "| Step | Wall (s) | CPU (s) |",
        "|---|---:|---:|",
    ]
    for s in [*result["steps"], *run]:
        lines.append(f"| {s.label} | {s.wall:.1f} | {s.cpu:.1f} |")
    lines.append(f"| **the run** (prepare … publish_quality) | {run_wall:.1f} | {run_cpu:.1f} |")
    for s in tail:
        lines.append(f"| {s.label} | {s.wall:.1f} | {s.cpu:.1f} |")
    lines.append(f"| **compose + send (.eml)** | {add_wall:.1f} | {add_cpu:.1f} |")
    lines += [
        "",
        f"- compose + send added to the run: {add_wall / run_wall:.1%} wall, "
        f"{add_cpu / run_cpu:.1%} CPU (target ≤ {TARGET:.0%}: "
        f"{verdict[add_cpu / run_cpu <= TARGET]} on CPU, "
        f"{verdict[add_wall / run_wall <= TARGET]} on wall)",
        f"- the whole tail (pairing, compose, rollup files, send): {whole_wall / run_wall:.1%} "
        f"wall, {whole_cpu / run_cpu:.1%} CPU",
        f"- delivery: {result['sent']['summary']}; over SMTP: {result['smtp']['summary']}",
        f"- a re-run records {result['again']['recorded']} email(s) and renders nothing",
    ]
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m techaid_dev.bench.outbox", description=__doc__)
    parser.add_argument("--scale", type=float, default=1.0)
    parser.add_argument("--landing", type=Path, help="a landing area already generated")
    parser.add_argument("--warehouse", help="SQLAlchemy URL of an empty warehouse (default SQLite)")
    parser.add_argument("--work", type=Path, help="working folder (default: a temporary one)")
    parser.add_argument("--doc", type=Path, default=PROJECT_ROOT / "docs" / "benchmarks.md")
    args = parser.parse_args(argv)
    measured = machine()
    if args.work is not None:
        result = measure(args.scale, args.work, args.landing, args.warehouse)
    else:
        with tempfile.TemporaryDirectory(prefix="techaid-bench-outbox-") as tmp:
            result = measure(args.scale, Path(tmp), args.landing, args.warehouse)
    text = section(result, measured)
    print(text)
    write_section(args.doc, "outbox", text)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
