{% import 'indicators/macros.sql' as macros %}
-- Shares over the poor villages of the poverty office register in force in the period (never
-- over the villages a submission lists: leaving villages out cannot shrink the denominator).
-- Villages are matched on their code under the county code published for the period, so a
-- register filed before a recode still meets the submissions filed after it. A latest_flag
-- (one_product) is read from the latest accepted submission that lists the village, up to the
-- period, so a village left out of the current snapshot keeps its last reported flag; the
-- numerator is tested on the county's source snapshot, where a village left out counts 0.
insert into indicator_stage (
    {{ macros.stage_columns() }}
)
with {{ macros.source_ctes() }},

register as (
    select
        m.county_code,
        m.county_code || substr(g.village_code, 7) as village_key{% for c in register_columns %},
        g.{{ c }}{% endfor %}

    from register_villages as g
    inner join county_map as m on m.code = substr(g.village_code, 1, 6)
    where g.register_date = :register_date
),
{% if flags %}

listings as (
    select
        m.county_code || substr(v.village_code, 7) as village_key,
{% for f in flags %}
        v.{{ f }} as flag_{{ f }},
{% endfor %}
        row_number() over (
            partition by m.county_code || substr(v.village_code, 7)
            order by v.period desc
        ) as recency
    from clean_villages as v
    inner join county_map as m on m.code = substr(v.village_code, 1, 6)
    where v.period <= :period
),

latest_flags as (
    select
        village_key{% for f in flags %},
        flag_{{ f }}{% endfor %}

    from listings
    where recency = 1
),
{% endif %}

snapshot as (
    select
        r.city_code,
        r.period,
        m.county_code || substr(r.village_code, 7) as village_key{% for c in snapshot_columns %},
        r.{{ c }}{% endfor %}

    from {{ macros.source_rows('clean_villages') }}
    inner join county_map as m on m.code = substr(r.village_code, 1, 6)
),

per_village as (
    select
        g.county_code,
{% for ind in indicators %}
        case when {{ ind.population }} then 1 else 0 end as d{{ loop.index }},
        case
            when {{ ind.population }} and sn.village_key is not null and {{ ind.numerator }}
                then 1
            else 0
        end as n{{ loop.index }}{{ "," if not loop.last }}
{% endfor %}
    from register as g
    inner join county_source as s on s.county_code = g.county_code
{% if flags %}
    left join latest_flags as lf on lf.village_key = g.village_key
{% endif %}
    left join snapshot as sn
        on sn.village_key = g.village_key
        and sn.city_code = s.source_city_code
        and sn.period = s.source_period
),

per_county as (
    select
        county_code,
{% for ind in indicators %}
        sum(d{{ loop.index }}) as d{{ loop.index }},
        sum(n{{ loop.index }}) as n{{ loop.index }}{{ "," if not loop.last }}
{% endfor %}
    from per_village
    group by county_code
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
