"""The fallback without a mail server: each email written as an ``.eml`` file.

Without the ``techaid_smtp`` connection (the embedded default) every pending email is written to
the outbox folder (``<output>/outbox/``) and recorded ``written``. The file holds exactly the bytes
that would have been sent; any mail client opens it, and so does Python's ``email`` package. Its
name comes from the dedupe key (readable, plus a short hash so two keys never share a file), and
its bytes are reproducible, so a re-run writes the same file again.
"""

from __future__ import annotations

import hashlib
import os
import re
import tempfile
from pathlib import Path

from techaid.paths import output_root

_UNSAFE = re.compile(r"[^A-Za-z0-9._-]+")
_MAX_STEM = 150


def outbox_dir() -> Path:
    """``<output>/outbox``: where emails go without a mail server."""
    return output_root() / "outbox"


def file_name(key: str) -> str:
    """``<key with / and other unsafe characters as _>-<10 hex of its SHA-256>.eml``."""
    stem = _UNSAFE.sub("_", key).strip("._")[:_MAX_STEM] or "email"
    return f"{stem}-{hashlib.sha256(key.encode()).hexdigest()[:10]}.eml"


def path_for(out_dir: Path, key: str) -> Path:
    return Path(out_dir) / file_name(key)


def write(out_dir: Path, key: str, message: bytes) -> Path:
    """Write ``message`` as the key's file, atomically (a reader never sees half a file)."""
    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    target = path_for(out_dir, key)
    fd, tmp = tempfile.mkstemp(dir=out_dir, prefix=".tmp-", suffix=".eml")
    try:
        with os.fdopen(fd, "wb") as fh:
            fh.write(message)
        os.replace(tmp, target)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
    return target
