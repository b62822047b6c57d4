"""Generate a landing area: registers, one file per city and month, planted cases, the manifest.

The layout is the contract's (docs/data-contract.md)::

    <landing>/submissions/<city folder>/<city_code>_<YYYY-MM>.xlsx|.zip
    <landing>/register/<YYYY-MM-DD>/villages.csv, households.csv
    <landing>/manifest.json

Each file's modification time is set to when the office "sent" it: a few days before the
deadline (the 5th of the next month, Asia/Shanghai, with the configured holiday overrides), or a
few days after it for the cities late by design. Nothing depends on the wall clock, so the same
arguments always give the same bytes and times.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import os
import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

from techaid import config
from techaid.config import ProgramSettings
from techaid.config.hierarchy import Hierarchy
from techaid.periods import deadline_day, parse_period, period_range
from techaid_dev.synthetic import messy as planting
from techaid_dev.synthetic import names, repairs, rows
from techaid_dev.synthetic.manifest import Case, Manifest, SubmissionFile
from techaid_dev.synthetic.refuse import Refusal, refusals
from techaid_dev.synthetic.register import register_dates, write_registers
from techaid_dev.synthetic.rng import rng, stable_int
from techaid_dev.synthetic.tables import MonthView, Table, month_tables
from techaid_dev.synthetic.world import (
    ASPECT_INDICATORS,
    LAG_KINDS,
    CityWorld,
    Context,
    build_city,
    is_late,
    lagging_plan,
    late_cities,
    program_periods,
)
from techaid_dev.synthetic.writers import Format, Layout, set_received, write_file

AUTO_ZIP_ROWS = 50_000  # above this many rows in a sheet, "auto" writes a zip of CSVs
FORMATS = ("auto", "xlsx", "zip")


def generate(
    landing: Path | str,
    start: str,
    end: str,
    *,
    seed: int = 7,
    scale: float = 0.02,
    messy: bool = False,
    cities: list[str] | None = None,
    fmt: str = "auto",
) -> Manifest:
    """Write a landing area for the months start..end and return (and write) its manifest.

    ``scale`` 1.0 is Anhui's size (about 1.9 million registered households); entity counts scale
    linearly with small floors so every county keeps a few townships, villages and experts.
    ``cities`` limits the cities (default all nine; the register then covers only them).
    """
    h, prog = config.hierarchy(), config.program()
    selected = _checked(start, end, scale, fmt, cities, h, prog)
    periods = period_range(start, end)
    ctx = Context(seed, scale, prog.program.start, len(program_periods(prog)))
    lag = lagging_plan(seed, h, program_periods(prog))
    worlds = {c: build_city(ctx, h, c, periods, lag) for c in selected}
    manifest = Manifest(
        seed, scale, start, end, messy, fmt, selected, late_cities=late_cities(seed, h)
    )
    manifest.lagging_counties = _lagging_section(worlds.values())
    landing = Path(landing)
    write_registers(landing, manifest, list(worlds.values()), h, prog, end)

    files = [(p, c) for p in periods for c in selected]
    formats = [
        _format(fmt, messy, _largest_sheet(worlds[c]), periods.index(p) + selected.index(c))
        for p, c in files
    ]
    plan = planting.Plan(formats, (*repairs.SPECS, *rows.SPECS)) if messy else None
    run = _Run(landing, ctx, h, prog, manifest, plan, evaluation_months(periods))
    # The refused files copy the smallest selected city's middle month: they are many.
    refuse_at = (periods[len(periods) // 2], min(selected, key=lambda c: _largest_sheet(worlds[c])))
    for i, (period, city) in enumerate(files):
        written = run.month(i, worlds[city], period, formats[i])
        if messy and (period, city) == refuse_at:
            run.refusals(written)
    if run.plan is not None:
        manifest.skipped_cases = [*run.plan.skipped, *manifest.skipped_cases]
    landing.mkdir(parents=True, exist_ok=True)
    manifest.write(landing / "manifest.json")
    return manifest


def evaluation_months(periods: list[str]) -> frozenset[str]:
    """The last generated month of each year: its file carries the year's evaluations (December,
    or the month a shorter run stops at, so every run has a year to shortlist)."""
    last: dict[str, str] = {}
    for p in periods:
        last[p[:4]] = max(p, last.get(p[:4], p))
    return frozenset(last.values())


def _checked(
    start: str,
    end: str,
    scale: float,
    fmt: str,
    cities: list[str] | None,
    h: Hierarchy,
    prog: ProgramSettings,
) -> list[str]:
    """The selected cities in hierarchy order, after checking every argument."""
    for p in (start, end):
        parse_period(p)
    if end < start:
        raise ValueError(f"end {end} is before start {start}")
    if start < prog.program.start:
        raise ValueError(f"start {start} is before the program start {prog.program.start}")
    if scale <= 0:
        raise ValueError("scale must be positive")
    if fmt not in FORMATS:
        raise ValueError(f"format must be one of {FORMATS}")
    unknown = sorted(set(cities or []) - set(h.city_codes()))
    if unknown:
        raise ValueError(f"not cities of the hierarchy: {', '.join(unknown)}")
    return [c for c in h.city_codes() if not cities or c in cities]


@dataclass
class _Written:
    """A regular file as written: what its refusals are copied from."""

    view: MonthView
    rel: str
    layout: Layout
    when: dt.datetime
    deadline: dt.date
    office: str


@dataclass
class _Run:
    landing: Path
    ctx: Context
    h: Hierarchy
    prog: ProgramSettings
    manifest: Manifest
    plan: planting.Plan | None
    evaluating: frozenset[str] = frozenset()  # the months that carry their year's evaluations

    def month(self, i: int, world: CityWorld, period: str, fmt: Format) -> _Written:
        """Write the city's file for the month (messy if planned) and record it."""
        seed, city = self.ctx.seed, world.city_code
        view = MonthView.of(self.ctx, self.h, world, period)
        when, deadline, late = received(seed, city, period, self.manifest.late_cities, self.prog)
        office = names.person(rng(seed, "office", city))
        tables = month_tables(view, office, when.date(), period in self.evaluating)
        layout = Layout(fmt, _sheet_names(seed, city, tables))
        rel = f"submissions/{_folder(seed, self.h, city, period)}/{city}_{period}.{fmt}"
        pending: list[planting.Pending] = []
        if self.plan is not None:
            r = rng(seed, "messy", city, period)
            pending = self.plan.plant(
                i, planting.FileCtx(tables, layout, view, self.h, r, _ids_of(world))
            )
        path = self.landing / rel
        write_file(path, _ordered(tables), layout, when, office)
        set_received(path, when)
        m = self.manifest
        m.submissions.append(
            _entry(rel, city, period, fmt, "regular", when, deadline, late, tables)
        )
        m.cases.extend(planting.resolve(p, tables, layout, rel) for p in pending)
        if late:
            note = f"received {when.isoformat()}, due {deadline}"
            m.cases.append(Case(rel, "warn.late_submission", "warning", note=note))
        return _Written(view, rel, layout, when, deadline, office)

    def refusals(self, w: _Written) -> None:
        """The refused files of one (city, month), each arriving an hour after the previous one."""
        city, period = w.view.world.city_code, w.view.period
        others = [c for c in self.h.city_codes() if c != city]
        other = others[stable_int(self.ctx.seed, "other-city", city) % len(others)]
        folder = Path(w.rel).parent

        def make() -> dict[str, Table]:
            return month_tables(w.view, w.office, w.when.date(), w.view.period in self.evaluating)

        for k, ref in enumerate(
            refusals(make, city, period, "." + w.layout.fmt, other, self.h.name(city)), 1
        ):
            rel = (folder / ref.name).as_posix()
            when = w.when + dt.timedelta(hours=k)
            fmt = "zip" if ref.name.endswith(".zip") else w.layout.fmt
            names_ = _sheet_names(self.ctx.seed, city, ref.tables or {})
            layout = Layout(fmt, names_, extra_members=ref.zip_extra)
            if not self._write_refusal(
                ref, self.landing / rel, self.landing / w.rel, layout, when, w.office
            ):
                self.manifest.skipped_cases.append(ref.case)
                continue
            late = when.date() > w.deadline
            self.manifest.submissions.append(
                _entry(rel, city, period, fmt, "refuse", when, w.deadline, late, ref.tables)
            )
            cases = (
                [planting.resolve(p, ref.tables, layout, rel) for p in ref.pending]
                if ref.tables
                else []
            )
            for c in cases:
                c.rule, c.note = c.rule or ref.rule, c.note or ref.note
            self.manifest.cases.extend(
                cases or [Case(rel, ref.case, "fatal", rule=ref.rule, note=ref.note)]
            )

    @staticmethod
    def _write_refusal(
        ref: Refusal, path: Path, regular: Path, layout: Layout, when: dt.datetime, office: str
    ) -> bool:
        if ref.symlink:
            return _symlink(path, regular, when)
        if ref.data is not None:
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_bytes(ref.data)
        else:
            write_file(path, _ordered(ref.tables or {}), layout, when, office)
            if ref.case == "refuse.unreadable":  # an upload cut off half-way
                data = path.read_bytes()
                path.write_bytes(data[: len(data) // 2])
        set_received(path, when)
        return True


# ----------------------------------------------------------------------------- choices per file


def _format(fmt: str, is_messy: bool, rows: int, k: int) -> Format:
    """Explicit formats win; "auto" zips big files, and in messy mode alternates containers
    month by month so both a workbook and a zip carry their own quirks."""
    if fmt == "xlsx":
        return "xlsx"
    if fmt == "zip":
        return "zip"
    if rows > AUTO_ZIP_ROWS:
        return "zip"
    return "zip" if is_messy and k % 2 == 1 else "xlsx"


def _largest_sheet(world: CityWorld) -> int:
    households = sum(len(c.households.ids) for c in world.counties)
    return max(households, sum(len(c.villages) for c in world.counties))


def received(
    seed: int, city: str, period: str, late: list[str], prog: ProgramSettings
) -> tuple[dt.datetime, dt.date, bool]:
    """When the office sent the month: 0-4 days before the deadline day in office hours, or 1-6
    days after it for a late month of a late city. Returns (local time, deadline day, late)."""
    deadline = deadline_day(period, prog.deadline.day, prog.deadline.overrides)
    r = rng(seed, "received", city, period)
    is_late_file = is_late(seed, city, period, late)
    if is_late_file:
        day = deadline + dt.timedelta(days=int(r.integers(1, 7)))
    else:
        day = deadline - dt.timedelta(days=int(r.integers(0, min(4, deadline.day - 1) + 1)))
    t = dt.time(int(r.integers(8, 18)), int(r.integers(0, 60)), int(r.integers(0, 60)))
    return dt.datetime.combine(day, t, ZoneInfo(prog.program.timezone)), deadline, is_late_file


def _folder(seed: int, h: Hierarchy, city: str, period: str) -> str:
    """Offices upload where they like: a folder per city, some with a folder per year."""
    slug = re.sub(r"[^a-z0-9]+", "-", h.by_code[city].name_en.lower()).strip("-")
    return f"{slug}/{period[:4]}" if stable_int(seed, "folders", city) % 2 else slug


def _sheet_names(seed: int, city: str, tables: dict[str, Table]) -> dict[str, str]:
    """Some offices name their sheets in Chinese, others keep the template's English names."""
    if stable_int(seed, "sheet-names", city) % 2:
        return {s: s for s in tables}
    schema = config.schema()
    return {s: schema.meta.zh if s == "meta" else schema.sheet(s).zh for s in tables}


def _ordered(tables: dict[str, Table]) -> list[Table]:
    order = ["meta", *config.schema().sheets]
    return [tables[s] for s in order if s in tables]


def _ids_of(world: CityWorld) -> Callable[[], set[str]]:
    """The city's register numbers, built once and only if a planter asks."""
    cache: list[set[str]] = []

    def ids() -> set[str]:
        if not cache:
            cache.append({i for c in world.counties for i in c.households.ids.tolist()})
        return cache[0]

    return ids


def _entry(
    rel: str,
    city: str,
    period: str,
    fmt: str,
    kind: str,
    when: dt.datetime,
    deadline: dt.date,
    late: bool,
    tables: dict[str, Table] | None,
) -> SubmissionFile:
    return SubmissionFile(
        file=rel,
        city_code=city,
        period=period,
        format=fmt,
        kind=kind,
        received_at=when.astimezone(dt.UTC).isoformat(),
        received_local=when.isoformat(),
        deadline=deadline.isoformat(),
        late=late,
        rows={s: len(t.frame) for s, t in tables.items() if s != "meta"} if tables else {},
    )


def _lagging_section(worlds: Iterable[CityWorld]) -> list[dict[str, Any]]:
    out = []
    for world in worlds:
        for cw in world.counties:
            if cw.lag_kind:
                aspects = LAG_KINDS[cw.lag_kind]
                out.append(
                    {
                        "county_code": cw.series,
                        "codes": cw.lineage,
                        "city_code": world.city_code,
                        "name": cw.name,
                        "kind": cw.lag_kind,
                        "aspects": list(aspects),
                        "indicators": [i for a in aspects for i in ASPECT_INDICATORS[a]],
                        "speed": {a: round(cw.curves[a].speed, 3) for a in aspects},
                    }
                )
    return out


def _symlink(link: Path, target: Path, when: dt.datetime) -> bool:
    """A relative symbolic link where the OS allows one (its own mtime set where it can)."""
    try:
        link.parent.mkdir(parents=True, exist_ok=True)
        if link.is_symlink() or link.exists():
            link.unlink()
        os.symlink(os.path.relpath(target, link.parent), link)
    except (OSError, NotImplementedError):
        return False
    with contextlib.suppress(OSError, NotImplementedError):
        os.utime(link, (when.timestamp(),) * 2, follow_symlinks=False)
    return True


__all__ = ["AUTO_ZIP_ROWS", "FORMATS", "generate", "received", "register_dates"]
