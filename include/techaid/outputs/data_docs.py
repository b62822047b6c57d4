"""The Great Expectations Data Docs site of the submissions, under ``<output>/data_docs/``.

Two steps, so parallel tasks never write the same file:

- :func:`record_file` (per file, where the parsed file and its check context are at hand):
  validates each sheet against its suite and stores the results as JSON under
  ``<output>/gx/validations/`` (keyed by suite, ``<city>_<period>_<submission_id>`` and the
  version's received time, so a re-run overwrites its own results and nothing else).
- :func:`build_data_docs` (once per run): renders those results and the suites into the site and
  rebuilds its index from every result stored so far.

The site works on an intranet without internet: its scripts, styles and fonts are pinned npm
packages copied into it (:mod:`data_docs_assets`; without them the build stops, naming the
command that installs them). Every validation is titled with its city, period and sheet
(:func:`validation_title`), in the index and on its page.

Personal data stays masked: the results list at most 20 failing values per expectation (GX's
SUMMARY format; the office gets every failing row through ``dq_issue`` anyway), and before a
result is stored every listed value of a personal column — and any value shaped like a mobile
number or a household id, whatever its column — is masked like ``dq_issue.value``.

Cheap by reuse: the process's one GX import and pandas datasource (:mod:`gx_runner`), GX's
``Validator`` called directly as the checks do, and one small in-memory context per output folder
whose only files are the results and the site. The pages render the same bytes for the same
results (:mod:`gx_docs_views`), so a re-run leaves the site as one run would.
"""

from __future__ import annotations

import datetime as dt
import functools
import json
import re
from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import Any

from techaid import config, paths
from techaid.findings import mask
from techaid.intake.model import ParsedFile
from techaid.outputs import data_docs_assets
from techaid.quality import gx_context, gx_runner
from techaid.quality.gx_runner import ROW, text

DOCS_FOLDER = "data_docs"
RESULTS_FOLDER = ("gx", "validations")
SITE = "techaid_site"
RESULT_FORMAT = {"result_format": "SUMMARY", "unexpected_index_column_names": [ROW]}
# Value lists in a result; each entry is a value, a {column: value} row, or {"value", "count"}.
_LISTED = (
    "partial_unexpected_list",
    "unexpected_list",
    "partial_unexpected_counts",
    "partial_unexpected_index_list",
    "unexpected_index_list",
)
_DROPPED = ("unexpected_index_query",)  # pandas code naming the failing rows: not needed
_COMPLETE_ONLY = ("unexpected_list", "unexpected_index_list")  # absent from SUMMARY results
# Shaped like personal data wherever it appears: a mobile number, a 16-19 digit household id.
_PERSONAL_SHAPE = re.compile(r"1[3-9]\d{9}|\d{13,}")
_VIEWS = "techaid.outputs.gx_docs_views"


def docs_dir(out_dir: Path | None = None) -> Path:
    return (Path(out_dir) if out_dir is not None else paths.output_root()) / DOCS_FOLDER


def results_dir(out_dir: Path | None = None) -> Path:
    root = Path(out_dir) if out_dir is not None else paths.output_root()
    return root.joinpath(*RESULTS_FOLDER)


# ---------------------------------------------------------------- the context


def _context_config(out_dir: Path) -> Any:
    from great_expectations.data_context.types.base import DataContextConfig, ProgressBarsConfig

    memory = {"class_name": "InMemoryStoreBackend"}
    files = {"class_name": "TupleFilesystemStoreBackend"}
    view = {"module_name": _VIEWS, "class_name": "StablePageView"}
    titled = {"module_name": _VIEWS, "class_name": "TitledValidationResultsPageRenderer"}
    site = {
        "class_name": "SiteBuilder",
        "show_how_to_buttons": False,
        "store_backend": {**files, "base_directory": str(docs_dir(out_dir).resolve())},
        "site_index_builder": {
            "class_name": "DefaultSiteIndexBuilder",
            "show_cta_footer": False,
            "renderer": {"module_name": _VIEWS, "class_name": "TitledSiteIndexPageRenderer"},
            "view": {"module_name": _VIEWS, "class_name": "StableIndexPageView"},
        },
        "site_section_builders": {
            "expectations": {"view": view},
            "validations": {"view": view, "renderer": titled},
            "profiling": "None",
        },
    }
    results = {**files, "base_directory": str(results_dir(out_dir).resolve())}
    return DataContextConfig(
        stores={
            "expectations_store": {"class_name": "ExpectationsStore", "store_backend": memory},
            "validation_results_store": {
                "class_name": "ValidationResultsStore",
                "store_backend": results,
            },
            "checkpoint_store": {"class_name": "CheckpointStore", "store_backend": memory},
            "validation_definition_store": {
                "class_name": "ValidationDefinitionStore",
                "store_backend": memory,
            },
        },
        expectations_store_name="expectations_store",
        validation_results_store_name="validation_results_store",
        checkpoint_store_name="checkpoint_store",
        data_docs_sites={SITE: site},
        analytics_enabled=False,
        progress_bars=ProgressBarsConfig(globally=False),
    )


@functools.cache
def _context(out_dir: str) -> Any:
    """The docs context of one output folder, with every sheet's suite (for the suite pages).

    ``gx.get_context`` also makes the new context GX's process-wide current project, which GX
    consults when a suite is built (:func:`techaid.quality.suites.build_suite`): a current
    project holding suites of the same names would give the built ones store ids and change the
    suite files. The runner's context is made current again before returning."""
    from great_expectations.data_context.data_context.context_factory import project_manager

    runner = gx_context.engine()
    gx = runner.gx
    try:
        context = gx.get_context(mode="ephemeral", project_config=_context_config(Path(out_dir)))
        for sheet in config.schema().sheets:
            path = gx_context.suite_path(sheet)
            if path.exists():
                context.suites.add(gx.ExpectationSuite(**json.loads(path.read_text("utf-8"))))
    finally:
        project_manager.set_project(runner.context)
    return context


def _docs_context(out_dir: Path | None) -> Any:
    root = Path(out_dir) if out_dir is not None else paths.output_root()
    return _context(str(root.resolve()))


# ---------------------------------------------------------------- masking


def personal_columns(sheet: str) -> set[str]:
    spec = config.schema().sheets.get(sheet)
    return {c.name for c in spec.column_list() if c.personal} if spec else set()


def _scrub(value: Any, personal: bool) -> Any:
    """A listed value as it may be published: personal ones (and look-alikes) masked."""
    if value is None or isinstance(value, bool):
        return value
    shown = text(value)
    if personal or _PERSONAL_SHAPE.search(shown):
        return mask(shown)
    return value


def _scrub_entry(entry: Any, personal: set[str], column_personal: bool) -> Any:
    if not isinstance(entry, dict):
        return _scrub(entry, column_personal)
    if set(entry) == {"value", "count"}:  # partial_unexpected_counts
        return {"value": _scrub(entry["value"], column_personal), "count": entry["count"]}
    return {k: v if k == ROW else _scrub(v, k in personal) for k, v in entry.items()}


def _columns(kwargs: Mapping[str, Any]) -> set[str]:
    named = [kwargs.get("column"), kwargs.get("column_A"), kwargs.get("column_B")]
    return {c for c in [*named, *kwargs.get("column_list", [])] if c}


def mask_results(sheet: str, results: Any) -> Any:
    """Mask, in place, every listed value a suite validation result would publish."""
    personal = personal_columns(sheet)
    for res in results.results:
        cols = _columns(res.expectation_config.kwargs)
        column_personal = bool(cols & personal)
        data = res.result or {}
        for key in _LISTED:
            if isinstance(data.get(key), list):
                data[key] = [_scrub_entry(e, personal, column_personal) for e in data[key]]
        for key in _DROPPED:
            data.pop(key, None)
        if isinstance(data.get("observed_value"), str):
            data["observed_value"] = _scrub(data["observed_value"], column_personal)
    return results


# ---------------------------------------------------------------- recording


def _utc(received_at: dt.datetime | str) -> dt.datetime:
    if isinstance(received_at, str):
        received_at = dt.datetime.fromisoformat(received_at)
    if received_at.tzinfo is None:
        return received_at.replace(tzinfo=dt.UTC)
    return received_at.astimezone(dt.UTC)


def run_name(city_code: str, period: str, submission_id: str) -> str:
    return f"{city_code}_{period}_{submission_id}"


_RUN_NAME = re.compile(r"(?P<city>\d{6})_(?P<period>\d{4}-\d{2})_")


def validation_title(run: str, suite_name: str) -> str:
    """What a validation is called in the site: ``340800 安庆市 2018-06 · households`` (city
    code and name, period, sheet), read back from its :func:`run_name` and suite."""
    sheet = suite_name.removeprefix(gx_context.suite_name(""))
    found = _RUN_NAME.match(run)
    if not found:
        return f"{run} · {sheet}"
    city = found["city"]
    return f"{city} {config.hierarchy().name(city)} {found['period']} · {sheet}"


def _validate(sheet: str, frame: Any, parameters: Mapping[str, Any]) -> tuple[Any, str] | None:
    """The sheet's suite result (as the checks run it, in the SUMMARY format) and batch id."""
    from great_expectations.validator.v1_validator import Validator

    suite = gx_runner._applicable(gx_context.load_suite(sheet), set(frame.columns))
    if not suite.expectations or frame.empty:
        return None
    validator = Validator(
        batch_definition=gx_context.batch_definition(sheet),
        batch_parameters={"dataframe": gx_runner._gx_view(frame)},
        result_format=RESULT_FORMAT,
    )
    used = gx_runner._parameter_names(suite)
    result = validator.validate_expectation_suite(
        suite, {k: v for k, v in parameters.items() if k in used}
    )
    batch_id = validator.active_batch_id
    assert batch_id is not None, "a validated batch has an id"
    return result, batch_id


def _summary(validated: tuple[Any, str]) -> tuple[Any, str]:
    """A result the checks produced (COMPLETE) cut down to what SUMMARY would have given: the
    full lists of failing values and rows go, the first-20 partial lists stay."""
    result, batch_id = validated
    for res in result.results:
        data = res.result or {}
        for key in _COMPLETE_ONLY:
            data.pop(key, None)
    return result, batch_id


def _stable_meta(result: Any, run_id: Any, submission_id: str) -> None:
    """Only the run's own facts in the result's meta: no load time or other wall-clock value."""
    meta = result.meta
    meta["run_id"] = run_id
    meta["validation_time"] = run_id.run_time
    meta["submission_id"] = submission_id
    markers = meta.get("batch_markers")
    if isinstance(markers, dict) and "ge_load_time" in markers:
        markers["ge_load_time"] = run_id.run_time.strftime("%Y%m%dT%H%M%S.%fZ")


def record_file(
    parsed: ParsedFile,
    ctx: Any,
    submission_id: str,
    received_at: dt.datetime | str,
    out_dir: Path | None = None,
    checked: Mapping[str, tuple[Any, str]] | None = None,
) -> list[Any]:
    """Validate every sheet of one parsed file for the docs and store the masked results.

    ``checked`` holds the results the checks already produced for this file (``keep`` of
    :func:`techaid.quality.check.check_file`): they are reused, cut to the SUMMARY format,
    instead of validating every sheet a second time.

    ``ctx`` is the file's :class:`~techaid.quality.context_checks.CheckContext` (the suite
    parameters come from it, as in :func:`techaid.quality.check.check_file`); ``received_at``
    (UTC, naive or aware, or its ISO text) is the version's received time, the results' run time.
    Returns the stored results' keys."""
    from great_expectations.core.run_identifier import RunIdentifier
    from great_expectations.data_context.types.resource_identifiers import (
        ExpectationSuiteIdentifier,
        ValidationResultIdentifier,
    )

    from techaid.quality.check import suite_parameters

    context = _docs_context(out_dir)
    parameters = suite_parameters(parsed, ctx)
    run_id = RunIdentifier(
        run_name=run_name(parsed.city_code, parsed.period, submission_id),
        run_time=_utc(received_at),
    )
    keys = []
    for sheet, parsed_sheet in parsed.sheets.items():
        if sheet not in config.schema().sheets:
            continue
        if checked is not None:
            validated = _summary(checked[sheet]) if sheet in checked else None
        else:
            validated = _validate(sheet, parsed_sheet.frame, parameters)
        if validated is None:
            continue
        result, batch_id = validated
        _stable_meta(mask_results(sheet, result), run_id, submission_id)
        key = ValidationResultIdentifier(
            expectation_suite_identifier=ExpectationSuiteIdentifier(
                name=gx_context.suite_name(sheet)
            ),
            run_id=run_id,
            batch_identifier=batch_id,
        )
        context.validation_results_store.set(key, result)
        keys.append(key)
    return keys


# ---------------------------------------------------------------- the site


def build_data_docs(
    out_dir: Path | None = None, submission_ids: Iterable[str] | None = None
) -> Path:
    """Render the site and return its ``index.html``. With ``submission_ids``, only those
    versions' result pages (and the suite pages) are rendered again, the rest stay as built;
    the index always lists every stored result. The pinned scripts, styles and fonts are copied
    in first: :class:`~techaid.outputs.data_docs_assets.AssetsMissing` when they are not
    installed, before anything is written."""
    data_docs_assets.install(docs_dir(out_dir))
    context = _docs_context(out_dir)
    resources = None
    if submission_ids is not None:
        wanted = tuple(f"_{sid}" for sid in submission_ids)
        stored = context.validation_results_store.list_keys()
        resources = [k for k in stored if k.run_id.run_name.endswith(wanted)]
        resources += context.expectations_store.list_keys()
    context.build_data_docs(site_names=[SITE], resource_identifiers=resources)
    return docs_dir(out_dir) / "index.html"


def main(argv: list[str] | None = None) -> int:
    """``python -m techaid.outputs.data_docs [OUTPUT]``: render every page of the site again from
    the stored results, e.g. once after an upgrade, so pages built before it change too (a
    monthly run renders only its own versions' pages)."""
    import argparse
    import sys

    parser = argparse.ArgumentParser(prog="python -m techaid.outputs.data_docs")
    parser.add_argument(
        "output", nargs="?", type=Path, help="output root (default: TECHAID_OUTPUT)"
    )
    args = parser.parse_args(argv)
    try:
        index = build_data_docs(args.output)
    except data_docs_assets.AssetsMissing as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 1
    print(index)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
