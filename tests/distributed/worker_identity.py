"""Each test worker's own host name (Airflow's ``core.hostname_callable`` for the workers).

On one machine both Celery workers would report the same host name in their task instances; in a
real deployment each worker is its own host. ``TECHAID_WORKER_HOST`` gives each test worker the name
a separate host would have, so the test can tell where a task ran.
"""

from __future__ import annotations

import os
import socket


def hostname() -> str:
    return os.environ.get("TECHAID_WORKER_HOST") or socket.getfqdn()
