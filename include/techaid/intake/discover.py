"""Find what landed: submissions and register files under the landing root, through fsspec.

The landing root is a local folder by default, any fsspec URL in production. Discovery lists
``<root>/submissions/**`` and ``<root>/register/<YYYY-MM-DD>/*``, parses names, hashes content and
refuses what must never be read (symbolic links, paths outside the root, bad names, unknown city or
period, oversized files). It never raises for a bad file: the refusal travels with the file so it
still gets its ``submission`` row (status rejected) and the office is told why.

A file's received time is the modification time the filesystem reports, not the moment a run
notices it: runs may happen days later, and the deadline is judged on the received time.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import os
import posixpath
import re
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass, replace
from typing import Any, Literal
from zoneinfo import ZoneInfo

import fsspec
from fsspec.implementations.local import LocalFileSystem

from techaid import config
from techaid.config import Limits
from techaid.findings import FileRefused, Finding, finding, refuse
from techaid.periods import PERIOD_RE, period_of

SUBMISSIONS = "submissions"
REGISTER = "register"
HASH_CHUNK = 8 << 20
SUBMISSION_NAME_RE = re.compile(
    r"^(?P<city>\d{6})_(?P<period>\d{4}-\d{2})(?:_(?P<suffix>.+))?\.(?:xlsx|xls|zip)$",
    re.IGNORECASE,
)
REGISTER_NAME_RE = re.compile(
    r"^(?P<sheet>villages|households)\.(?:csv|csv\.gz|parquet)$", re.IGNORECASE
)
REGISTER_DATE_RE = re.compile(r"^\d{4}-\d{2}-\d{2}$")
# Keys under which filesystems report a modification time, most specific first.
MTIME_KEYS = ("mtime", "LastModified", "last_modified", "updated", "modified", "time")

Kind = Literal["submission", "register"]
# What discovery remembers between runs: path -> (size, mtime, sha256).
Known = Mapping[str, tuple[int, dt.datetime, str | None]]  # size, mtime, sha256 if hashed


@dataclass(frozen=True)
class LandingFile:
    """One file found in the landing area, refused or not."""

    path: str  # the filesystem's path (what fs.open takes)
    rel_path: str  # relative to the landing root, what the office and the reports see
    file_name: str
    kind: Kind
    city_code: str | None
    period: str | None
    register_date: dt.date | None
    sha256: str | None
    size: int
    mtime: dt.datetime  # UTC: the received time
    refusal: Finding | None = None

    @property
    def refused(self) -> bool:
        return self.refusal is not None


@dataclass(frozen=True)
class Version:
    """One distinct content a city sent for a month; sent twice it is still one version."""

    city_code: str
    period: str
    sha256: str
    received_at: dt.datetime  # the earliest modification time of any copy
    paths: tuple[str, ...]  # every copy, earliest first
    file_names: tuple[str, ...]
    size: int

    @property
    def path(self) -> str:
        """The copy to read (the earliest)."""
        return self.paths[0]


# ---------------------------------------------------------------- entry points


def landing_fs(root: str) -> tuple[fsspec.AbstractFileSystem, str]:
    """The filesystem and the root path within it, for a landing URL or local folder."""
    fs, path = fsspec.core.url_to_fs(root)
    return fs, path.rstrip("/") or "/"


def discover(
    root: str, known: Known | None = None, *, limits: Limits | None = None
) -> list[LandingFile]:
    """Every submission and register file under ``root``, sorted by path.

    ``known`` maps paths seen before to (size, mtime, sha256): an unchanged file is not hashed
    again, which matters when a landing area holds years of 200 MB files.
    """
    fs, base = landing_fs(root)
    ctx = _Context(fs, base, known or {}, limits or config.program().limits)
    found = [_examine(ctx, info) for info in _landing_entries(fs, base)]
    return sorted(found, key=lambda f: f.path)


def group_versions(files: Iterable[LandingFile]) -> list[Version]:
    """Distinct (city, period, sha256) among the accepted-by-discovery submissions.

    A refused file is reported on its own and never joins a version: a refused copy must not make
    an identical accepted copy look older than it is.
    """
    groups: dict[tuple[str, str, str], list[LandingFile]] = {}
    for f in files:
        if f.kind == "submission" and f.refusal is None and f.sha256 and f.city_code and f.period:
            groups.setdefault((f.city_code, f.period, f.sha256), []).append(f)
    versions = [_version(key, copies) for key, copies in groups.items()]
    return sorted(versions, key=lambda v: (v.city_code, v.period, v.received_at, v.sha256))


def check_name_against_meta(
    landing_file: LandingFile, meta_city: str | None, meta_period: str | None
) -> None:
    """Refuse a file whose name and ``meta`` sheet disagree on the city or the month."""
    if landing_file.refusal is not None:
        raise FileRefused(landing_file.refusal)
    for column, meta_value, name_value, rule in (
        ("city_code", meta_city, landing_file.city_code, "file.city_mismatch"),
        ("period", meta_period, landing_file.period, "file.period_mismatch"),
    ):
        if meta_value is None or str(meta_value).strip() == "":
            raise refuse("file.meta_missing", sheet="meta", column=column)
        if str(meta_value).strip() != name_value:
            raise refuse(rule, value=str(meta_value).strip(), detail=name_value)


def parse_submission_name(file_name: str) -> tuple[str, str] | None:
    """(city_code, period) of ``<city>_<YYYY-MM>[_suffix].xlsx|xls|zip``; None if malformed."""
    m = SUBMISSION_NAME_RE.match(file_name)
    if not m or not PERIOD_RE.match(m.group("period")):
        return None
    return m.group("city"), m.group("period")


# ---------------------------------------------------------------- walking


@dataclass(frozen=True)
class _Context:
    fs: fsspec.AbstractFileSystem
    root: str
    known: Known
    limits: Limits


def _landing_entries(fs: fsspec.AbstractFileSystem, root: str) -> Iterator[dict[str, Any]]:
    """Entries under submissions/ and register/ (links as leaves; other top folders ignored)."""
    if not fs.isdir(root):
        raise FileNotFoundError(f"landing area {root!r} does not exist")
    for entry in _ls(fs, root):
        if posixpath.basename(entry["name"].rstrip("/")) not in (SUBMISSIONS, REGISTER):
            continue
        if _is_link(fs, entry) or entry.get("type") != "directory":
            yield entry  # a linked or stray top folder is refused, not entered
        else:
            yield from _walk(fs, entry["name"])


def _walk(fs: fsspec.AbstractFileSystem, top: str) -> Iterator[dict[str, Any]]:
    """Every file below ``top``, depth first; a symbolic link is a leaf, never entered."""
    for entry in _ls(fs, top):
        if _ignored(entry["name"]):
            continue
        if entry.get("type") == "directory" and not _is_link(fs, entry):
            yield from _walk(fs, entry["name"])
        else:
            yield entry


def _ls(fs: fsspec.AbstractFileSystem, path: str) -> list[dict[str, Any]]:
    """Directory entries, without the directory itself (object stores may list it)."""
    own = path.rstrip("/")
    entries = fs.ls(path, detail=True)
    return sorted((e for e in entries if e["name"].rstrip("/") != own), key=lambda e: e["name"])


def _ignored(path: str) -> bool:
    """Dot files, Excel lock files (~$) and macOS metadata are upload noise, not submissions.

    A '..' segment is not noise: object stores accept it in keys, and it must be seen and refused.
    """
    name = posixpath.basename(path.rstrip("/"))
    if name in (".", ".."):
        return False
    return name.startswith((".", "~$")) or name == "__MACOSX"


def _is_link(fs: fsspec.AbstractFileSystem, entry: dict[str, Any]) -> bool:
    """Only local folders have links fsspec reports; ask the OS too, never trust one source."""
    if entry.get("islink"):
        return True
    return isinstance(fs, LocalFileSystem) and os.path.islink(entry["name"])


# ---------------------------------------------------------------- examining one file


def _examine(ctx: _Context, info: dict[str, Any]) -> LandingFile:
    """A LandingFile for one entry, with the first reason to refuse it, if any."""
    path = info["name"].rstrip("/")
    rel = _relative(ctx.root, path)
    kind: Kind = "register" if rel.split("/", 1)[0] == REGISTER else "submission"
    size = int(info.get("size") or 0)
    mtime = _mtime(ctx.fs, path, info)
    base = LandingFile(
        path, rel, posixpath.basename(path), kind, None, None, None, None, size, mtime
    )
    if _is_link(ctx.fs, info):
        return _refused(base, finding("file.symlink", value=rel))
    if _escapes(ctx, path, rel):
        return _refused(base, finding("file.path_escape", value=rel))
    if info.get("type") not in ("file", None):
        return _refused(base, finding("file.unreadable", detail="不是普通文件"))
    named = _with_name(base)
    if size > ctx.limits.max_file_bytes:  # never hashed: reading it is what the limit prevents
        too_large = finding("file.too_large", value=size, detail=ctx.limits.max_file_bytes)
        return named if named.refusal else _refused(named, too_large)
    if named.refusal is None:
        named = _checked_city_period(named)
    return _hashed(ctx, named)


def _relative(root: str, path: str) -> str:
    prefix = root.rstrip("/") + "/"
    return path[len(prefix) :] if path.startswith(prefix) else path


def _escapes(ctx: _Context, path: str, rel: str) -> bool:
    """Outside the root: not under it by name, climbing out with '..', or (local folders) really
    somewhere else once the OS resolves it."""
    if not path.startswith(ctx.root.rstrip("/") + "/"):
        return True
    if posixpath.normpath(rel).split("/", 1)[0] == "..":
        return True
    if isinstance(ctx.fs, LocalFileSystem):
        real_root = os.path.realpath(ctx.root)
        return os.path.commonpath([real_root, os.path.realpath(path)]) != real_root
    return False


def _with_name(f: LandingFile) -> LandingFile:
    """City and period from a submission's name, or the date from a register's folder."""
    if f.kind == "register":
        return _with_register_name(f)
    parsed = parse_submission_name(f.file_name)
    if parsed is None:
        return _refused(f, finding("file.bad_name", value=f.file_name))
    return replace(f, city_code=parsed[0], period=parsed[1])


def _with_register_name(f: LandingFile) -> LandingFile:
    parts = f.rel_path.split("/")
    day = _iso_date(parts[1]) if len(parts) == 3 else None
    if day is None or not REGISTER_NAME_RE.match(parts[-1]):
        return _refused(f, finding("file.bad_register_name", value=f.rel_path))
    return replace(f, register_date=day)


def _iso_date(text: str) -> dt.date | None:
    if not REGISTER_DATE_RE.match(text):
        return None
    try:
        return dt.date.fromisoformat(text)
    except ValueError:
        return None


def _checked_city_period(f: LandingFile) -> LandingFile:
    """Refuse an unknown city, a month before the program, or a month not yet begun when the
    file was received (in the program's time zone)."""
    if f.kind != "submission":
        return f
    if f.city_code not in config.hierarchy().city_codes():
        return _refused(f, finding("file.unknown_city", value=f.city_code))
    settings = config.program().program
    received = period_of(f.mtime.astimezone(ZoneInfo(settings.timezone)).date())
    period = f.period or ""
    if period < settings.start:
        detail = f"早于工程开始月份 {settings.start}"
    elif period > received:
        detail = f"晚于收到文件的月份 {received}"
    else:
        return f
    return _refused(f, finding("file.unknown_period", value=f.period, detail=detail))


def _hashed(ctx: _Context, f: LandingFile) -> LandingFile:
    """Attach the content hash, reusing a known one when size and mtime are unchanged."""
    seen = ctx.known.get(f.path)
    if seen is not None and seen[2] and seen[0] == f.size and _to_utc(seen[1]) == f.mtime:
        return replace(f, sha256=seen[2])
    try:
        digest = sha256_of(ctx.fs, f.path)
    except OSError as exc:
        detail = f"读取失败：{type(exc).__name__}"
        return replace(f, refusal=f.refusal or finding("file.unreadable", detail=detail))
    return replace(f, sha256=digest)


def sha256_of(fs: fsspec.AbstractFileSystem, path: str) -> str:
    """SHA-256 of a file's content, streamed: files may be hundreds of megabytes."""
    h = hashlib.sha256()
    with fs.open(path, "rb") as fh:
        while chunk := fh.read(HASH_CHUNK):
            h.update(chunk)
    return h.hexdigest()


def _refused(f: LandingFile, why: Finding) -> LandingFile:
    return replace(f, refusal=why)


# ---------------------------------------------------------------- modification times


def _mtime(fs: fsspec.AbstractFileSystem, path: str, info: dict[str, Any]) -> dt.datetime:
    """The modification time the filesystem reports, as a UTC datetime.

    Local folders and SFTP say ``mtime``, S3 ``LastModified``, GCS ``updated``, the in-memory
    filesystem only answers ``fs.modified``; ``created`` is the last resort.
    """
    for key in MTIME_KEYS:
        if info.get(key) is not None:
            return _to_utc(info[key])
    try:
        return _to_utc(fs.modified(path))
    except (NotImplementedError, OSError, AttributeError, KeyError):
        pass
    if info.get("created") is not None:
        return _to_utc(info["created"])
    raise ValueError(f"{path}: the filesystem reports no modification time")


def _to_utc(value: Any) -> dt.datetime:
    """Epoch seconds, ISO text or a datetime (naive read as UTC) -> aware UTC datetime."""
    if isinstance(value, int | float):
        return dt.datetime.fromtimestamp(value, tz=dt.UTC)
    if isinstance(value, str):
        value = dt.datetime.fromisoformat(value.replace("Z", "+00:00"))
    if isinstance(value, dt.datetime):
        if value.tzinfo is None:
            return value.replace(tzinfo=dt.UTC)
        return value.astimezone(dt.UTC)
    raise TypeError(f"not a modification time: {value!r}")


def _version(key: tuple[str, str, str], copies: list[LandingFile]) -> Version:
    ordered = sorted(copies, key=lambda f: (f.mtime, f.path))
    return Version(
        city_code=key[0],
        period=key[1],
        sha256=key[2],
        received_at=ordered[0].mtime,
        paths=tuple(f.path for f in ordered),
        file_names=tuple(f.file_name for f in ordered),
        size=ordered[0].size,
    )
