"""The Data Docs site: built under <output>/data_docs from the stored (masked) results of a run's
files; no phone number or household id appears unmasked anywhere in it, and building it again
from the same results gives the same bytes."""

from __future__ import annotations

import copy
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from dq_builders import HH, build_file, clean_rows, context

from techaid.findings import mask
from techaid.outputs import data_docs

Rows = dict[str, list[dict[str, Any]]]
SID = "0123456789abcdef0123"
PHONE, BAD_PHONE = "13912345678", "0556-5551234"
STRAY_HOUSEHOLD = "349999999999000099"  # a household id typed where a village code belongs


def _personal(rows: Rows) -> list[str]:
    """The raw values the site must never show: a duplicated household id, a malformed phone
    (both failing), a valid phone, and a household id in a non-personal column."""
    rows["households"][1]["household_id"] = HH[0]
    rows["experts"][0]["phone"] = PHONE
    rows["experts"][1]["phone"] = BAD_PHONE
    rows["agreements"][0]["target_id"] = STRAY_HOUSEHOLD
    return [HH[0], PHONE, BAD_PHONE, STRAY_HOUSEHOLD]


def _files(root: Path) -> dict[str, bytes]:
    return {
        str(p.relative_to(root)): p.read_bytes() for p in sorted(root.rglob("*")) if p.is_file()
    }


@dataclass
class Site:
    root: Path  # the output folder
    index: Path
    first: dict[str, bytes]  # every file after the first build
    again: dict[str, bytes]  # ... and after recording and building again
    raw: list[str]


@pytest.fixture(scope="module")
def site(gx: Any, tmp_path_factory: pytest.TempPathFactory) -> Site:
    """One small file with failing personal values, recorded and built twice."""
    rows = copy.deepcopy(clean_rows())
    raw = _personal(rows)
    parsed = build_file(rows)
    root = tmp_path_factory.mktemp("output")

    def build() -> Path:
        data_docs.record_file(parsed, context(), SID, "2018-07-02T08:00:00", root)
        return data_docs.build_data_docs(root, [SID])

    index = build()
    first = _files(root)
    build()
    return Site(root, index, first, _files(root), raw)


def test_should_build_the_site_without_personal_data(site: Site) -> None:
    assert site.index == site.root / "data_docs" / "index.html" and site.index.is_file()
    pages = list((site.root / "data_docs" / "validations").rglob("*.html"))
    assert any("households" in p.name for p in pages) and any("experts" in p.name for p in pages)
    assert f"340800_2018-06_{SID}" in site.index.read_text(encoding="utf-8")
    for name, data in site.again.items():  # the site and the stored results
        for value in site.raw:
            assert value.encode() not in data, f"{value} unmasked in {name}"
    experts = next(p for p in pages if "experts" in p.name).read_text(encoding="utf-8")
    assert mask(BAD_PHONE) in experts  # the failure is shown, masked


def test_should_give_the_same_site_when_built_again(site: Site) -> None:
    assert sorted(site.again) == sorted(site.first)
    assert [name for name, data in site.again.items() if data != site.first[name]] == []


def test_should_leave_the_checks_context_current(site: Site, gx: Any) -> None:
    """GX builds suites against its current project: the docs context must not stay it."""
    from great_expectations.data_context.data_context.context_factory import project_manager

    from techaid.quality import suites

    assert project_manager.get_current_project() is gx.context
    assert suites.stale() == []


def test_should_mask_personal_columns_and_look_alikes() -> None:
    assert data_docs.personal_columns("experts") == {"name", "phone"}
    assert data_docs.personal_columns("households") == {"household_id"}
    assert data_docs._scrub("E001", False) == "E001"
    assert data_docs._scrub("340825101201", False) == "340825101201"  # a village code
    assert data_docs._scrub(STRAY_HOUSEHOLD, False) == mask(STRAY_HOUSEHOLD)
    assert data_docs._scrub("tel 13912345678", False) == mask("tel 13912345678")
    assert data_docs._scrub("欧阳小明", True) == mask("欧阳小明")
    assert data_docs._scrub(7, False) == 7
    entry = {"household_id": HH[0], "row_number": 3}
    assert data_docs._scrub_entry(entry, {"household_id"}, True) == {
        "household_id": mask(HH[0]), "row_number": 3}  # fmt: skip
