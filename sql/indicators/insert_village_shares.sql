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
        m.county_code || substr(g.village_code, 7) as village_key{{ "," if register_columns }}
    {% for c in register_columns %}
        g.{{ c }}{{ "," if not loop.last }}
    {% endfor %}
    from register_villages as g
    inner join county_map as m on substr(g.village_code, 1, 6) = m.code
    where g.register_date = :register_date
),
{% if flags %}

    listings as (
        select
            m.county_code || substr(v.village_code, 7) as village_key,
            row_number() over (
                partition by m.county_code || substr(v.village_code, 7)
                order by v.period desc
            ) as recency,
        {% for f in flags %}
            v.{{ f }} as flag_{{ f }}{{ "," if not loop.last }}
        {% endfor %}
        from clean_villages as v
        inner join county_map as m on substr(v.village_code, 1, 6) = m.code
        where v.period <= :period
    ),

    latest_flags as (
        select
            village_key,
        {% for f in flags %}
            flag_{{ f }}{{ "," if not loop.last }}
        {% endfor %}
        from listings
        where recency = 1
    ),
{% endif %}

snapshot as (
    select
        r.city_code,
        r.period,
        m.county_code || substr(r.village_code, 7) as village_key{{ "," if snapshot_columns }}
    {% for c in snapshot_columns %}
        r.{{ c }}{{ "," if not loop.last }}
    {% endfor %}
    from {{ macros.source_rows('clean_villages') }}
    inner join county_map as m on substr(r.village_code, 1, 6) = m.code
),

per_village as (
    select
        g.county_code,
    {% for ind in indicators %}
        case when {{ ind.in_population }} then 1 else 0 end as {{ ind.denominator }},
        case
            when {{ ind.in_population }} and sn.village_key is not null and {{ ind.counted }}
                then 1
            else 0
        end as {{ ind.numerator }}{{ "," if not loop.last }}
    {% endfor %}
    from register as g
    inner join county_source as s on g.county_code = s.county_code
    {% if flags %}
        -- lf.flag_<flag> is read by the population conditions compiled from the catalogue
        left join latest_flags as lf on g.village_key = lf.village_key  -- noqa: ST11
    {% endif %}
    left join snapshot as sn
        on g.village_key = sn.village_key
        and s.source_city_code = sn.city_code
        and s.source_period = sn.period
),

per_county as (
    select
        county_code,
    {% for ind in indicators %}
        sum({{ ind.denominator }}) as {{ ind.denominator }},
        sum({{ ind.numerator }}) as {{ ind.numerator }}{{ "," if not loop.last }}
    {% endfor %}
    from per_village
    group by county_code
),

{{ macros.stock_facts() }},

{{ macros.measures(parts) }},

{{ macros.by_indicator(indicators) }},

{{ macros.county_final(register_denominator=true) }}

select * from final;
