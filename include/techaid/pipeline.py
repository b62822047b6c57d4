"""The monthly run as plain functions: what each DAG task calls, testable without Airflow.

Data flows one way: landing -> intake (versions, normalize) -> quality (decide) -> warehouse.
Between tasks, parsed and checked data wait as Parquet files in the staging folder, keyed by the
deterministic submission id, so XComs stay small and a retried task overwrites its own output.
"""

from __future__ import annotations

import datetime as dt
import functools
import hashlib
import logging
from collections import Counter
from typing import Any
from zoneinfo import ZoneInfo

from techaid import config, paths, periods, staging
from techaid.findings import FileRefused, Finding, finding
from techaid.intake import discover as disc
from techaid.intake import register
from techaid.intake.model import ParsedFile
from techaid.intake.submission import read_submission
from techaid.quality import flow
from techaid.warehouse import engine as wh_engine
from techaid.warehouse import landing as landing_registry
from techaid.warehouse import migrate, reads, versions
from techaid.warehouse import register as wh_register

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


def discover(
    url: str,
    period: str,
    landing: str | None = None,
    *,
    received_before: dt.datetime | None = None,
) -> list[dict[str, Any]]:
    """Find new file versions in the landing area; one plan per city (every city, always).

    Files refused before reading (bad name, link, too large, unknown city or period) are recorded
    here as rejected submissions. Versions of a later period than the run's wait for their own
    run, so running months in order replays history faithfully. With ``received_before`` (the
    daily run) only submission files received before that instant are taken; registers are left
    to the monthly run, which recomputes the months a new register changes.
    """
    engine = wh_engine.make_engine(url)
    root = landing or paths.landing_root()
    found = disc.discover(root, landing_registry.known_landing_files(engine))
    if received_before is not None:
        cutoff = periods.utc_naive(received_before)
        found = [f for f in found if f.kind == "submission" and periods.utc_naive(f.mtime) < cutoff]
    landing_registry.record_landing_files(engine, found)
    registers = load_registers(engine, root, found)
    subs = [f for f in found if f.kind == "submission"]
    # A register file without a usable date folder or name belongs to no register: refused alone.
    stray = [f for f in found if f.kind == "register" and f.refused and f.register_date is None]
    _record_discovery_refusals(engine, [f for f in subs if f.refused] + stray)
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
        city_code=d["city_code"],
        period=d["period"],
        sha256=d["sha256"],
        file_path=d["path"],
        received_at=dt.datetime.fromisoformat(d["received_at"]),
        size_bytes=d["size_bytes"],
    )


def _landing_file(d: dict[str, Any]) -> disc.LandingFile:
    return disc.LandingFile(
        path=d["path"],
        rel_path=d["file_name"],
        file_name=d["file_name"],
        kind="submission",
        city_code=d["city_code"],
        period=d["period"],
        register_date=None,
        sha256=d["sha256"],
        size=d["size_bytes"],
        mtime=dt.datetime.fromisoformat(d["received_at"]),
    )


# ---------------------------------------------------------------- read, check, load


def read_city(plan: dict[str, Any]) -> dict[str, Any]:
    """Parse each pending version of one city into the staging folder."""
    staged = []
    for v in plan["versions"]:
        out = staging.version_dir(v["submission_id"], fresh=True)
        fs, _ = disc.landing_fs(v["landing"])
        try:
            parsed = read_submission(fs, _landing_file(v))
        except FileRefused as refused:
            staging.stage_refusal(out, refused.finding)
        else:
            staging.stage_parsed(out, parsed)
        staged.append(v)
    return {"city_code": plan["city_code"], "period": plan["period"], "versions": staged}


def check_city(url: str, staged: dict[str, Any]) -> dict[str, Any]:
    """Apply the data-quality rules and severities; stage what may be loaded."""
    from techaid.outputs import data_docs
    from techaid.quality.check import check_file
    from techaid.quality.cross_city import cross_city_duplicates

    engine = wh_engine.make_engine(url)
    for v in staged["versions"]:
        out = staging.version_dir(v["submission_id"])
        if staging.staged_refusal(out) is not None:
            continue
        parsed = staging.load_parsed(out)
        ctx = check_context(engine, parsed)
        frames = {name: sheet.frame for name, sheet in parsed.sheets.items()}
        gx_results: dict[str, Any] = {}
        findings = [
            *parsed.findings,
            *check_file(parsed, ctx, gx_results),
            *cross_city_duplicates(
                functools.partial(
                    reads.ids_in_other_cities, engine, parsed.city_code, parsed.period
                ),
                parsed.city_code,
                parsed.period,
                frames,
            ),
        ]
        decision = flow.decide(parsed, findings)
        if decision.outcome != flow.REJECTED:  # a refused file is told why, not that it was late
            received = dt.datetime.fromisoformat(v["received_at"])
            decision.findings.extend(late_findings(parsed.period, received))
        staging.stage_decision(out, decision)
        data_docs.record_file(parsed, ctx, v["submission_id"], v["received_at"], checked=gx_results)
    return staged


def late_findings(period: str, received_at: dt.datetime) -> list[Finding]:
    """A late version loads anyway; the warning puts it in the data-quality report."""
    if versions.is_on_time(period, received_at) is not False:
        return []
    p = config.program()
    tz = ZoneInfo(p.program.timezone)
    due = periods.deadline_day(period, p.deadline.day, p.deadline.overrides)
    local = periods.utc_naive(received_at).replace(tzinfo=dt.UTC).astimezone(tz)
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
        supported_villages=reads.supported_villages(engine, parsed.city_code, parsed.period),
    )


def load_city(url: str, checked: dict[str, Any]) -> dict[str, Any]:
    """Record every version's outcome, oldest first; the current version replaces the city's rows."""
    engine = wh_engine.make_engine(url)
    done = []
    for v in checked["versions"]:
        out = staging.version_dir(v["submission_id"])
        info = _version_info(v)
        on_time = versions.is_on_time(info.period, info.received_at)
        refusal = staging.staged_refusal(out)
        if refusal is not None:
            versions.record_outcome(engine, info, None, refusal, Counter(), on_time)
            done.append({"submission_id": info.submission_id, "status": flow.REJECTED})
            continue
        decision, repairs = staging.load_decision(out)
        versions.record_outcome(engine, info, decision, decision.fatal, repairs, on_time)
        done.append({"submission_id": info.submission_id, "status": decision.outcome})
    return {"city_code": checked["city_code"], "loaded": done}


def publish_quality(url: str, period: str, plans: list[dict[str, Any]]) -> dict[str, Any]:
    """After every city's load: feedback workbooks, the Data Docs site, the warehouse checks.

    Feedback is written for every version of the periods touched (a correction can turn an
    earlier version into ``superseded``; files refused at discovery have no city task). A failed
    warehouse check fails the task: it means the pipeline is broken, not an office's file.
    """
    from techaid import audit as warehouse_checks
    from techaid.outputs import data_docs, feedback

    engine = wh_engine.make_engine(url)
    touched = _months_touched(engine, period, plans)
    ids = [sid for p in touched for sid in feedback.feedback_ids(engine, p)]
    program = config.program().program
    ids += reads.refused_outside(engine, periods.period_range(program.start, program.end))
    written = feedback.write_feedback_for(engine, ids)
    index = data_docs.build_data_docs(
        submission_ids=[v["submission_id"] for plan in plans for v in plan["versions"]]
    )
    warehouse_checks.assert_warehouse_ok(engine)
    log.info("feedback workbooks: %d; Data Docs: %s", len(written), index)
    return {"feedback": [str(p) for p in written], "data_docs": str(index), "periods": touched}


def _months_touched(engine: Any, period: str, plans: list[dict[str, Any]]) -> list[str]:
    """The months whose versions' feedback may have changed in this run: those of the versions
    taken in, the run's month, and every month computed since the earliest change (a
    recomputation replaces what it noticed about their files)."""
    from techaid.indicators import compute

    changed = {period, *(v["period"] for plan in plans for v in plan["versions"])}
    for d in plans[0]["registers"] if plans else []:
        changed.add(periods.period_of(dt.date.fromisoformat(d)))
    return sorted(changed | set(compute.computed_periods(engine, min(changed))))


# ---------------------------------------------------------------- registers


def load_registers(engine: Any, root: str, found: list[Any]) -> list[str]:
    """Check and load each new or changed register date (both files). A bad register is refused
    whole, with every reason recorded like a refused submission's, and the previous register
    stays in force; the run goes on. Returns the dates of the registers accepted, whose months
    must be recomputed."""
    seen = wh_register.recorded_registers(engine)
    accepted = []
    for upload in register.uploads_by_date(found):
        if seen.get(upload.register_date) == (upload.shas["villages"], upload.shas["households"]):
            continue
        if not upload.missing and not versions.pending_versions(engine, [_register_info(upload)]):
            continue  # this content was refused before: its reasons are on record
        if load_register(engine, root, upload) == "accepted":
            accepted.append(upload.register_date.isoformat())
    return accepted


def load_register(engine: Any, root: str, upload: register.RegisterUpload) -> str:
    """Read, check and load one dated register; returns its status."""
    from techaid.quality import register_checks

    if upload.missing:
        log.warning("register %s: waiting for %s", upload.register_date, ", ".join(upload.missing))
        return "incomplete"
    read = register.read_register(root, upload)
    findings = [*read.findings, *register_checks.check_register(upload.register_date, read.frames)]
    if not register_checks.refuses(findings):
        frames = {n: f.drop(columns=["row_number"]) for n, f in read.frames.items()}
        wh_register.load_register(
            engine,
            upload.register_date,
            villages=frames.get("villages"),
            households=frames.get("households"),
            shas=upload.shas,
            status="accepted",
        )
        for f in findings:
            log.warning("register %s: %s", upload.register_date, f.message)
        log.info("register %s: accepted", upload.register_date)
        return "accepted"
    in_force = wh_register.in_force_on(engine, upload.register_date)
    refusal = register_checks.refusal(upload.folder, findings, in_force)
    wh_register.load_register(
        engine, upload.register_date, None, None, upload.shas, "rejected", refusal.message
    )
    decision = flow.Decision(flow.REJECTED, findings, {}, _rows_with_errors(findings))
    versions.record_outcome(engine, _register_info(upload), decision, refusal, read.repairs)
    log.warning("register %s: %s", upload.register_date, refusal.message)
    return "rejected"


def _register_info(upload: register.RegisterUpload) -> versions.VersionInfo:
    """A register's ``submission`` row: no city nor period, one version per content of the pair."""
    sha = upload.sha256
    return versions.VersionInfo(
        submission_id=versions.submission_id(None, None, sha),
        city_code=None,
        period=None,
        file_name=upload.folder,
        file_path=upload.path,
        sha256=sha,
        received_at=upload.received_at,
        size_bytes=upload.size,
    )


def _rows_with_errors(findings: list[Finding]) -> dict[str, set[int]]:
    rows: dict[str, set[int]] = {}
    for f in findings:
        if f.severity == "error" and f.sheet and f.row is not None:
            rows.setdefault(f.sheet, set()).add(f.row)
    return rows


# ---------------------------------------------------------------- indicators


def rollup(url: str, period: str, plans: list[dict[str, Any]]) -> list[str]:
    """Compute the indicators and the ranking of the run's month and of every month already
    computed that the run's changes affect, whatever order months are run in (see
    :func:`months_to_compute`); record what the computation noticed about each month's files.
    Returns the months computed, oldest first."""
    from techaid.indicators import compute
    from techaid.warehouse import computed_findings

    engine = wh_engine.make_engine(url)
    todo = months_to_compute(engine, period, plans)
    for p in todo:
        result = compute.compute_period(engine, p)
        found = computed_findings.unlisted_findings(p, result.unlisted)
        computed_findings.replace_period_findings(engine, p, found)
    log.info("indicators computed for %s", ", ".join(todo) or "no month")
    return todo


def months_to_compute(engine: Any, period: str, plans: list[dict[str, Any]]) -> list[str]:
    """The run's month, plus every month already computed that depends on what changed, later
    than the run's month included: carried-forward values, flows, trends, reporting rates and
    rank changes of a month read the months before it.

    What changed: the months of the versions taken in (a correction, a late file), the months
    from a new register's date on (denominators), and the run's month itself when it had never
    been computed (a month run after later ones). Oldest first, so each month reads corrected
    months before it."""
    from techaid.indicators import compute

    changed = {v["period"] for plan in plans for v in plan["versions"]}
    if period not in compute.computed_periods(engine, period):
        changed.add(period)
    todo = {period, *compute.affected_periods(engine, changed)}
    for d in plans[0]["registers"] if plans else []:
        todo |= set(compute.computed_periods(engine, periods.period_of(dt.date.fromisoformat(d))))
    start = config.program().program.start
    return sorted(p for p in todo if p >= start)


# ---------------------------------------------------------------- pairing, emails, report


def suggest_pairing(url: str, period: str) -> int:
    """Pairing suggestions for the month's lagging counties, published in ``shortlist``."""
    from techaid.recommend import pairing

    found = pairing.publish(wh_engine.make_engine(url), period)
    log.info("pairing suggestions for %s: %d", period, len(found))
    return len(found)


def compose_emails(
    url: str, period: str, plans: list[dict[str, Any]], run_after: dt.datetime
) -> dict[str, Any]:
    """Record the month's receipts, feedback, lagging alerts and provincial report in the
    outbox (keys already there are skipped: a re-run records nothing new)."""
    from techaid.outputs.compose.monthly import compose_month

    touched = {period, *(v["period"] for plan in plans for v in plan["versions"])}
    engine = wh_engine.make_engine(url)
    return compose_month(engine, period, touched, paths.output_root(), run_after).summary()


def provincial_report(url: str, period: str) -> dict[str, str]:
    """Write ``<output>/<period>/rollup_<period>.xlsx`` and ``.html``."""
    from techaid.outputs.report import write_rollup

    files = write_rollup(wh_engine.make_engine(url), period, paths.output_root())
    log.info("rollup files: %s, %s", files.xlsx, files.html)
    return {"xlsx": str(files.xlsx), "html": str(files.html)}


def send_outbox(url: str, settings: Any, run_after: dt.datetime) -> dict[str, Any]:
    """Deliver every pending email: over SMTP with ``settings`` (``SmtpSettings``), or as
    ``.eml`` files under ``<output>/outbox/`` when None. Never resends: see docs/emails.md."""
    from techaid.outputs.mail import eml, outbox

    report = outbox.deliver(wh_engine.make_engine(url), settings, run_after, eml.outbox_dir())
    return {
        "summary": report.summary(),
        "sent": len(report.sent),
        "written": len(report.written),
        "pending": report.pending,
        "failed": report.failed,
    }


# ---------------------------------------------------------------- summary


def summarize(url: str, period: str) -> str:
    """The month at a glance, for the task log: every version of the period and its outcome."""
    engine = wh_engine.make_engine(url)
    subs = reads.current_submissions(engine, period)
    lines = [f"Period {period}: {len(subs)} file version(s)"]
    for row in subs.itertuples():
        lines.append(
            f"  {row.city_code} {config.hierarchy().name(str(row.city_code or ''))}: {row.status}"
            f" on_time={row.on_time} loaded={row.rows_loaded} quarantined={row.rows_quarantined}"
            f" warnings={row.warnings} file={row.file_name}"
        )
    missing = set(config.hierarchy().city_codes()) - {
        r.city_code for r in subs.itertuples() if r.status in ("accepted", "accepted_with_errors")
    }
    lines.append(f"  cities with no accepted version: {', '.join(sorted(missing)) or 'none'}")
    lines.append(f"  output folder: {paths.output_root()}")
    text = "\n".join(lines)
    log.info("%s", text)
    return text
