"""Airflow's CeleryExecutor deployment as local processes, for the distributed test.

Each component (api-server, scheduler, dag-processor, Celery workers) runs as its own process in its
own process group, with its output in ``<root>/<name>.log``. Everything started here is stopped
here, by PID: the group is sent SIGTERM, then SIGKILL after a bounded wait, and so is every
descendant seen before the stop (a child that left the group included).
"""

from __future__ import annotations

import contextlib
import os
import signal
import socket
import subprocess
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, TypeVar

import httpx
import psutil

T = TypeVar("T")


class ClusterError(AssertionError):
    """A component died or a bounded wait ran out; the message carries the logs' tails."""


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@dataclass
class Component:
    name: str
    popen: subprocess.Popen
    log: Path

    def tail(self, lines: int = 40) -> str:
        text = self.log.read_text(errors="replace") if self.log.exists() else ""
        return "\n".join(text.splitlines()[-lines:])


@dataclass
class Cluster:
    root: Path
    env: dict[str, str]
    cwd: Path
    components: list[Component] = field(default_factory=list)
    jobs: list[Component] = field(default_factory=list)
    peak_mb: float = 0.0  # the largest total resident memory seen while waiting
    started_s: float = 0.0  # from nothing to a healthy deployment
    _next_sample: float = 0.0

    def run(self, name: str, args: list[str], timeout: float) -> None:
        """A one-off command (``airflow db migrate``): bounded, its output in ``<name>.log``."""
        self.finish(self.job(name, args), timeout)

    def job(self, name: str, args: list[str], env: dict[str, str] | None = None) -> Component:
        """A one-off command started in the background; :meth:`finish` waits for it."""
        job = self._spawn(name, args, env or self.env)
        self.jobs.append(job)
        return job

    def finish(self, job: Component, timeout: float) -> None:
        try:
            code = job.popen.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            _stop_tree(job.popen.pid, grace=5)
            raise ClusterError(f"{job.name} took over {timeout:.0f} s\n{job.tail()}") from None
        if code != 0:
            raise ClusterError(f"{job.name} exited {code}\n{job.tail()}")

    def start(self, name: str, args: list[str], extra_env: dict[str, str] | None = None) -> None:
        """A long-running component; it must stay up until :meth:`stop`."""
        self.components.append(self._spawn(name, args, {**self.env, **(extra_env or {})}))

    def _spawn(self, name: str, args: list[str], env: dict[str, str]) -> Component:
        log = self.root / f"{name}.log"
        with log.open("wb") as out:
            popen = subprocess.Popen(
                args,
                cwd=self.cwd,
                env=env,
                stdout=out,
                stderr=subprocess.STDOUT,
                stdin=subprocess.DEVNULL,
                start_new_session=True,
            )
        return Component(name, popen, log)

    def check_alive(self) -> None:
        for c in self.components:
            if c.popen.poll() is not None:
                raise ClusterError(f"{c.name} exited {c.popen.returncode}\n{self.report()}")

    def wait_for(self, what: str, probe: Callable[[], T | None], timeout: float) -> T:
        """Poll ``probe`` until it returns a value (not None), failing fast if a component dies."""
        deadline = time.monotonic() + timeout
        last_error = ""
        while time.monotonic() < deadline:
            self.check_alive()
            if time.monotonic() >= self._next_sample:  # reading smaps costs CPU: every 10 s
                self.peak_mb = max(self.peak_mb, self.memory_mb())
                self._next_sample = time.monotonic() + 10
            try:
                value = probe()
            except (httpx.HTTPError, OSError) as exc:
                value, last_error = None, f"{type(exc).__name__}: {exc}"
            if value is not None:
                return value
            time.sleep(1.0)
        raise ClusterError(
            f"timed out after {timeout:.0f} s waiting for {what} {last_error}\n{self.report()}"
        )

    def report(self, lines: int = 40) -> str:
        parts = []
        for c in self.components:
            state = "running" if c.popen.poll() is None else f"exited {c.popen.returncode}"
            parts.append(f"===== {c.name} (pid {c.popen.pid}, {state}): {c.log}\n{c.tail(lines)}")
        return "\n".join(parts)

    def memory_mb(self) -> float:
        """The memory of every component and its descendants now, in MiB: proportional set size
        (pages shared after a fork counted once, split between the sharers)."""
        total = 0
        for c in self.components:
            for p in _tree(c.popen.pid):
                with contextlib.suppress(psutil.Error):
                    total += p.memory_full_info().pss
        return total / 2**20

    def stop(self, grace: float = 20) -> None:
        """Stop every component, newest first, each within ``grace`` seconds."""
        for c in reversed(self.components + self.jobs):
            _stop_tree(c.popen.pid, grace)
        self.components.clear()
        self.jobs.clear()


def _tree(pid: int) -> list[psutil.Process]:
    try:
        root = psutil.Process(pid)
        return [root, *root.children(recursive=True)]
    except psutil.Error:
        return []


def _stop_tree(pid: int, grace: float) -> None:
    procs = _tree(pid)
    for sig in (signal.SIGTERM, signal.SIGKILL):
        with contextlib.suppress(ProcessLookupError):
            os.killpg(pid, sig)  # the group we created (start_new_session)
        for p in procs:  # descendants that moved to a group of their own
            with contextlib.suppress(psutil.Error):
                p.send_signal(sig)
        _, alive = psutil.wait_procs(procs, timeout=grace if sig == signal.SIGTERM else 5)
        if not alive:
            break
    with contextlib.suppress(ChildProcessError):
        os.waitpid(pid, os.WNOHANG)  # reap our direct child


class Api:
    """Airflow's REST API as the admin user (a JWT from the simple auth manager's /auth/token)."""

    def __init__(self, base: str, username: str, password: str) -> None:
        self.base = base
        self.http = httpx.Client(base_url=base, timeout=30)
        self.username, self.password = username, password

    def login(self) -> None:
        r = self.http.post(
            "/auth/token", json={"username": self.username, "password": self.password}
        )
        r.raise_for_status()
        self.http.headers["Authorization"] = f"Bearer {r.json()['access_token']}"

    def get(self, path: str, **params: Any) -> httpx.Response:
        return self.http.get(f"/api/v2{path}", params=params)

    def call(self, method: str, path: str, **kwargs: Any) -> Any:
        r = self.http.request(method, f"/api/v2{path}", **kwargs)
        if r.status_code >= 400:
            raise ClusterError(f"{method} {path}: {r.status_code} {r.text[:2000]}")
        return r.json() if r.content else None

    def close(self) -> None:
        self.http.close()
