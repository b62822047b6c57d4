"""The command every generated document shares: write it, or ``--check`` that it is current.

Generated docs (the rule table, the indicator catalogue, the offices' guide) are committed so
readers see them without running anything; CI runs each with ``--check`` through the tests, so a
stale document fails the build instead of misleading its readers.
"""

from __future__ import annotations

import argparse
from collections.abc import Callable
from pathlib import Path


def main(
    render: Callable[[], str],
    default_path: Path,
    command: str,
    description: str,
    argv: list[str] | None = None,
) -> int:
    parser = argparse.ArgumentParser(prog=command, description=description)
    parser.add_argument("--check", action="store_true", help="exit 1 when the file is stale")
    parser.add_argument("--out", type=Path, default=default_path, help="default: %(default)s")
    args = parser.parse_args(argv)
    text = render()
    if args.check:
        current = args.out.read_text(encoding="utf-8") if args.out.exists() else ""
        if current != text:
            print(f"stale: {args.out} (run {command})")
            return 1
        return 0
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(text, encoding="utf-8")
    print(args.out)
    return 0
