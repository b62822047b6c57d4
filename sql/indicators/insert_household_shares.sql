{% import 'indicators/macros.sql' as macros %}
-- Shares over the registered poor households of the register in force in the period (their
-- county: the first 6 digits of their village code, published under the period's code). A
-- registered household the county's source snapshot does not list has 0 techniques and 0
-- projects: it stays in the denominator and counts 0 in the numerator.
-- For speed at province scale (about 1.9 million households): denominators are counted from
-- the register alone; numerators join the register rows that can count (in some population) to
-- the snapshot rows that can count (meeting some numerator) on the household id alone, counted
-- per (village-code prefix, file).
-- Only then are prefixes mapped to counties, and a numerator kept only when it comes from the
-- county's own source file.
insert into indicator_stage (
    {{ macros.stage_columns() }}
)
with {{ macros.source_ctes() }},

snapshot as (
    select
        r.city_code,
        r.period,
        r.household_id{% for c in snapshot_columns %},
        r.{{ c }}{% endfor %}

    from {{ macros.source_rows('clean_households') }}
    where {{ any_numerator }}
),

denominators as (
    select
        substr(g.village_code, 1, 6) as code,
{% for ind in indicators %}
        sum(case when {{ ind.population }} then 1 else 0 end) as d{{ loop.index }}{{ "," if not loop.last }}
{% endfor %}
    from register_households as g
    where g.register_date = :register_date
    group by substr(g.village_code, 1, 6)
),

numerators as (
    select
        substr(g.village_code, 1, 6) as code,
        sn.city_code as file_city_code,
        sn.period as file_period,
{% for ind in indicators %}
        sum(case when {{ ind.population }} and {{ ind.numerator }} then 1 else 0 end) as n{{ loop.index }}{{ "," if not loop.last }}
{% endfor %}
    from register_households as g
    inner join snapshot as sn on sn.household_id = g.household_id
    where g.register_date = :register_date and ({{ any_population }})
    group by substr(g.village_code, 1, 6), sn.city_code, sn.period
),

county_denominators as (
    select
        m.county_code,
{% for ind in indicators %}
        sum(d.d{{ loop.index }}) as d{{ loop.index }}{{ "," if not loop.last }}
{% endfor %}
    from denominators as d
    inner join county_map as m on m.code = d.code
    group by m.county_code
),

county_numerators as (
    select
        m.county_code,
{% for ind in indicators %}
        sum(n.n{{ loop.index }}) as n{{ loop.index }}{{ "," if not loop.last }}
{% endfor %}
    from numerators as n
    inner join county_map as m on m.code = n.code
    inner join county_source as s
        on s.county_code = m.county_code
        and s.source_city_code = n.file_city_code
        and s.source_period = n.file_period
    group by m.county_code
),

per_county as (
    select
        d.county_code,
{% for ind in indicators %}
        d.d{{ loop.index }},
        coalesce(n.n{{ loop.index }}, 0) as n{{ loop.index }}{{ "," if not loop.last }}
{% endfor %}
    from county_denominators as d
    left join county_numerators as n on n.county_code = d.county_code
),

by_indicator as (
{% for ind in indicators %}
    select
        '{{ ind.code }}' as indicator,
        s.county_code,
        s.city_code,
        s.source_period,
        s.has_data,
        s.carried_forward,
        cast(coalesce(p.n{{ loop.index }}, 0) as double precision) as numerator,
        cast(coalesce(p.d{{ loop.index }}, 0) as double precision) as denominator
    from county_source as s
    left join per_county as p on p.county_code = s.county_code
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
        cast('ratio_of_sums' as varchar(20)) as rollup,
        case when has_data = 1 then numerator end as numerator,
        denominator,
        case when has_data = 1 and denominator > 0 then numerator / denominator end as value,
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
