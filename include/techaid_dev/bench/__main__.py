"""Command line: ``python -m techaid_dev.bench [--scale 1.0] [--only intake|quality|all] [--keep DIR]``.

See :mod:`techaid_dev.bench` for what is measured and why each part runs in its own process.
"""

from __future__ import annotations

import argparse
import os
import shutil
import tempfile
from pathlib import Path
from typing import Any

from techaid.paths import PROJECT_ROOT
from techaid_dev.bench import intake, quality
from techaid_dev.bench.report import Row, machine, table, write_section

DEFAULT_DOC = PROJECT_ROOT / "docs" / "benchmarks.md"
DEFAULT_PG = "postgresql+psycopg2://postgres@127.0.0.1:5432/test"

# The targets of the issue ("make bench"): hard ones must hold, aims are what to work towards.
INTAKE_HARD_S = 45.0
INTAKE_AIM_RATIO = 3.0
PEAK_MB = 2048.0
VALIDATION_S = 20.0
VALIDATION_AIM_RATIO = 15.0


def _verdict(ok: bool) -> str:
    return "met" if ok else "**missed**"


def intake_section(out: intake.Outcome, pg: str | None, measured: str) -> str:
    f = out.facts
    lines = [
        "## Intake, check and load of one month (`--only intake`)",
        "",
        f"Measured: {measured}" + (f"; PostgreSQL {f['postgres']}." if "postgres" in f else "."),
        "",
        f"One generated month ({f['period']}, scale {f['scale']:g}: {f['files']} files, "
        f"{f['landing_mb']:.0f} MB on disk, generated in {f['generate_s']:.1f} s), loaded into an "
        "empty warehouse through the pipeline's own functions (`techaid.pipeline`), the nine "
        "cities one after another; each block of steps ran in its own process. Times exclude "
        "interpreter start-up and imports (shown on the last line of each warehouse). The floor "
        "is pyarrow reading the same files plus a COPY of the same rows into the same tables "
        "(`techaid_dev.bench.floor`).",
        "",
        table(out.rows),
        "",
        "Targets:",
        "",
    ]
    peak = max((t["rss_mb"] for t in out.totals.values()), default=0.0)
    pgt = out.totals.get("postgres")
    if pgt is not None:
        for what, key in (("intake + load (no check)", "intake_load"), ("the whole month", "all")):
            seconds, ratio = pgt[f"{key}_s"], pgt[f"{key}_ratio"]
            within = f"{ratio:.1f}×, {_verdict(ratio <= INTAKE_AIM_RATIO)}" if ratio else "no floor"
            lines.append(
                f"- {what} into PostgreSQL ≤ {INTAKE_HARD_S:g} s (hard): {seconds:.1f} s, "
                f"{_verdict(seconds <= INTAKE_HARD_S)}; ≤ {INTAKE_AIM_RATIO:g}× the floor (aim): "
                + within
            )
    else:
        lines.append(f"- PostgreSQL not measured ({pg or 'not requested'})")
    lines.append(
        f"- peak memory ≤ {PEAK_MB / 1024:g} GB: {peak:,.0f} MB, {_verdict(peak <= PEAK_MB)}"
    )
    for backend, t in out.totals.items():
        lines.append(f"- outcomes ({backend}): {', '.join(t['statuses'])}")
    lines += [f"- {note}" for note in out.notes]
    return "\n".join(lines)


def quality_section(rows: list[Row], facts: dict[str, Any], measured: str) -> str:
    check_s, ratio = facts["check_file"], facts["check_file"] / facts["pandas_all"]
    return "\n".join(
        [
            "## Validation of one month (`--only quality`)",
            "",
            f"Measured: {measured}.",
            "",
            f"`techaid_dev.bench.validation`'s synthetic file: one city holding a province's month "
            f"({facts['households']:,} households, a few hundred bad rows), best of "
            f"{facts['repeat']} runs, warm (GX imported and suites loaded first); GX's import is "
            "reported apart. The floor is the same rules in vectorized pandas.",
            "",
            table(rows),
            "",
            "Targets:",
            "",
            f"- validation ≤ {VALIDATION_S:g} s warm: check_file {check_s:.1f} s, "
            f"{_verdict(check_s <= VALIDATION_S)}",
            f"- ≤ {VALIDATION_AIM_RATIO:g}× pandas (aim): {ratio:.1f}×, "
            f"{_verdict(ratio <= VALIDATION_AIM_RATIO)} (households suite alone: "
            f"{facts['gx_households'] / facts['pandas_households']:.1f}×)",
            f"- peak memory ≤ {PEAK_MB / 1024:g} GB: {facts['rss_mb']:,.0f} MB, "
            f"{_verdict(facts['rss_mb'] <= PEAK_MB)}",
            f"- GX failing rows {facts['gx_failing_rows']}, pandas bad rows "
            f"{facts['pandas_bad_rows']}, findings {facts['findings']}",
        ]
    )


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    ap = argparse.ArgumentParser(prog="python -m techaid_dev.bench", description=__doc__)
    ap.add_argument("--scale", type=float, default=1.0, help="1.0 = Anhui's size (default)")
    ap.add_argument("--only", choices=("intake", "quality", "all"), default="all")
    ap.add_argument("--keep", type=Path, help="work in DIR and keep it (landing, staging, logs)")
    ap.add_argument(
        "--backends",
        default="sqlite,postgres",
        help="warehouses, comma-separated (sqlite,postgres)",
    )
    ap.add_argument(
        "--pg-url",
        default=os.environ.get("TECHAID_BENCH_PG_URL", DEFAULT_PG),
        help="PostgreSQL server for the measured schemas (created and dropped)",
    )
    ap.add_argument("--format", dest="fmt", choices=("auto", "xlsx", "zip"), default="auto")
    ap.add_argument("--repeat", type=int, default=3, help="runs of each validation (best kept)")
    ap.add_argument("--doc", type=Path, default=DEFAULT_DOC, help="Markdown file to update")
    args = ap.parse_args(argv)
    args.backends = [b.strip() for b in args.backends.split(",") if b.strip()]
    unknown = set(args.backends) - {"sqlite", "postgres"}
    if unknown:
        ap.error(f"unknown backends: {', '.join(sorted(unknown))}")
    return args


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    work = args.keep or Path(tempfile.mkdtemp(prefix="techaid-bench-"))
    work.mkdir(parents=True, exist_ok=True)
    try:
        if args.only in ("intake", "all"):
            pg = args.pg_url if "postgres" in args.backends else None
            measured = machine()
            out = intake.run(args.scale, work, args.backends, pg, args.fmt)
            section = intake_section(out, pg, measured)
            print(section, end="\n\n", flush=True)
            write_section(args.doc, "intake", section)
        if args.only in ("quality", "all"):
            measured = machine()
            rows, facts = quality.run(args.scale, args.repeat, work)
            section = quality_section(rows, facts, measured)
            print(section, end="\n\n", flush=True)
            write_section(args.doc, "quality", section)
    finally:
        if args.keep is None:
            shutil.rmtree(work, ignore_errors=True)
    print(f"written: {args.doc}" + (f"; work folder kept: {work}" if args.keep else ""))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
