"""The monthly run as plain functions: what each DAG task calls, testable without Airflow.

Data flows one way: landing -> intake (versions, normalize) -> quality (decide) -> warehouse.
Between tasks, parsed and checked data wait as Parquet files in the staging folder, keyed by the
deterministic submission id, so XComs stay small and a retried task overwrites its own output.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import logging
import shutil
from collections import Counter
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import pandas as pd
import sqlalchemy as sa

from techaid import config, periods, settings
from techaid.findings import FileRefused, Finding, finding
from techaid.intake import discover as disc
from techaid.intake.model import ParsedFile, ParsedSheet
from techaid.intake.submission import read_submission
from techaid.quality import flow
from techaid.warehouse import engine as wh_engine
from techaid.warehouse import migrate, reads, schema, versions

log = logging.getLogger(__name__)


# ---------------------------------------------------------------- run set-up


def run_period(run_after: dt.datetime) -> str:
    """The month a scheduled run reports on: the month before the run's date, Asia/Shanghai."""
    return periods.previous_period_local(run_after, config.program().program.timezone)


def city_label(city_code: str) -> str:
    """How a mapped task is labelled in the Airflow UI."""
    return f"{city_code} {config.hierarchy().name(city_code)}"


def prepare(url: str) -> None:
    """Check the configuration and bring the warehouse schema up to date (additive only)."""
    config.validate_all()
    migrate.upgrade(wh_engine.make_engine(url))


# ---------------------------------------------------------------- discover


def discover(url: str, period: str, landing: str | None = None) -> list[dict[str, Any]]:
    """Find new file versions in the landing area; one plan per city (every city, always).

    Files refused before reading (bad name, link, too large, unknown city or period) are recorded
    here as rejected submissions. Versions of a later period than the run's wait for their own
    run, so running months in order replays history faithfully.
    """
    engine = wh_engine.make_engine(url)
    root = landing or settings.landing_root()
    found = disc.discover(root, versions.known_landing_files(engine))
    versions.record_landing_files(engine, found)
    registers = load_registers(engine, root, found)
    subs = [f for f in found if f.kind == "submission"]
    _record_discovery_refusals(engine, [f for f in subs if f.refused])
    groups = {_info(v).submission_id: v for v in disc.group_versions(subs)}
    reload = versions.record_sightings(engine, [_info(v) for v in groups.values()])
    todo = versions.pending_versions(engine, groups.values()) + [
        groups[sid] for sid in reload if sid in groups
    ]
    plans: dict[str, list[dict[str, Any]]] = {c: [] for c in config.hierarchy().city_codes()}
    for v in sorted(todo, key=lambda v: (v.received_at, v.sha256)):
        if v.period <= period and v.city_code in plans:
            plans[v.city_code].append(_version_dict(v, root))
    return [
        {"city_code": c, "period": period, "versions": vs, "registers": registers}
        for c, vs in plans.items()
    ]


def _info(v: disc.Version) -> versions.VersionInfo:
    return versions.VersionInfo.of(v.city_code, v.period, v.sha256, v.path, v.received_at, v.size)


def _record_discovery_refusals(engine: Any, refused: list[disc.LandingFile]) -> None:
    """A refused file still gets its ``submission`` row (status rejected, the fatal reason)."""
    infos = {}
    for f in refused:
        # Links, escapes and oversized files are not hashed: their path stands in for content.
        sha = f.sha256 or hashlib.sha256(f"path:{f.path}".encode()).hexdigest()
        info = versions.VersionInfo.of(f.city_code, f.period, sha, f.path, f.mtime, f.size)
        infos[info.submission_id] = (info, f.refusal)
    for info in versions.pending_versions(engine, [i for i, _ in infos.values()]):
        info, refusal = infos[info.submission_id]
        on_time = versions.is_on_time(info.period, info.received_at)
        versions.record_outcome(engine, info, None, refusal, Counter(), on_time)


def _version_dict(v: disc.Version, root: str) -> dict[str, Any]:
    info = _info(v)
    return {
        "submission_id": info.submission_id,
        "city_code": v.city_code,
        "period": v.period,
        "sha256": v.sha256,
        "path": v.path,
        "file_name": v.file_names[0],
        "received_at": v.received_at.isoformat(),
        "size_bytes": v.size,
        "landing": root,
    }


def _version_info(d: dict[str, Any]) -> versions.VersionInfo:
    return versions.VersionInfo.of(
        d["city_code"], d["period"], d["sha256"], d["path"],
        dt.datetime.fromisoformat(d["received_at"]), d["size_bytes"],
    )  # fmt: skip


def _landing_file(d: dict[str, Any]) -> disc.LandingFile:
    return disc.LandingFile(
        path=d["path"], rel_path=d["file_name"], file_name=d["file_name"], kind="submission",
        city_code=d["city_code"], period=d["period"], register_date=None, sha256=d["sha256"],
        size=d["size_bytes"], mtime=dt.datetime.fromisoformat(d["received_at"]),
    )  # fmt: skip


# ---------------------------------------------------------------- read, check, load


def _staging(submission_id: str) -> Path:
    return settings.staging_root() / submission_id


def read_city(plan: dict[str, Any]) -> dict[str, Any]:
    """Parse each pending version of one city into the staging folder."""
    staged = []
    for v in plan["versions"]:
        out = _staging(v["submission_id"])
        shutil.rmtree(out, ignore_errors=True)
        out.mkdir(parents=True)
        fs, _ = disc.landing_fs(v["landing"])
        try:
            parsed = read_submission(fs, _landing_file(v))
        except FileRefused as refused:
            _write_json(out / "refusal.json", refused.finding.to_dict())
        else:
            _stage_parsed(out, parsed)
        staged.append(v)
    return {"city_code": plan["city_code"], "period": plan["period"], "versions": staged}


def check_city(url: str, staged: dict[str, Any]) -> dict[str, Any]:
    """Apply the data-quality rules and severities; stage what may be loaded."""
    from techaid.quality import data_docs
    from techaid.quality.check import check_file
    from techaid.quality.cross_city import cross_city_duplicates

    engine = wh_engine.make_engine(url)
    for v in staged["versions"]:
        out = _staging(v["submission_id"])
        if (out / "refusal.json").exists():
            continue
        parsed = _load_parsed(out)
        ctx = check_context(engine, parsed)
        frames = {name: sheet.frame for name, sheet in parsed.sheets.items()}
        findings = [
            *parsed.findings,
            *check_file(parsed, ctx),
            *cross_city_duplicates(engine, parsed.city_code, parsed.period, frames),
        ]
        decision = flow.decide(parsed, findings)
        if decision.outcome != flow.REJECTED:  # a refused file is told why, not that it was late
            received = dt.datetime.fromisoformat(v["received_at"])
            decision.findings.extend(late_findings(parsed.period, received))
        _stage_decision(out, decision)
        data_docs.record_file(parsed, ctx, v["submission_id"], v["received_at"])
    return staged


def late_findings(period: str, received_at: dt.datetime) -> list[Finding]:
    """A late version loads anyway; the warning puts it in the data-quality report."""
    if versions.is_on_time(period, received_at) is not False:
        return []
    p = config.program()
    tz = ZoneInfo(p.program.timezone)
    due = periods.deadline_day(period, p.deadline.day, p.deadline.overrides)
    local = versions.utc_naive(received_at).replace(tzinfo=dt.UTC).astimezone(tz)
    return [
        finding("submission.late", value=f"{local:%Y-%m-%d %H:%M}", detail=f"{due:%Y-%m-%d} 23:59")
    ]


def check_context(engine: Any, parsed: ParsedFile) -> Any:
    """What a file is checked against: the register in force, the city's accepted history."""
    from techaid.quality.context_checks import CheckContext

    h = config.hierarchy()
    counties = [
        code
        for unit in h.counties_of(parsed.city_code, parsed.period)
        for code in h.lineage(unit.code)
    ]
    register_date = reads.register_in_force(engine, parsed.period)
    households, villages = (
        reads.register_ids(engine, register_date, counties) if register_date else (None, None)
    )
    return CheckContext.for_city(
        parsed.city_code,
        parsed.period,
        register_households=households,
        register_villages=villages,
        history=reads.county_history(engine, parsed.city_code, parsed.period),
    )


def load_city(url: str, checked: dict[str, Any]) -> dict[str, Any]:
    """Record every version's outcome, oldest first; the current version replaces the city's rows."""
    engine = wh_engine.make_engine(url)
    done = []
    for v in checked["versions"]:
        out = _staging(v["submission_id"])
        info = _version_info(v)
        on_time = versions.is_on_time(info.period, info.received_at)
        if (out / "refusal.json").exists():
            refusal = Finding(**_read_json(out / "refusal.json"))
            versions.record_outcome(engine, info, None, refusal, Counter(), on_time)
            done.append({"submission_id": info.submission_id, "status": flow.REJECTED})
            continue
        decision, repairs = _load_decision(out)
        versions.record_outcome(engine, info, decision, decision.fatal, repairs, on_time)
        done.append({"submission_id": info.submission_id, "status": decision.outcome})
    return {"city_code": checked["city_code"], "loaded": done}


def publish_quality(url: str, period: str, plans: list[dict[str, Any]]) -> dict[str, Any]:
    """After every city's load: feedback workbooks, the Data Docs site, the warehouse checks.

    Feedback is written for every version of the periods touched (a correction can turn an
    earlier version into ``superseded``; files refused at discovery have no city task). A failed
    warehouse check fails the task: it means the pipeline is broken, not an office's file.
    """
    from techaid.quality import data_docs, feedback, warehouse_checks

    engine = wh_engine.make_engine(url)
    touched = sorted({period, *(v["period"] for plan in plans for v in plan["versions"])})
    ids = [sid for p in touched for sid in feedback.feedback_ids(engine, p)]
    ids += _refused_outside_program(engine)
    written = feedback.write_feedback_for(engine, ids)
    index = data_docs.build_data_docs(
        submission_ids=[v["submission_id"] for plan in plans for v in plan["versions"]]
    )
    warehouse_checks.assert_warehouse_ok(engine)
    log.info("feedback workbooks: %d; Data Docs: %s", len(written), index)
    return {"feedback": [str(p) for p in written], "data_docs": str(index), "periods": touched}


def _refused_outside_program(engine: Any) -> list[str]:
    """Versions refused at discovery whose period names no program month (bad names, periods
    before the start): no period's run would otherwise write their feedback. They are rare."""
    months = periods.period_range(config.program().program.start, config.program().program.end)
    t = schema.submission
    with engine.connect() as conn:
        rows = conn.execute(
            sa.select(t.c.submission_id).where(
                t.c.status == "rejected", sa.or_(t.c.period.is_(None), t.c.period.not_in(months))
            )
        ).scalars()
        return sorted(rows)


# ---------------------------------------------------------------- registers


def load_registers(engine: Any, root: str, found: list[Any]) -> list[str]:
    """Load each new register date (both files); a bad register is refused whole. Returns the
    dates of the registers accepted, whose months must be recomputed."""
    from techaid.intake import register

    return [
        upload.register_date.isoformat()
        for upload in register.pending_registers(engine, found)
        if register.load(engine, root, upload) == "accepted"
    ]


# ---------------------------------------------------------------- indicators


def rollup(url: str, period: str, plans: list[dict[str, Any]]) -> list[str]:
    """Compute the indicators and the ranking of the run's month, and recompute every month a
    correction, a late file or a new register changed (and every later month already computed:
    carried-forward values and trends depend on them). Returns the months computed."""
    from techaid.indicators import compute

    engine = wh_engine.make_engine(url)
    changed = {period, *(v["period"] for plan in plans for v in plan["versions"])}
    todo = set(compute.affected_periods(engine, changed))
    # A new register changes the months already computed from its date on (denominators).
    for d in plans[0]["registers"] if plans else []:
        todo |= set(compute.computed_periods(engine, periods.period_of(dt.date.fromisoformat(d))))
    start = config.program().program.start
    todo = sorted(p for p in todo if start <= p <= period)
    for p in todo:
        compute.compute_period(engine, p)
    log.info("indicators computed for %s", ", ".join(todo) or "no month")
    return todo


# ---------------------------------------------------------------- summary


def summarize(url: str, period: str) -> str:
    """The month at a glance, for the task log: every version of the period and its outcome."""
    engine = wh_engine.make_engine(url)
    subs = versions.current_submissions(engine, period)
    lines = [f"Period {period}: {len(subs)} file version(s)"]
    for row in subs.itertuples():
        lines.append(
            f"  {row.city_code} {config.hierarchy().name(row.city_code or '')}: {row.status}"
            f" on_time={row.on_time} loaded={row.rows_loaded} quarantined={row.rows_quarantined}"
            f" warnings={row.warnings} file={row.file_name}"
        )
    missing = set(config.hierarchy().city_codes()) - {
        r.city_code for r in subs.itertuples() if r.status in ("accepted", "accepted_with_errors")
    }
    lines.append(f"  cities with no accepted version: {', '.join(sorted(missing)) or 'none'}")
    lines.append(f"  output folder: {settings.output_root()}")
    text = "\n".join(lines)
    log.info("%s", text)
    return text


# ---------------------------------------------------------------- staging files


def _write_json(path: Path, data: Any) -> None:
    path.write_text(json.dumps(data, ensure_ascii=False, default=str), encoding="utf-8")


def _read_json(path: Path) -> Any:
    return json.loads(path.read_text(encoding="utf-8"))


def _repairs_to_json(repairs: Counter) -> list[list[Any]]:
    return [[*key, n] for key, n in sorted(repairs.items())]


def _repairs_from_json(rows: list[list[Any]]) -> Counter:
    return Counter({tuple(r[:3]): r[3] for r in rows})


def _stage_parsed(out: Path, parsed: ParsedFile) -> None:
    for name, sheet in parsed.sheets.items():
        sheet.frame.to_parquet(out / f"parsed.{name}.parquet", index=False)
    _write_json(
        out / "parsed.json",
        {
            "city_code": parsed.city_code,
            "period": parsed.period,
            "meta": parsed.meta,
            "sheets": list(parsed.sheets),
            "findings": [f.to_dict() for f in parsed.findings],
            "repairs": _repairs_to_json(parsed.repairs),
        },
    )


def _load_parsed(out: Path) -> ParsedFile:
    head = _read_json(out / "parsed.json")
    sheets = {
        name: ParsedSheet(name, pd.read_parquet(out / f"parsed.{name}.parquet"))
        for name in head["sheets"]
    }
    return ParsedFile(
        head["city_code"],
        head["period"],
        head["meta"],
        sheets,
        [Finding(**f) for f in head["findings"]],
        _repairs_from_json(head["repairs"]),
    )


def _stage_decision(out: Path, decision: flow.Decision) -> None:
    for name, frame in decision.clean.items():
        frame.to_parquet(out / f"clean.{name}.parquet", index=False)
    _write_json(
        out / "decision.json",
        {
            "outcome": decision.outcome,
            "findings": [f.to_dict() for f in decision.findings],
            "clean": list(decision.clean),
            "quarantined": {k: sorted(v) for k, v in decision.quarantined.items()},
        },
    )


def _load_decision(out: Path) -> tuple[flow.Decision, Counter]:
    head = _read_json(out / "decision.json")
    parsed_head = _read_json(out / "parsed.json")
    clean = {name: pd.read_parquet(out / f"clean.{name}.parquet") for name in head["clean"]}
    decision = flow.Decision(
        head["outcome"],
        [Finding(**f) for f in head["findings"]],
        clean,
        {k: set(v) for k, v in head["quarantined"].items()},
    )
    return decision, _repairs_from_json(parsed_head["repairs"])
