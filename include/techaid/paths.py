"""Where things live: the project's own folders, and the deployment's roots.

The project's folders (configuration, SQL, templates, suites, docs) are found from this file, once,
here. The deployment's roots (landing area, output, data) default to folders of the project (so
`make demo` works on a fresh clone); the environment variables ``TECHAID_LANDING``,
``TECHAID_OUTPUT`` and ``TECHAID_DATA`` override them, so the same commands run against any
deployment.
"""

from __future__ import annotations

import os
from pathlib import Path

PROJECT_ROOT = Path(__file__).resolve().parents[2]
INCLUDE_DIR = PROJECT_ROOT / "include"
CONFIG_DIR = INCLUDE_DIR / "config"
TEMPLATES_DIR = INCLUDE_DIR / "templates"
SQL_DIR = PROJECT_ROOT / "sql"
EXPECTATIONS_DIR = PROJECT_ROOT / "expectations"
DOCS_DIR = PROJECT_ROOT / "docs"


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
    """Parsed and checked data waiting between tasks."""
    return data_root() / "staging"
