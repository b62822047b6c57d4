{% import 'indicators/macros.sql' as macros %}
-- Stock indicators measured on each county's latest accepted snapshot (count_sum, has_one, and
-- shares whose population is a snapshot sheet such as townships). Each sheet is read once for
-- every term on it, only in the (city, month) files the sources point to. Counties without any
-- accepted version get a row with empty values (has_data = 0).
insert into indicator_stage (
    {{ macros.stage_columns() }}
)
with {{ macros.source_ctes() }},
{% for sheet in sheets %}

rows_{{ sheet.name }} as (
    select
        s.county_code,
{% for t in sheet.terms %}
{% if t.where %}
        case when {{ t.where }} then {{ t.expr }} else 0 end as {{ t.id }}{{ "," if not loop.last }}
{% else %}
        {{ t.expr }} as {{ t.id }}{{ "," if not loop.last }}
{% endif %}
{% endfor %}
    from {{ macros.source_rows('clean_' ~ sheet.name) }}
    {{ macros.county_join(sheet.name) }}
    inner join county_source as s
        on s.county_code = m.county_code
        and s.source_city_code = r.city_code
        and s.source_period = r.period
),

sums_{{ sheet.name }} as (
    select
        county_code,
{% for t in sheet.terms %}
        sum({{ t.id }}) as {{ t.id }}{{ "," if not loop.last }}
{% endfor %}
    from rows_{{ sheet.name }}
    group by county_code
),
{% endfor %}

measures as (
    select
        s.county_code,
        s.city_code,
        s.source_period,
        s.has_data,
        s.carried_forward,
{% for sheet in sheets %}
{% for t in sheet.terms %}
        coalesce(sums_{{ sheet.name }}.{{ t.id }}, 0) as {{ t.id }},
{% endfor %}
{% endfor %}
        1 as one
    from county_source as s
{% for sheet in sheets %}
    left join sums_{{ sheet.name }} on sums_{{ sheet.name }}.county_code = s.county_code
{% endfor %}
),

by_indicator as (
{% for ind in indicators %}
    select
        '{{ ind.code }}' as indicator,
        '{{ ind.rollup }}' as rollup,
        county_code,
        city_code,
        source_period,
        has_data,
        carried_forward,
        cast({{ ind.numerator }} as double precision) as numerator,
        cast({{ ind.denominator }} as double precision) as denominator
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
        rollup,
        case when has_data = 1 then numerator end as numerator,
        case when has_data = 1 then denominator end as denominator,
        case
            when has_data = 0 then null
            when rollup = 'ratio_of_sums' and denominator > 0 then numerator / denominator
            when rollup = 'ratio_of_sums' then null
            else numerator
        end as value,
        has_data,
        carried_forward,
        source_period,
        cast(null as integer) as months_accepted,
        cast(null as integer) as months_expected
    from by_indicator
)

select
    {{ macros.stage_columns() }}
from final;
