"""Read ``.eml`` files from the outbox in a terminal: ``python -m techaid.outputs.mail FILE...``.

Prints the headers a reader sees, the plain-text body and the attachments' names and sizes
(Python's ``email`` package has no command line of its own; any mail client opens the files too).
"""

from __future__ import annotations

import argparse
import email
import email.policy
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import TextIO

HEADERS = ("Date", "From", "To", "Cc", "Subject", "Message-ID", "X-Techaid-Key")


def show(path: Path, out: TextIO) -> None:
    with path.open("rb") as fh:
        msg = email.message_from_binary_file(fh, policy=email.policy.default)
    for name in HEADERS:
        if msg[name] is not None:
            print(f"{name}: {str(msg[name]).strip()}", file=out)
    body = msg.get_body(("plain",))
    print("", file=out)
    print(body.get_content() if body is not None else "(no plain-text part)", file=out)
    for part in msg.iter_attachments():
        size = len(part.get_content()) if not part.is_multipart() else 0
        print(
            f"[attachment] {part.get_filename()} ({part.get_content_type()}, {size} bytes)",
            file=out,
        )


def main(argv: Sequence[str] | None = None, out: TextIO = sys.stdout) -> int:
    parser = argparse.ArgumentParser(prog="python -m techaid.outputs.mail", description=__doc__)
    parser.add_argument("files", nargs="+", type=Path, help=".eml files (output/outbox/*.eml)")
    args = parser.parse_args(argv)
    for i, path in enumerate(args.files):
        if i:
            print("\n" + "=" * 72 + "\n", file=out)
        show(path, out)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
