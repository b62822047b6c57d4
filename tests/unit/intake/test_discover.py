"""Discovering the landing area: names parsed, refusals attached (never raised), received time from
the filesystem, content hashed once, versions grouped by content."""

from __future__ import annotations

import datetime as dt
import hashlib
import os
import uuid
from collections.abc import Iterator
from pathlib import Path

import fsspec
import pytest

from techaid.config import Limits
from techaid.findings import FileRefused
from techaid.intake import discover as disc
from techaid.intake.discover import LandingFile, check_name_against_meta, discover, group_versions

UTC = dt.UTC
JULY_3 = dt.datetime(2018, 7, 3, 9, 30, tzinfo=UTC)


class Landing:
    """A landing folder in tmp_path with files whose modification times are set."""

    def __init__(self, root: Path):
        self.root = root
        (root / "submissions").mkdir(parents=True)
        (root / "register").mkdir()

    def put(self, rel: str, content: bytes = b"x", mtime: dt.datetime = JULY_3) -> Path:
        path = self.root / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(content)
        os.utime(path, (mtime.timestamp(), mtime.timestamp()))
        return path

    def found(self, **kwargs: object) -> dict[str, LandingFile]:
        return {f.rel_path: f for f in discover(str(self.root), **kwargs)}  # type: ignore[arg-type]


@pytest.fixture
def landing(tmp_path: Path) -> Landing:
    return Landing(tmp_path / "landing")


def rule(f: LandingFile) -> str | None:
    return f.refusal.rule if f.refusal else None


# ---------------------------------------------------------------- names and what is listed


def test_submission_name_gives_city_period_hash_and_received_time(landing: Landing) -> None:
    landing.put("submissions/亳州/6月/341600_2018-06.xlsx", b"content")
    f = landing.found()["submissions/亳州/6月/341600_2018-06.xlsx"]
    assert (f.kind, f.city_code, f.period, f.refusal) == ("submission", "341600", "2018-06", None)
    assert f.sha256 == hashlib.sha256(b"content").hexdigest()
    assert f.size == 7
    assert f.mtime == JULY_3  # the modification time, not the time of the run
    assert f.path == str(landing.root / "submissions/亳州/6月/341600_2018-06.xlsx")


@pytest.mark.parametrize(
    "name", ["341600_2018-06_更正.XLSX", "341600_2018-06.xls", "341600_2018-06_v2.Zip"]
)
def test_suffix_and_extension_case_are_accepted(landing: Landing, name: str) -> None:
    landing.put(f"submissions/{name}")
    f = landing.found()[f"submissions/{name}"]
    assert f.refusal is None
    assert f.period == "2018-06"


@pytest.mark.parametrize(
    "name",
    [
        "亳州6月报表.xlsx",
        "341600_2018-13.xlsx",
        "341600_201806.xlsx",
        "341600_2018-06.csv",
        "34160_2018-06.xlsx",
        "341600-2018-06.xlsx",
    ],
)
def test_bad_name_is_refused_but_still_listed_and_hashed(landing: Landing, name: str) -> None:
    landing.put(f"submissions/{name}", b"abc")
    f = landing.found()[f"submissions/{name}"]
    assert rule(f) == "file.bad_name"
    assert f.kind == "submission"
    assert f.city_code is None
    assert f.sha256 == hashlib.sha256(b"abc").hexdigest()


def test_unknown_city_is_refused(landing: Landing) -> None:
    landing.put("submissions/349900_2018-06.xlsx")
    f = landing.found()["submissions/349900_2018-06.xlsx"]
    assert rule(f) == "file.unknown_city"
    assert f.city_code == "349900"
    assert f.refusal
    assert f.refusal.value == "349900"


def test_period_before_program_start_is_refused(landing: Landing) -> None:
    landing.put("submissions/341600_2016-12.xlsx")
    f = landing.found()["submissions/341600_2016-12.xlsx"]
    assert rule(f) == "file.unknown_period"
    assert f.refusal
    assert "2017-01" in f.refusal.message


def test_period_after_the_month_received_is_refused(landing: Landing) -> None:
    landing.put("submissions/341600_2018-08.xlsx", mtime=dt.datetime(2018, 7, 31, 15, tzinfo=UTC))
    f = landing.found()["submissions/341600_2018-08.xlsx"]
    assert rule(f) == "file.unknown_period"
    assert f.refusal
    assert "2018-07" in f.refusal.message


def test_received_month_is_judged_in_shanghai_time(landing: Landing) -> None:
    # 30 June 17:00 UTC is 1 July 01:00 in Shanghai: a July report may arrive then.
    landing.put("submissions/341600_2018-07.xlsx", mtime=dt.datetime(2018, 6, 30, 17, tzinfo=UTC))
    assert rule(landing.found()["submissions/341600_2018-07.xlsx"]) is None


def test_file_over_the_size_limit_is_refused_before_reading(
    landing: Landing, monkeypatch: pytest.MonkeyPatch
) -> None:
    landing.put("submissions/341600_2018-06.xlsx", b"x" * 200)
    monkeypatch.setattr(disc, "sha256_of", lambda *a: pytest.fail("a too large file was read"))
    f = landing.found(limits=Limits(max_file_bytes=100))["submissions/341600_2018-06.xlsx"]
    assert rule(f) == "file.too_large"
    assert f.sha256 is None
    assert f.size == 200


def test_noise_and_files_outside_the_two_areas_are_not_listed(landing: Landing) -> None:
    landing.put("README.txt")
    landing.put("archive/341600_2018-06.xlsx")
    landing.put("submissions/.DS_Store")
    landing.put("submissions/~$341600_2018-06.xlsx")
    landing.put("submissions/__MACOSX/341600_2018-06.xlsx")
    landing.put("submissions/341600_2018-06.xlsx")
    assert list(landing.found()) == ["submissions/341600_2018-06.xlsx"]


def test_missing_landing_root_is_an_error(tmp_path: Path) -> None:
    with pytest.raises(FileNotFoundError):
        discover(str(tmp_path / "nowhere"))


# ---------------------------------------------------------------- register


def test_register_files_carry_their_date(landing: Landing) -> None:
    landing.put("register/2018-01-01/villages.csv")
    landing.put("register/2018-01-01/households.csv.gz")
    landing.put("register/2019-03-15/HOUSEHOLDS.parquet")
    found = landing.found()
    v = found["register/2018-01-01/villages.csv"]
    assert (v.kind, v.register_date, v.refusal, v.city_code) == (
        "register",
        dt.date(2018, 1, 1),
        None,
        None,
    )
    assert found["register/2018-01-01/households.csv.gz"].refusal is None
    assert found["register/2019-03-15/HOUSEHOLDS.parquet"].register_date == dt.date(2019, 3, 15)


@pytest.mark.parametrize(
    "rel",
    [
        "register/villages.csv",
        "register/2018-13-01/villages.csv",
        "register/2018-01-01/x.csv",
        "register/2018-01-01/old/villages.csv",
        "register/20180101/villages.csv",
    ],
)
def test_misplaced_or_misnamed_register_file_is_refused(landing: Landing, rel: str) -> None:
    landing.put(rel)
    f = landing.found()[rel]
    assert f.kind == "register"
    assert rule(f) == "file.bad_register_name"


# ---------------------------------------------------------------- links and escapes


def test_symlinked_file_is_refused_and_not_followed(landing: Landing, tmp_path: Path) -> None:
    outside = tmp_path / "secret.xlsx"
    outside.write_bytes(b"secret")
    (landing.root / "submissions/341600_2018-06.xlsx").symlink_to(outside)
    f = landing.found()["submissions/341600_2018-06.xlsx"]
    assert rule(f) == "file.symlink"
    assert f.sha256 is None


def test_symlinked_folder_is_refused_and_not_entered(landing: Landing, tmp_path: Path) -> None:
    outside = tmp_path / "elsewhere"
    outside.mkdir()
    (outside / "341600_2018-06.xlsx").write_bytes(b"x")
    (landing.root / "submissions/linked").symlink_to(outside, target_is_directory=True)
    found = landing.found()
    assert list(found) == ["submissions/linked"]
    assert rule(found["submissions/linked"]) == "file.symlink"


def test_broken_symlink_is_refused(landing: Landing) -> None:
    (landing.root / "register/2018-01-01").mkdir()
    (landing.root / "register/2018-01-01/villages.csv").symlink_to("/nonexistent/villages.csv")
    assert rule(landing.found()["register/2018-01-01/villages.csv"]) == "file.symlink"


def test_linked_submissions_folder_is_refused(tmp_path: Path) -> None:
    root = tmp_path / "landing"
    root.mkdir()
    (tmp_path / "other").mkdir()
    (tmp_path / "other/341600_2018-06.xlsx").write_bytes(b"x")
    (root / "submissions").symlink_to(tmp_path / "other", target_is_directory=True)
    found = {f.rel_path: f for f in discover(str(root))}
    assert list(found) == ["submissions"]
    assert rule(found["submissions"]) == "file.symlink"


def test_landing_root_reached_through_a_link_is_fine(landing: Landing, tmp_path: Path) -> None:
    landing.put("submissions/341600_2018-06.xlsx")
    alias = tmp_path / "alias"
    alias.symlink_to(landing.root, target_is_directory=True)
    (f,) = discover(str(alias))
    assert f.refusal is None


# ---------------------------------------------------------------- in-memory filesystem


@pytest.fixture
def memory_root() -> Iterator[tuple[fsspec.AbstractFileSystem, str]]:
    fs = fsspec.filesystem("memory")
    root = f"/landing-{uuid.uuid4().hex[:8]}"
    yield fs, root
    if fs.exists(root):
        fs.rm(root, recursive=True)


def put_memory(fs: fsspec.AbstractFileSystem, path: str, data: bytes, mtime: dt.datetime) -> None:
    fs.pipe(path, data)
    fs.store[path].modified = mtime


def test_in_memory_filesystem_works_like_a_folder(
    memory_root: tuple[fsspec.AbstractFileSystem, str],
) -> None:
    fs, root = memory_root
    put_memory(fs, f"{root}/submissions/a/341600_2018-06.zip", b"zip", JULY_3)
    put_memory(fs, f"{root}/register/2018-01-01/villages.csv", b"csv", JULY_3)
    found = {f.rel_path: f for f in discover(f"memory://{root}")}
    sub = found["submissions/a/341600_2018-06.zip"]
    assert (sub.city_code, sub.period, sub.refusal, sub.mtime) == (
        "341600",
        "2018-06",
        None,
        JULY_3,
    )
    assert sub.sha256 == hashlib.sha256(b"zip").hexdigest()
    assert fs.cat(sub.path) == b"zip"
    assert found["register/2018-01-01/villages.csv"].register_date == dt.date(2018, 1, 1)


def test_path_climbing_out_of_the_landing_root_is_refused(
    memory_root: tuple[fsspec.AbstractFileSystem, str],
) -> None:
    fs, root = memory_root
    # Object stores take any key, '..' included; resolved, this one lies outside the root.
    put_memory(fs, f"{root}/submissions/a/../../../etc/341600_2018-06.xlsx", b"x", JULY_3)
    (f,) = discover(f"memory://{root}")
    assert rule(f) == "file.path_escape"
    assert f.sha256 is None


# ---------------------------------------------------------------- re-hashing


def test_unchanged_files_are_not_hashed_again(
    landing: Landing, monkeypatch: pytest.MonkeyPatch
) -> None:
    landing.put("submissions/341600_2018-06.xlsx", b"june")
    landing.put("submissions/341300_2018-06.xlsx", b"june, suzhou")
    first = {f.path: f for f in discover(str(landing.root))}
    known = {p: (f.size, f.mtime, f.sha256 or "") for p, f in first.items()}
    hashed: list[str] = []
    real = disc.sha256_of
    monkeypatch.setattr(disc, "sha256_of", lambda fs, p: hashed.append(p) or real(fs, p))

    landing.put(
        "submissions/341300_2018-06.xlsx",
        b"june, suzhou, corrected",
        mtime=JULY_3 + dt.timedelta(days=1),
    )
    again = {f.path: f for f in discover(str(landing.root), known)}

    assert hashed == [str(landing.root / "submissions/341300_2018-06.xlsx")]
    assert again == {
        **first,
        hashed[0]: again[hashed[0]],
    }
    assert again[hashed[0]].sha256 == hashlib.sha256(b"june, suzhou, corrected").hexdigest()


def test_known_hash_is_reused_only_when_size_and_mtime_match(landing: Landing) -> None:
    path = str(landing.put("submissions/341600_2018-06.xlsx", b"june"))
    (same,) = discover(str(landing.root), {path: (4, JULY_3, "cached")})
    (moved,) = discover(str(landing.root), {path: (4, JULY_3 + dt.timedelta(seconds=1), "old")})
    assert same.sha256 == "cached"
    assert moved.sha256 == hashlib.sha256(b"june").hexdigest()


def test_a_file_recorded_without_its_hash_is_hashed(landing: Landing) -> None:
    """Files recorded before they were hashed (registers) never lend a missing hash."""
    path = str(landing.put("submissions/341600_2018-06.xlsx", b"june"))
    (found,) = discover(str(landing.root), {path: (4, JULY_3, None)})
    assert found.sha256 == hashlib.sha256(b"june").hexdigest()


# ---------------------------------------------------------------- versions


def test_same_content_twice_is_one_version_received_at_the_earliest(landing: Landing) -> None:
    early = dt.datetime(2018, 7, 2, tzinfo=UTC)
    landing.put("submissions/b/341600_2018-06_resent.xlsx", b"v1", mtime=JULY_3)
    landing.put("submissions/a/341600_2018-06.xlsx", b"v1", mtime=early)
    landing.put("submissions/341600_2018-06_fix.xlsx", b"v2", mtime=JULY_3 + dt.timedelta(days=2))
    landing.put("submissions/341600_2018-06 bad name.xlsx", b"v1", mtime=early)
    versions = group_versions(discover(str(landing.root)))
    assert [(v.sha256, v.received_at) for v in versions] == [
        (hashlib.sha256(b"v1").hexdigest(), early),
        (hashlib.sha256(b"v2").hexdigest(), JULY_3 + dt.timedelta(days=2)),
    ]
    v1 = versions[0]
    assert v1.file_names == ("341600_2018-06.xlsx", "341600_2018-06_resent.xlsx")
    assert v1.path.endswith("submissions/a/341600_2018-06.xlsx")


def test_versions_are_per_city_and_period(landing: Landing) -> None:
    landing.put("submissions/341600_2018-06.xlsx", b"same bytes")
    landing.put("submissions/341600_2018-05.xlsx", b"same bytes")
    landing.put("submissions/341300_2018-06.xlsx", b"same bytes")
    keys = [(v.city_code, v.period) for v in group_versions(discover(str(landing.root)))]
    assert keys == [("341300", "2018-06"), ("341600", "2018-05"), ("341600", "2018-06")]


# ---------------------------------------------------------------- name against meta


def landing_file(name: str = "341600_2018-06.xlsx") -> LandingFile:
    city, period = disc.parse_submission_name(name) or (None, None)
    return LandingFile(
        path=f"/l/submissions/{name}",
        rel_path=f"submissions/{name}",
        file_name=name,
        kind="submission",
        city_code=city,
        period=period,
        register_date=None,
        sha256="0" * 64,
        size=1,
        mtime=JULY_3,
    )


def test_name_matching_meta_passes() -> None:
    check_name_against_meta(landing_file(), "341600", " 2018-06 ")


def test_city_in_meta_disagreeing_with_the_name_is_refused() -> None:
    with pytest.raises(FileRefused) as err:
        check_name_against_meta(landing_file(), "341300", "2018-06")
    f = err.value.finding
    assert (f.rule, f.value) == ("file.city_mismatch", "341300")
    assert "341600" in f.message


def test_period_in_meta_disagreeing_with_the_name_is_refused() -> None:
    with pytest.raises(FileRefused) as err:
        check_name_against_meta(landing_file(), "341600", "2018-05")
    f = err.value.finding
    assert (f.rule, f.value) == ("file.period_mismatch", "2018-05")
    assert "2018-06" in f.message


def test_a_file_refused_at_discovery_stays_refused() -> None:
    landed = landing_file("亳州.xlsx")
    refused = disc.replace(landed, refusal=disc.finding("file.bad_name", value="亳州.xlsx"))
    with pytest.raises(FileRefused) as err:
        check_name_against_meta(refused, "341600", "2018-06")
    assert err.value.finding.rule == "file.bad_name"
