"""The synthetic landing-area generator: deterministic, in the contract's layout, consistent with
the register and its own history, and every planted messy case really where the manifest says.

These tests read the generated files with their own small reader (openpyxl, zipfile, csv), never
with the pipeline's intake, so they check the generator against the contract and nothing else.
"""

from __future__ import annotations

import csv
import datetime as dt
import functools
import io
import itertools
import os
import re
import statistics
import zipfile
from collections import Counter, defaultdict
from pathlib import Path
from typing import Any

import openpyxl
import pytest

from techaid import config
from techaid.periods import deadline_cutoff, last_day, period_range
from techaid_dev.synthetic import Manifest, generate, generator
from techaid_dev.synthetic.__main__ import main
from techaid_dev.synthetic.register import register_dates
from techaid_dev.synthetic.tables import MonthView, month_tables
from techaid_dev.synthetic.world import Context, build_city, lagging_plan, program_periods

CITIES = ["341600", "340800"]  # Bozhou (4 counties) and Anqing (Qianshan recoded in 2018-08)
SCALE = 0.01  # small and fast; the floors keep every county populated
NAME_RE = re.compile(r"^submissions/.+/(\d{6})_(\d{4}-\d{2})\.(xlsx|zip)$")
CUMULATIVE = ("museum_tours", "consulting_reports")
STOCKS = ("expert_stations", "science_caravans", "school_museums", "county_federations")


# ----------------------------------------------------------------------------- a small reader


def _zip_name(info: zipfile.ZipInfo) -> str:
    if info.flag_bits & 0x800 or info.filename.isascii():
        return info.filename
    return info.filename.encode("cp437").decode("gbk")


def _decode(data: bytes) -> str:
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError:
        return data.decode("gb18030")


@functools.cache
def read_grids(path: Path) -> dict[str, list[list[Any]]]:
    """Every sheet (or zip member, by its decoded path) as a grid of raw cells (files are never
    rewritten once generated, so each is read once per session)."""
    if path.suffix == ".xlsx":
        wb = openpyxl.load_workbook(path, read_only=True)
        grids = {
            ws.title: [list(r) for r in ws.iter_rows(values_only=True)] for ws in wb.worksheets
        }
        wb.close()
        return grids
    with zipfile.ZipFile(path) as zf:
        return {
            _zip_name(i): list(csv.reader(io.StringIO(_decode(zf.read(i))))) for i in zf.infolist()
        }


def _canonical_sheet(name: str) -> str:
    schema = config.schema()
    stem = name.rsplit("/", 1)[-1].removesuffix(".csv")
    if stem in ("meta", schema.meta.zh):
        return "meta"
    for sheet, spec in schema.sheets.items():
        if stem in (sheet, spec.zh):
            return sheet
    raise AssertionError(f"unknown sheet {name}")


def _value(v: Any, kind: str) -> Any:
    """A clean cell as a comparable value, whichever container it came from."""
    if v is None or v == "":
        return None
    if kind == "int":
        return int(v)
    if kind == "decimal":
        return float(v)
    if kind == "bool":
        return v is True or v == "是"  # a workbook's real boolean, or the template's 是/否 in CSV
    if kind == "date":
        return v.date().isoformat() if isinstance(v, dt.datetime) else str(v)
    return str(v)


def read_file(path: Path) -> dict[str, list[dict[str, Any]]]:
    """A clean file as records keyed by canonical column names (header on the first row)."""
    schema = config.schema()
    out: dict[str, list[dict[str, Any]]] = {}
    for name, grid in read_grids(path).items():
        sheet = _canonical_sheet(name)
        if sheet == "meta":
            out["meta"] = [{"key": r[0], "value": r[1]} for r in grid]
            continue
        spec = schema.sheet(sheet)
        by_label = {c.zh: c for c in spec.columns.values()} | spec.columns
        cols = [by_label[h] for h in grid[0]]
        grid = [[*row, *[None] * (len(cols) - len(row))] for row in grid]
        out[sheet] = [
            {c.name: _value(v, c.type) for c, v in zip(cols, row, strict=True)} for row in grid[1:]
        ]
    return out


def meta_of(records: dict[str, list[dict[str, Any]]]) -> dict[str, Any]:
    keys = {k.zh: n for n, k in config.schema().meta.keys.items()}
    return {keys[r["key"]]: r["value"] for r in records["meta"]}


def read_register(landing: Path, day: str, name: str) -> list[dict[str, str]]:
    with (landing / "register" / day / name).open(encoding="utf-8") as fh:
        return list(csv.DictReader(fh))


def register_for(manifest: Manifest, period: str) -> str:
    """The register dated on or before the month's last day."""
    return max(r.date for r in manifest.registers if r.date <= last_day(period).isoformat())


# ----------------------------------------------------------------------------- fixtures


@pytest.fixture(scope="module")
def clean(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Manifest]:
    landing = tmp_path_factory.mktemp("clean")
    return landing, generate(landing, "2018-06", "2018-09", cities=CITIES, scale=SCALE)


@pytest.fixture(scope="module")
def messy(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Manifest]:
    landing = tmp_path_factory.mktemp("messy")
    return landing, generate(landing, "2018-06", "2018-09", cities=CITIES, scale=SCALE, messy=True)


def _records(table) -> list[dict[str, Any]]:
    return table.frame.to_dict("records")


def regular(manifest: Manifest):
    return [s for s in manifest.submissions if s.kind == "regular"]


# ----------------------------------------------------------------------------- determinism


def _snapshot(landing: Path) -> dict[str, tuple[bytes, int]]:
    out = {}
    for p in sorted(landing.rglob("*")):
        if p.is_file() and not p.is_symlink():
            out[p.relative_to(landing).as_posix()] = (p.read_bytes(), p.stat().st_mtime_ns)
    return out


@pytest.mark.slow  # generates a landing area again
def test_should_write_identical_bytes_and_times_for_the_same_seed(messy, tmp_path: Path) -> None:
    landing, _ = messy
    again = tmp_path / "again"
    generate(again, "2018-06", "2018-09", cities=CITIES, scale=SCALE, messy=True)
    first, second = _snapshot(landing), _snapshot(again)
    assert first.keys() == second.keys()
    first["manifest.json"] = first["manifest.json"][0], 0  # written now: only its content counts
    second["manifest.json"] = second["manifest.json"][0], 0
    assert [k for k in first if first[k] != second[k]] == []


@pytest.mark.slow  # generates a landing area again
def test_should_give_the_same_month_whatever_else_is_generated(clean, tmp_path: Path) -> None:
    landing, manifest = clean
    # One city, and a range that ends where the fixture's does: the last generated month of a
    # year carries the year's evaluations, so August must not be the last month here either.
    alone = tmp_path / "alone"
    generate(alone, "2018-08", "2018-09", cities=["340800"], scale=SCALE)
    rel = next(
        s.file for s in regular(manifest) if s.city_code == "340800" and s.period == "2018-08"
    )
    assert (alone / rel).read_bytes() == (landing / rel).read_bytes()


def test_should_differ_with_another_seed(clean, tmp_path: Path) -> None:
    landing, manifest = clean
    other = tmp_path / "other"
    generate(other, "2018-06", "2018-06", cities=["341600"], seed=8)
    a = read_file(landing / next(s.file for s in regular(manifest) if s.city_code == "341600"))
    b_rel = next(p for p in other.rglob("341600_2018-06.*"))
    assert read_file(b_rel)["experts"] != a["experts"]


# ----------------------------------------------------------------------------- layout


def test_should_follow_the_contract_layout(clean) -> None:
    landing, manifest = clean
    schema = config.schema()
    required = {s for s, spec in schema.sheets.items() if spec.required}
    assert len(regular(manifest)) == len(CITIES) * 4
    for sub in regular(manifest):
        m = NAME_RE.match(sub.file)
        assert m, sub.file
        assert (m.group(1), m.group(2)) == (sub.city_code, sub.period), sub.file
        records = read_file(landing / sub.file)
        # The last generated month of a year (here 2018-09) also carries the year's evaluations.
        optional = {"evaluations"} if sub.period == "2018-09" else set()
        assert set(records) - {"meta"} == required | optional
        meta = meta_of(records)
        assert (meta["city_code"], meta["period"]) == (sub.city_code, sub.period)
        for name, grid in read_grids(landing / sub.file).items():
            sheet = _canonical_sheet(name)
            if sheet != "meta":
                assert grid[0] == [c.zh for c in schema.sheet(sheet).columns.values()], name


def test_should_write_codes_as_text_cells(clean) -> None:
    landing, manifest = clean
    sub = next(s for s in regular(manifest) if s.format == "xlsx")
    grids = read_grids(landing / sub.file)
    for name, grid in grids.items():
        sheet = _canonical_sheet(name)
        if sheet == "meta":
            continue
        spec = config.schema().sheet(sheet)
        for j, col in enumerate(spec.columns.values()):
            if col.type.startswith("code") or col.type in ("household_id", "id"):
                assert all(isinstance(r[j], str | None) for r in grid[1:]), (sheet, col.name)


def test_should_list_exactly_the_counties_valid_in_the_month(clean) -> None:
    landing, manifest = clean
    h = config.hierarchy()
    for sub in regular(manifest):
        counties = {r["county_code"] for r in read_file(landing / sub.file)["counties"]}
        assert counties == {u.code for u in h.counties_of(sub.city_code, sub.period)}
    anqing = {s.period: s for s in regular(manifest) if s.city_code == "340800"}
    july = {r["county_code"] for r in read_file(landing / anqing["2018-07"].file)["counties"]}
    august = {r["county_code"] for r in read_file(landing / anqing["2018-08"].file)["counties"]}
    assert "340824" in july
    assert "340882" in august
    assert "340882" not in july


def test_should_zip_big_months_and_respect_an_explicit_format(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    m = generate(tmp_path / "zip", "2018-06", "2018-06", cities=["341100"], fmt="zip")
    assert [s.format for s in m.submissions] == ["zip"]
    names = zipfile.ZipFile(tmp_path / "zip" / m.submissions[0].file).namelist()
    assert all(n.endswith(".csv") for n in names)
    assert len(names) == 10  # the nine required sheets and meta, evaluations (last month of 2018)
    records = read_file(tmp_path / "zip" / m.submissions[0].file)  # every value parses
    assert all(isinstance(r["pairing_funds"], float) for r in records["counties"])
    monkeypatch.setattr(generator, "AUTO_ZIP_ROWS", 100)
    auto = generate(tmp_path / "auto", "2018-06", "2018-06", cities=["341100"])
    assert auto.submissions[0].format == "zip"
    assert auto.submissions[0].rows["households"] > 100
    with pytest.raises(ValueError, match="format must be one of"):
        generate(tmp_path / "bad", "2018-06", "2018-06", fmt="csv")


def test_should_add_the_yearly_evaluation_in_december(tmp_path: Path) -> None:
    m = generate(tmp_path, "2018-11", "2018-12", cities=["341700"], scale=SCALE)
    nov, dec = (read_file(tmp_path / s.file) for s in m.submissions)
    assert "evaluations" not in nov
    assert dec["evaluations"]
    filed = {r["expert_id"] for r in dec["experts"] if r["registered_on"]}
    filed |= {r["org_id"] for r in dec["organizations"] if r["registered_on"]}
    for row in dec["evaluations"]:
        assert row["subject_id"] in filed
        assert row["year"] == 2018
        assert 0 <= row["score"] <= 100
    assert any(r["city_recommends"] for r in dec["evaluations"])


# ----------------------------------------------------------------------------- register


def test_should_list_only_registered_households_of_the_city(clean) -> None:
    landing, manifest = clean
    h = config.hierarchy()
    for sub in regular(manifest):
        day = register_for(manifest, sub.period)
        register = {
            r["household_id"]: r["village_code"]
            for r in read_register(landing, day, "households.csv")
        }
        valid = {u.code for u in h.counties_of(sub.city_code, sub.period)}
        rows = read_file(landing / sub.file)["households"]
        assert rows
        assert all(r["household_id"] in register for r in rows)
        assert all(register[r["household_id"]][:6] in valid for r in rows)
        assert all(re.fullmatch(r"\d{16,19}", r["household_id"]) for r in rows)


def test_should_prefix_villages_with_the_county_valid_that_month(clean) -> None:
    landing, manifest = clean
    h = config.hierarchy()
    for sub in regular(manifest):
        valid = {u.code for u in h.counties_of(sub.city_code, sub.period)}
        records = read_file(landing / sub.file)
        assert {r["village_code"][:6] for r in records["villages"]} <= valid
        assert {r["township_code"][:6] for r in records["townships"]} <= valid
        assert all(
            r["village_code"][:9] in {t["township_code"] for t in records["townships"]}
            for r in records["villages"]
        )
        poor = {
            r["village_code"]
            for r in read_register(landing, register_for(manifest, sub.period), "villages.csv")
        }
        listed = {r["village_code"] for r in records["villages"]}
        assert poor & listed
        assert {v for v in poor if v[:6] in valid} <= listed


def test_should_issue_a_new_register_when_qianshan_is_recoded(clean) -> None:
    landing, manifest = clean
    assert [r.date for r in manifest.registers] == ["2017-01-01", "2018-08-01"]
    old = read_register(landing, "2017-01-01", "households.csv")
    new = read_register(landing, "2018-08-01", "households.csv")
    assert [r["household_id"] for r in old] == [r["household_id"] for r in new]
    old_v = {r["village_code"][:6] for r in read_register(landing, "2017-01-01", "villages.csv")}
    new_v = {r["village_code"][:6] for r in read_register(landing, "2018-08-01", "villages.csv")}
    assert "340824" in old_v
    assert "340882" not in old_v
    assert "340882" in new_v
    assert "340824" not in new_v
    h, prog = config.hierarchy(), config.program()
    assert [d for d, _ in register_dates(h, prog, ["341600"], "2018-09")] == [dt.date(2017, 1, 1)]


def test_should_count_labour_capable_households_at_about_three_quarters(clean) -> None:
    landing, _ = clean
    rows = read_register(landing, "2017-01-01", "households.csv")
    share = sum(r["labor_capable"] == "true" for r in rows) / len(rows)
    assert 0.65 < share < 0.9


# ------------------------------------------------------------------- history and consistency


@pytest.fixture(scope="module")
def program_months() -> dict[str, list[dict[str, Any]]]:
    """The clean tables of two cities for every month of the program (in memory, no files)."""
    h, prog = config.hierarchy(), config.program()
    periods = program_periods(prog)
    ctx = Context(7, 0.02, prog.program.start, len(periods))
    lag = lagging_plan(7, h, periods)
    out: dict[str, list[dict[str, Any]]] = {}
    for city in CITIES:
        world = build_city(ctx, h, city, periods, lag)
        out[city] = [
            {"period": p, **month_tables(MonthView.of(ctx, h, world, p), "x", last_day(p))}
            for p in periods
        ]
    return out


def test_should_never_decrease_cumulative_counts_or_stocks(program_months) -> None:
    h = config.hierarchy()
    for months in program_months.values():
        last: dict[str, dict[str, Any]] = {}
        for month in months:
            for row in month["counties"].frame.to_dict("records"):
                key = h.series_code(row["county_code"])
                before = last.get(key)
                if before:
                    for col in CUMULATIVE + STOCKS:
                        assert row[col] >= before[col], (month["period"], key, col)
                last[key] = row
        finals = list(last.values())
        assert all(r["museum_tours"] >= 1 for r in finals)


def test_should_only_grow_snapshots(program_months) -> None:
    for months in program_months.values():
        for before, after in itertools.pairwise(months):
            for sheet, key in (
                ("experts", "expert_id"),
                ("organizations", "org_id"),
                ("agreements", "agreement_id"),
            ):
                assert set(before[sheet].frame[key]) <= set(after[sheet].frame[key]), (
                    after["period"],
                    sheet,
                )
            b, a = before["households"].frame, after["households"].frame
            assert (a["techniques"] >= b["techniques"]).all()
            assert (a["income_projects"] >= b["income_projects"]).all()
            series = config.hierarchy().series_code
            old = {
                series(r["village_code"][:6]) + r["village_code"][6:]: r
                for r in _records(before["villages"])
            }
            for row in _records(after["villages"]):
                prev = old[series(row["village_code"][:6]) + row["village_code"][6:]]
                assert row["associations"] >= prev["associations"]
                assert row["business_entities"] >= prev["business_entities"]


def test_should_keep_flows_within_threefold_of_last_month(program_months) -> None:
    series = config.hierarchy().series_code
    flows = (
        "youth_participants",
        "pairing_projects",
        "pairing_workers",
        "pairing_talents",
        "pairing_funds",
    )
    for months in program_months.values():
        for before, after in itertools.pairwise(months):
            prev = {
                series(r["county_code"]): r for r in before["counties"].frame.to_dict("records")
            }
            for row in after["counties"].frame.to_dict("records"):
                old = prev[series(row["county_code"])]
                for col in flows:
                    x, y = float(old[col]), float(row[col])
                    assert (x == 0) == (y == 0), (after["period"], col)
                    assert x == 0 or max(x, y) / min(x, y) <= 3, (after["period"], col, x, y)


def test_should_stay_near_each_countys_own_history(program_months) -> None:
    """No clean value is an outlier against the county's last 12 months (robust z-score on the
    median absolute deviation, floored at 1), once 6 months are known."""
    series = config.hierarchy().series_code
    columns = ("youth_participants", "pairing_workers", "pairing_talents", "pairing_funds", *STOCKS)
    for months in program_months.values():
        history: dict[tuple[str, str], list[float]] = defaultdict(list)
        for month in months:
            for row in month["counties"].frame.to_dict("records"):
                for col in columns:
                    past = history[(series(row["county_code"]), col)][-12:]
                    if len(past) >= 6:
                        med = statistics.median(past)
                        mad = max(statistics.median(abs(x - med) for x in past), 1.0)
                        z = 0.6745 * abs(float(row[col]) - med) / mad
                        assert z < 4, (month["period"], row["county_code"], col, z)
                    history[(series(row["county_code"]), col)].append(float(row[col]))


def test_should_agree_across_sheets(program_months) -> None:
    station = "农技专家服务站"
    for months in program_months.values():
        for month in months:
            orgs = month["organizations"].frame
            counts = Counter(
                loc[:6]
                for loc, t in zip(orgs["location_code"], orgs["org_type"], strict=True)
                if t == station
            )
            for row in month["counties"].frame.to_dict("records"):
                assert row["expert_stations"] == counts.get(row["county_code"], 0), month["period"]
            agreements = month["agreements"].frame
            targets = set(agreements["target_id"])
            covered = month["villages"].frame.query("service_covered == True")["village_code"]
            assert set(covered) <= targets | set(month["activities"].frame["village_code"].dropna())
            experts, org_ids = set(month["experts"].frame["expert_id"]), set(orgs["org_id"])
            for a in agreements.to_dict("records"):
                assert a["helper_id"] in (experts if a["helper_kind"] == "专家" else org_ids)
                assert all(
                    a[k]
                    for k in (
                        "signed_on",
                        "start_on",
                        "end_on",
                        "goals",
                        "tasks",
                        "measures",
                        "mechanism",
                    )
                )
                assert a["end_on"] >= a["start_on"]
            p = month["period"]
            for act in month["activities"].frame.to_dict("records"):
                assert act["held_on"].strftime("%Y-%m") == p
                assert set(act["expert_ids"].split(";")) <= experts


def test_should_keep_ids_unique_province_wide(program_months) -> None:
    seen: dict[str, str] = {}
    for city, months in program_months.items():
        final = months[-1]
        for sheet, key in (
            ("experts", "expert_id"),
            ("organizations", "org_id"),
            ("agreements", "agreement_id"),
        ):
            ids = list(final[sheet].frame[key])
            assert len(ids) == len(set(ids))
            for i in ids:
                assert seen.setdefault(i, city) == city


def test_should_plan_a_few_lagging_counties_that_lag(clean, program_months) -> None:
    _, manifest = clean
    lagging = {c["county_code"]: c for c in manifest.lagging_counties}
    assert lagging
    assert all(c["indicators"] for c in lagging.values())
    plan = lagging_plan(7, config.hierarchy(), program_periods(config.program()))
    assert 3 <= len(plan) <= 8
    # A county lagging on households stays below the linear expectation by mid-program.
    mid = program_months["341600"][23]  # 2018-12, elapsed share 0.5
    for code, info in lagging.items():
        if "households" in info["aspects"] and code.startswith("3416"):
            frame = mid["households"].frame
            mine = frame[frame["household_id"].str[:6] == code]
            assert (mine["techniques"] > 0).mean() < 0.5 * 0.9


def test_should_scale_linearly(tmp_path: Path) -> None:
    h, prog = config.hierarchy(), config.program()
    periods = program_periods(prog)
    sizes = []
    for scale in (0.2, 0.4):
        ctx = Context(7, scale, prog.program.start, len(periods))
        world = build_city(ctx, h, "341200", ["2018-06"], {})
        sizes.append(
            (
                sum(len(c.households.ids) for c in world.counties),
                len(world.experts),
                sum(len(c.villages) for c in world.counties),
            )
        )
    for small, big in zip(*sizes, strict=True):
        assert 1.8 < big / small < 2.2


# ----------------------------------------------------------------------------- received times


def test_should_set_modification_times_to_the_received_times(tmp_path: Path) -> None:
    # Chuzhou (341100) is one of the two cities late by design for seed 7: some months late.
    m = generate(tmp_path, "2018-01", "2018-04", cities=["341100"], scale=SCALE)
    assert "341100" in m.late_cities
    prog = config.program()
    for sub in m.submissions:
        mtime = dt.datetime.fromtimestamp((tmp_path / sub.file).stat().st_mtime, dt.UTC)
        assert mtime == dt.datetime.fromisoformat(sub.received_at)
        cutoff = deadline_cutoff(
            sub.period, prog.deadline.day, prog.deadline.overrides, prog.program.timezone
        )
        assert (mtime >= cutoff) == sub.late
        assert mtime > dt.datetime.combine(last_day(sub.period), dt.time(23, 59), dt.UTC)
        assert mtime < cutoff + dt.timedelta(days=7)
    late = [s.file for s in m.submissions if s.late]
    assert late
    assert {c.file for c in m.cases if c.case == "warn.late_submission"} == set(late)
    for reg in m.registers:
        day = dt.date.fromisoformat(reg.date)
        assert dt.datetime.fromtimestamp((tmp_path / reg.households).stat().st_mtime).date() in (
            day,
            day - dt.timedelta(days=1),
        )


# ----------------------------------------------------------------------------- messy mode


EVERY_CASE = {
    "repair.code_number",
    "repair.code_sci",
    "repair.code_spaces",
    "repair.fullwidth_digits",
    "repair.thousands_separator",
    "repair.bool_text",
    "repair.date_slash",
    "repair.date_chinese",
    "repair.date_compact",
    "repair.date_serial",
    "repair.whitespace",
    "repair.total_row",
    "repair.title_rows",
    "repair.blank_bool",
    "repair.english_headers",
    "repair.expert_ids_separator",
    "repair.meta_period_date",
    "repair.csv_gb18030",
    "repair.csv_utf8_bom",
    "repair.zip_gbk_names",
    "repair.zip_top_folder",
    "warn.extra_column",
    "row.wrong_type",
    "row.out_of_range",
    "row.household_id_number",
    "row.duplicate_key",
    "row.duplicate_id",
    "row.household_not_in_register",
    "row.unknown_code",
    "row.prefix_mismatch",
    "row.unknown_expert",
    "row.activity_outside_month",
    "row.agreement_missing_element",
    "row.agreement_end_before_start",
    "row.unknown_organization",
    "refuse.city_mismatch",
    "refuse.period_mismatch",
    "refuse.missing_sheet",
    "refuse.missing_column",
    "refuse.county_missing",
    "refuse.county_repeated",
    "refuse.quarantine_threshold",
    "refuse.unreadable",
    "refuse.bad_name",
    "refuse.unknown_period",
    "refuse.unknown_city",
    "refuse.zip_bomb",
    "refuse.path_escape",
    "refuse.symlink",
}


def test_should_plant_every_case_of_the_contract(messy) -> None:
    _, manifest = messy
    assert manifest.skipped_cases == []
    assert {c.case for c in manifest.cases} >= EVERY_CASE
    bool_words = {c.note.split(" = ")[0] for c in manifest.cases if c.case == "repair.bool_text"}
    # 是/否 is the template's own spelling (the clean form), so it is never planted as a repair.
    words = {"有", "无", "Y", "N", "yes", "no", "true", "false", "1", "0", "√", "×"}
    assert bool_words == words
    seps = {
        next(ch for ch in c.value if ch in "；,、")
        for c in manifest.cases
        if c.case == "repair.expert_ids_separator"
    }
    assert seps == {"；", ",", "、"}
    by_kind = {
        c.case.split(".")[0]: c.expected
        for c in manifest.cases
        if c.case.split(".")[0] in ("repair", "row", "refuse")
    }
    assert by_kind == {"repair": "repair", "row": "error", "refuse": "fatal"}


def _same(cell: Any, value: Any) -> bool:
    if isinstance(cell, dt.datetime):
        return cell.date().isoformat() == value
    if isinstance(value, int | float) and isinstance(cell, str):  # a CSV cell is text
        return cell.strip() == str(value)
    if isinstance(value, float) or (isinstance(value, int) and isinstance(cell, int | float)):
        return cell is not None and not isinstance(cell, str) and float(cell) == float(value)
    return ("" if cell is None else cell) == ("" if value is None else value)


def test_should_find_each_planted_value_at_its_row(messy) -> None:
    landing, manifest = messy
    checked = 0
    for case in manifest.cases:
        if case.row is None or case.col_index is None:
            continue
        grid = read_grids(landing / case.file)[case.location]
        row = grid[case.row - 1]
        cell = row[case.col_index - 1] if case.col_index <= len(row) else None
        assert _same(cell, case.value), (case.file, case.case, case.row, cell, case.value)
        checked += 1
        if case.case == "repair.title_rows":  # the header moved below the title rows
            assert _canonical_sheet(case.location) == "experts"
            assert grid[2][0] == "专家编号"
        if case.related_rows:
            assert grid[case.related_rows[0] - 1][case.col_index - 1] == cell
    assert checked >= 40


def _comparable(v: Any, kind: str) -> Any:
    try:
        return _value(v, kind)
    except (TypeError, ValueError):
        return ("unparsable", v)


def test_should_list_every_difference_from_the_clean_file(clean, messy) -> None:
    """The manifest is exact: a messy month differs from the same clean month only in the cells,
    rows and headers its cases name (layout quirks aside: titles, totals, codecs, names)."""
    clean_landing, clean_manifest = clean
    landing, manifest = messy
    twins = {(s.city_code, s.period): s.file for s in regular(clean_manifest)}
    schema = config.schema()
    for sub in regular(manifest):
        cases = [c for c in manifest.cases if c.file == sub.file]
        listed = {(c.location, c.row, c.col_index) for c in cases}
        rows_listed = {(c.location, c.row) for c in cases if c.case.startswith("row.")}
        titled = {c.location for c in cases if c.case == "repair.title_rows"}
        totals = {c.location: c.row for c in cases if c.case == "repair.total_row"}
        twin = {
            _canonical_sheet(n): g
            for n, g in read_grids(clean_landing / twins[(sub.city_code, sub.period)]).items()
        }
        for location, grid in read_grids(landing / sub.file).items():
            sheet = _canonical_sheet(location)
            first = 0 if sheet == "meta" else 3 if location in titled else 1
            clean_rows = twin[sheet][0 if sheet == "meta" else 1 :]
            if sheet == "meta":
                kinds = {k.zh: k.type for k in schema.meta.keys.values()}
                types = None
            else:
                types = [c.type for c in schema.sheet(sheet).columns.values()]
            for k, row in enumerate(grid[first:]):
                number = first + k + 1
                if totals.get(location) == number:
                    continue
                if k >= len(clean_rows):
                    assert (location, number) in rows_listed, (sub.file, location, number)
                    continue
                for j, kind in enumerate(types or ["text", kinds[clean_rows[k][0]]]):
                    mine = _comparable(row[j] if j < len(row) else None, kind)
                    theirs = _comparable(clean_rows[k][j] if j < len(clean_rows[k]) else None, kind)
                    if mine != theirs:
                        assert (location, number, j + 1) in listed, (
                            sub.file,
                            location,
                            number,
                            j + 1,
                        )


def test_should_keep_row_errors_under_the_quarantine_threshold(messy) -> None:
    _, manifest = messy
    errors: Counter[tuple[str, str]] = Counter()
    for c in manifest.cases:
        if c.expected == "error":
            errors[(c.file, c.sheet)] += 1 + len(c.related_rows)
    rows = {s.file: s.rows for s in manifest.submissions}
    for (file, sheet), n in errors.items():
        total = rows[file][sheet]
        assert total < 20 or n / total < 0.2, (file, sheet, n, total)


def test_should_plant_container_quirks_for_real(messy) -> None:
    landing, manifest = messy
    by_case = defaultdict(list)
    for c in manifest.cases:
        by_case[c.case].append(c)
    gbk = by_case["repair.zip_gbk_names"][0]
    infos = zipfile.ZipFile(landing / gbk.file).infolist()
    assert all(not i.flag_bits & 0x800 for i in infos)
    assert any(not i.filename.isascii() for i in infos)
    folder = by_case["repair.zip_top_folder"][0]
    names = [_zip_name(i) for i in zipfile.ZipFile(landing / folder.file).infolist()]
    assert len({n.split("/")[0] for n in names}) == 1
    assert all("/" in n for n in names)
    for case, check in (
        ("repair.csv_gb18030", lambda b: b.decode("gb18030") and not _is_utf8(b)),
        ("repair.csv_utf8_bom", lambda b: b.startswith(b"\xef\xbb\xbf")),
    ):
        c = by_case[case][0]
        with zipfile.ZipFile(landing / c.file) as zf:
            member = next(i for i in zf.infolist() if _zip_name(i) == c.location)
            assert check(zf.read(member)), case
    english = by_case["repair.english_headers"][0]
    assert read_grids(landing / english.file)[english.location][0][0] == "org_id"
    total = by_case["repair.total_row"][0]
    assert read_grids(landing / total.file)[total.location][-1][0] == "合计"


def _is_utf8(data: bytes) -> bool:
    try:
        data.decode("utf-8")
    except UnicodeDecodeError:
        return False
    return True


def test_should_write_files_to_refuse(messy) -> None:
    landing, manifest = messy
    fatal = {c.case: c for c in manifest.cases if c.expected == "fatal"}
    assert not zipfile.is_zipfile(landing / fatal["refuse.unreadable"].file)
    assert (landing / fatal["refuse.symlink"].file).is_symlink()
    bomb = zipfile.ZipFile(landing / fatal["refuse.zip_bomb"].file).infolist()[0]
    assert bomb.file_size / bomb.compress_size > config.program().limits.max_zip_ratio
    escape = zipfile.ZipFile(landing / fatal["refuse.path_escape"].file).namelist()
    assert any(n.startswith("../") for n in escape)
    assert not NAME_RE.match(fatal["refuse.bad_name"].file)
    missing = read_grids(landing / fatal["refuse.missing_sheet"].file)
    assert "households" not in {_canonical_sheet(n) for n in missing}
    refused = [s for s in manifest.submissions if s.kind == "refuse"]
    assert {s.file for s in refused} == {c.file for c in fatal.values()}
    for s in refused:
        assert os.path.islink(landing / s.file) or (landing / s.file).stat().st_size > 0


def test_should_run_from_the_command_line(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    rc = main(
        [
            "--landing",
            str(tmp_path),
            "--start",
            "2018-01",
            "--end",
            "2018-02",
            "--cities",
            "341700",
            "--scale",
            "0.01",
        ]
    )
    assert rc == 0
    assert "2 monthly files" in capsys.readouterr().out
    manifest = Manifest.read(tmp_path / "manifest.json")
    assert [s.period for s in manifest.submissions] == ["2018-01", "2018-02"]
    with pytest.raises(SystemExit):
        main(["--landing", str(tmp_path), "--start", "2016-01"])
    assert period_range("2018-01", "2018-02") == [s.period for s in regular(manifest)]
