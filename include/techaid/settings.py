"""Where things live: the landing area, the output folder and the data folder.

Defaults are folders of the project (so `make demo` works on a fresh clone); the environment
variables of outputs.md override them, so the same commands run against any deployment.
"""

from __future__ import annotations

import os
from pathlib import Path

PROJECT_ROOT = Path(__file__).resolve().parents[2]


def landing_root() -> str:
    """Landing area: a local path or any fsspec URL (s3://..., sftp://...)."""
    return os.environ.get("TECHAID_LANDING") or str(PROJECT_ROOT / "data" / "landing")


def output_root() -> Path:
    """Reports, feedback workbooks, Data Docs and the email outbox."""
    return Path(os.environ.get("TECHAID_OUTPUT") or PROJECT_ROOT / "output")


def data_root() -> Path:
    """The embedded warehouse file and the staging area between tasks."""
    return Path(os.environ.get("TECHAID_DATA") or PROJECT_ROOT / "data")


def staging_root() -> Path:
    return data_root() / "staging"
