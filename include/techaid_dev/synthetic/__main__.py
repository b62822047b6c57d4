"""Command line: ``python -m techaid_dev.synthetic --landing DIR --start 2018-01 --end 2018-03``."""

from __future__ import annotations

import argparse
import sys
import time
from collections import Counter

from techaid_dev.synthetic.generator import FORMATS, generate


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(
        prog="python -m techaid_dev.synthetic",
        description="Write a deterministic synthetic landing area (files, register, manifest).",
    )
    ap.add_argument("--landing", required=True, help="landing folder to write into")
    ap.add_argument("--start", required=True, help="first month, YYYY-MM")
    ap.add_argument("--end", help="last month, YYYY-MM (default: --start)")
    ap.add_argument("--seed", type=int, default=7)
    ap.add_argument("--scale", type=float, default=0.02, help="1.0 = Anhui's size (default 0.02)")
    ap.add_argument(
        "--messy", action="store_true", help="plant the contract's messy and refused cases"
    )
    ap.add_argument("--cities", help="comma-separated city codes (default: all nine)")
    ap.add_argument("--format", dest="fmt", choices=FORMATS, default="auto")
    args = ap.parse_args(argv)
    cities = [c.strip() for c in args.cities.split(",") if c.strip()] if args.cities else None
    t0 = time.perf_counter()
    try:
        m = generate(
            args.landing,
            args.start,
            args.end or args.start,
            seed=args.seed,
            scale=args.scale,
            messy=args.messy,
            cities=cities,
            fmt=args.fmt,
        )
    except ValueError as exc:
        ap.error(str(exc))
    took = time.perf_counter() - t0
    kinds = Counter(s.kind for s in m.submissions)
    expected = Counter(c.expected for c in m.cases)
    print(
        f"{args.landing}: {kinds['regular']} monthly files, {kinds['refuse']} files to refuse, "
        f"{len(m.registers)} register(s), {len(m.cases)} planted cases {dict(expected)}, "
        f"{len(m.lagging_counties)} lagging counties; {took:.1f} s"
    )
    if m.skipped_cases:
        print(f"cases no file could hold: {', '.join(m.skipped_cases)}", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
