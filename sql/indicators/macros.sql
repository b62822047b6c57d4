{#
  Shared fragments of the indicator SQL (Jinja macros, imported by the shape templates).

  county_join(sheet): joins the rows of clean_<sheet> (alias r) to county_map (alias m), so
  m.county_code is the county published for the period whatever code the row was filed under
  (a retired code maps forward along the lineage). Townships, villages and organizations carry
  the county in the first 6 digits of their code; households through the register's village;
  agreements through the village or household they help. The sheets known here are listed in
  techaid.indicators.catalogue.COUNTY_SHEETS.
#}
{% macro county_join(sheet) -%}
{% if sheet in ('counties', 'experts', 'activities') -%}
inner join county_map as m on m.code = r.county_code
{%- elif sheet == 'townships' -%}
inner join county_map as m on m.code = substr(r.township_code, 1, 6)
{%- elif sheet == 'villages' -%}
inner join county_map as m on m.code = substr(r.village_code, 1, 6)
{%- elif sheet == 'organizations' -%}
inner join county_map as m on m.code = substr(r.location_code, 1, 6)
{%- elif sheet == 'households' -%}
inner join register_households as rh
        on rh.register_date = :register_date and rh.household_id = r.household_id
    inner join county_map as m on m.code = substr(rh.village_code, 1, 6)
{%- elif sheet == 'agreements' -%}
left join register_households as rh
        on rh.register_date = :register_date
        and r.target_kind = 'household'
        and rh.household_id = r.target_id
    inner join county_map as m
        on m.code = case
            when r.target_kind = 'village' then substr(r.target_id, 1, 6)
            else substr(rh.village_code, 1, 6)
        end
{%- else -%}
{{ 0 / 0 }}
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
        on r.city_code = f.source_city_code
        and r.period = f.source_period
        and r.period in :source_periods
{%- endmacro %}

{% macro stage_columns() -%}
period, indicator, level, org_code, city_code, rollup,
    numerator, denominator, value, has_data, carried_forward, source_period,
    months_accepted, months_expected
{%- endmacro %}
