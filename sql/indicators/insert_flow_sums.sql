{% import 'indicators/macros.sql' as macros %}
-- Flows (what happened in a month) added up over every accepted month from the program start up
-- to the period. The clean tables hold only the current version of each (city, month), so a
-- correction replaces a month's figures instead of adding to them, and re-running never counts
-- twice. A month with no accepted submission adds nothing; nothing is carried forward, and it
-- lowers completeness: months the county has accepted rows for / months in the window (from the
-- program start, or the reporting start when later, to the period).
insert into indicator_stage (
    {{ macros.stage_columns() }}
)
with {{ macros.source_ctes() }},

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
    inner join county_map as m on m.code = c.county_code
    where
        c.period >= :program_start
        and c.period >= :reporting_start
        and c.period <= :period
    group by m.county_code
),
{% for sheet in sheets %}

sums_{{ sheet.name }} as (
    select
        m.county_code,
{% for t in sheet.terms %}
{% if t.where %}
        sum(case when {{ t.where }} then {{ t.expr }} else 0 end) as {{ t.id }}{{ "," if not loop.last }}
{% else %}
        sum({{ t.expr }}) as {{ t.id }}{{ "," if not loop.last }}
{% endif %}
{% endfor %}
    from clean_{{ sheet.name }} as r
    {{ macros.county_join(sheet.name) }}
    where r.period >= :program_start and r.period <= :period
    group by m.county_code
),
{% endfor %}

measures as (
    select
        s.county_code,
        s.city_code,
        s.source_period,
        s.has_data,
        coalesce(a.months, 0) as months_accepted,
        w.months as months_expected,
{% for sheet in sheets %}
{% for t in sheet.terms %}
        coalesce(sums_{{ sheet.name }}.{{ t.id }}, 0) as {{ t.id }},
{% endfor %}
{% endfor %}
        1 as one
    from county_source as s
    cross join window_months as w
    left join accepted_months as a on a.county_code = s.county_code
{% for sheet in sheets %}
    left join sums_{{ sheet.name }} on sums_{{ sheet.name }}.county_code = s.county_code
{% endfor %}
),

by_indicator as (
{% for ind in indicators %}
    select
        '{{ ind.code }}' as indicator,
        county_code,
        city_code,
        source_period,
        has_data,
        months_accepted,
        months_expected,
        cast({{ ind.numerator }} as double precision) as numerator
    from measures
{% if not loop.last %}

    union all

{% endif %}
{% endfor %}
),

final as (
    select
        cast(:period as varchar(7)) as period,
        indicator,
        cast('county' as varchar(8)) as level,
        county_code as org_code,
        city_code,
        cast('sum' as varchar(20)) as rollup,
        case when has_data = 1 then numerator end as numerator,
        cast(null as double precision) as denominator,
        case when has_data = 1 then numerator end as value,
        has_data,
        0 as carried_forward,
        source_period,
        months_accepted,
        months_expected
    from by_indicator
)

select
    {{ macros.stage_columns() }}
from final;
