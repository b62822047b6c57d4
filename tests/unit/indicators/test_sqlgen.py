"""Catalogue conditions compile to portable SQL with bound literals."""

from __future__ import annotations

import pytest

from techaid import config, sqlfiles
from techaid.indicators.sqlgen import Binds, compile_where, statements


def test_conditions_compile_with_bound_literals() -> None:
    cols = config.schema().sheet("agreements").columns
    binds = Binds()
    where = {"status": "active", "start_on": {"lte": "$as_of"}, "end_on": {"gte": "2018-06-30"}}
    sql = compile_where(where, cols, "r", binds)
    assert sql == ("r.status = :w0 and r.start_on < s.as_of_next and r.end_on >= :w1")
    assert binds.values == {"w0": "active", "w1": "2018-06-30"}


def test_a_blank_boolean_reads_as_no() -> None:
    cols = config.schema().sheet("villages").columns
    assert compile_where({"e_station": False}, cols, "v", Binds()) == (
        "coalesce(v.e_station, false) = false"
    )
    assert compile_where({"brand": {"not_empty": True}}, cols, "v", Binds()) == (
        "(v.brand is not null and trim(v.brand) <> '')"
    )


def test_statements_split_on_line_ending_semicolons() -> None:
    sql = "-- note\ndelete from t where a = :p;\n\ninsert into t select 1;\n"
    assert statements(sql) == ["-- note\ndelete from t where a = :p", "insert into t select 1"]


def test_every_stage_insert_can_run_its_query_alone() -> None:
    """On PostgreSQL ``run`` reads an INSERT ... SELECT's query alone (parallel workers allowed)
    and inserts its rows after: every shape template must be of a form it recognises."""
    from techaid.indicators import plan
    from techaid.indicators.catalogue import catalogue
    from techaid.indicators.sqlgen import _INSERT_QUERY, _uncommented, render

    runs = plan.runs(catalogue(), config.schema())
    assert runs
    for r in runs:
        stage = [s for s in statements(render(r.template, **r.context)) if "indicator_stage" in s]
        assert stage, r.template
        for stmt in stage:
            split = _INSERT_QUERY.match(_uncommented(stmt))
            assert split is not None, r.template
            assert split["table"] == "indicator_stage"
            assert len(split["columns"].split(",")) == 14


def test_a_sheet_the_sql_cannot_place_in_a_county_stops_the_render() -> None:
    template = sqlfiles.environment().from_string(
        "{% import 'indicators/macros.sql' as m %}{{ m.county_join('register_villages') }}"
    )
    with pytest.raises(sqlfiles.SqlTemplateError, match="register_villages"):
        template.render()


def test_a_warehouse_check_without_clean_tables_stops_the_render() -> None:
    with pytest.raises(sqlfiles.SqlTemplateError, match="no clean table"):
        sqlfiles.render("quality/select_orphan_clean_rows.sql", clean_tables=[])


def test_a_list_bind_expands_at_run_time_and_parses_under_the_linter() -> None:
    template = "{% import 'macros/binds.sql' as b with context %}x {{ b.in_list('months') }}"
    env = sqlfiles.environment()
    assert env.from_string(template).render() == "x in :months"  # SQLAlchemy expands it
    assert env.from_string(template).render(sqlfluff_lint=True) == "x in (:months)"
