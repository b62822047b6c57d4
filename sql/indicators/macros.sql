{#
  Shared fragments of the indicator SQL (Jinja macros, imported by the shape templates).

  A county shape template reads its sources (source_ctes, source_rows, county_join), computes per
  county the measures its indicators need, and ends with the same tail: county_facts (what each
  county row carries besides its measures), measures, by_indicator (one row per indicator and
  county) and final (the indicator_stage row). Each template names its own measures; the tail
  is written once, here.
#}

{% import 'macros/binds.sql' as binds with context %}

{#
  county_join(sheet): joins the rows of clean_<sheet> (alias r) to county_map (alias m), so
  m.county_code is the county published for the period whatever code the row was filed under
  (a retired code maps forward along the lineage). Townships, villages and organizations carry
  the county in the first 6 digits of their code; households through the register's village;
  agreements through the village or household they help. The sheets known here are listed in
  techaid.indicators.catalogue.COUNTY_SHEETS.
#}
{% macro county_join(sheet) -%}
    {% if sheet in ('counties', 'experts', 'activities') -%}
        inner join county_map as m on r.county_code = m.code
    {%- elif sheet == 'townships' -%}
        inner join county_map as m on substr(r.township_code, 1, 6) = m.code
    {%- elif sheet == 'villages' -%}
        inner join county_map as m on substr(r.village_code, 1, 6) = m.code
    {%- elif sheet == 'organizations' -%}
        inner join county_map as m on substr(r.location_code, 1, 6) = m.code
    {%- elif sheet == 'households' -%}
        inner join register_households as rh
        on r.household_id = rh.household_id
        and rh.register_date = :register_date
    inner join county_map as m on substr(rh.village_code, 1, 6) = m.code
    {%- elif sheet == 'agreements' -%}
        left join register_households as rh
        on r.target_id = rh.household_id
        and r.target_kind = 'household'
        and rh.register_date = :register_date
    inner join county_map as m
        on m.code = case
            when r.target_kind = 'village' then substr(r.target_id, 1, 6)
            else substr(rh.village_code, 1, 6)
        end
    {%- else -%}
        {{ fail('county_join: the rows of sheet ' ~ sheet ~ ' cannot be attributed to a county') }}
    {%- endif %}
{%- endmacro %}

{# The CTEs every shape starts from: the period's county map, each county's source month, and the
   distinct (city, month) files those sources read. source_files reads the table, not the
   county_source CTE, so PostgreSQL sees how few files there are (column statistics) and reads
   the big clean tables through their (city_code, period) key instead of scanning every month. #}
{% macro source_ctes() -%}
county_map as (
    select
        code,
        county_code,
        city_code
    from indicator_county_map
    where period = :period
),

county_source as (
    select
        county_code,
        city_code,
        source_city_code,
        source_period,
        as_of,
        as_of_next,
        case when source_period is null then 0 else 1 end as has_data,
        case when source_period < :period then 1 else 0 end as carried_forward
    from indicator_source
    where period = :period
),

source_files as (
    select distinct
        source_city_code,
        source_period
    from indicator_source
    where period = :period and source_period is not null
)
{%- endmacro %}

{# The rows of clean_<table> (alias r) in the files the sources read. The explicit list of
   source months (a bind list) lets PostgreSQL estimate the month's rows from its statistics and
   read them through an index leading with period, whatever it guesses about source_files. #}
{% macro source_rows(table) -%}
source_files as f
    inner join {{ table }} as r
        on f.source_city_code = r.city_code
        and f.source_period = r.period
        and r.period {{ binds.in_list('source_periods') }}
{%- endmacro %}

{% macro stage_columns() -%}
period, indicator, level, org_code, city_code, rollup,
    numerator, denominator, value, has_data, carried_forward, source_period,
    months_accepted, months_expected
{%- endmacro %}

{# county_facts of a stock: each county's source, carried forward when it is an older month;
   no months (completeness is a flow's). #}
{% macro stock_facts() -%}
county_facts as (
    select
        county_code,
        city_code,
        source_period,
        has_data,
        carried_forward,
        cast(null as integer) as months_accepted,
        cast(null as integer) as months_expected
    from county_source
)
{%- endmacro %}

{# county_facts of a flow: never carried forward; months of the window (the program start, or
   the reporting start when later, to the period) and those the county has accepted rows for. #}
{% macro flow_facts() -%}
window_months as (
    select count(*) as months
    from indicator_calendar
    where period >= :program_start and period >= :reporting_start and period <= :period
),

accepted_months as (
    select
        m.county_code,
        count(distinct c.period) as months
    from clean_counties as c
    inner join county_map as m on c.county_code = m.code
    where
        c.period >= :program_start
        and c.period >= :reporting_start
        and c.period <= :period
    group by m.county_code
),

county_facts as (
    select
        s.county_code,
        s.city_code,
        s.source_period,
        s.has_data,
        0 as carried_forward,
        coalesce(a.months, 0) as months_accepted,
        w.months as months_expected
    from county_source as s
    cross join window_months as w
    left join accepted_months as a on s.county_code = a.county_code
)
{%- endmacro %}

{# measures: county_facts with the named measures of each part (a CTE keyed on county_code),
   0 where the part has no row for the county. parts: [{cte, columns}]. #}
{% macro measures(parts) -%}
measures as (
    select
        f.county_code,
        f.city_code,
        f.source_period,
        f.has_data,
        f.carried_forward,
        f.months_accepted,
        f.months_expected{{ "," if parts }}
    {% for part in parts %}
        {% set outer = loop %}
        {% for c in part.columns %}
            coalesce({{ part.cte }}.{{ c }}, 0) as {{ c }}{{ "," if not (loop.last and outer.last) }}
        {% endfor %}
    {% endfor %}
    from county_facts as f
    {% for part in parts %}
        left join {{ part.cte }} on f.county_code = {{ part.cte }}.county_code
    {% endfor %}
)
{%- endmacro %}

{# by_indicator: one row per indicator and county; numerator and denominator are expressions
   over the measures (the plan names them), rollup how the rollup query adds them up. #}
{% macro by_indicator(indicators) -%}
by_indicator as (
    {% for ind in indicators %}
        select
            county_code,
            city_code,
            source_period,
            has_data,
            carried_forward,
            months_accepted,
            months_expected,
            '{{ ind.code }}' as indicator,
            '{{ ind.rollup }}' as rollup,
            cast({{ ind.numerator }} as double precision) as numerator,
            cast({{ ind.denominator }} as double precision) as denominator
        from measures
        {% if not loop.last %}

            union all

        {% endif %}
    {% endfor %}
)
{%- endmacro %}

{# final: the indicator_stage row of each county, in stage_columns() order (the insert reads it
   with select *). Nothing is measured for a county without data; a share's value is numerator /
   denominator when there is any population. A register share keeps its denominator without
   data (register_denominator): the register, not the submission, says how many there are. #}
{% macro county_final(register_denominator=false) -%}
final as (
    select
        cast(:period as varchar(7)) as period,
        indicator,
        cast('county' as varchar(8)) as level,
        county_code as org_code,
        city_code,
        cast(rollup as varchar(20)) as rollup,
        case when has_data = 1 then numerator end as numerator,
    {% if register_denominator %}
        denominator,
    {% else %}
        case when has_data = 1 then denominator end as denominator,
    {% endif %}
        case
            when has_data = 0 then null
            when rollup <> 'ratio_of_sums' then numerator
            when denominator > 0 then numerator / denominator
        end as value,
        has_data,
        carried_forward,
        source_period,
        months_accepted,
        months_expected
    from by_indicator
)
{%- endmacro %}
