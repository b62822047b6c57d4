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
        r.household_id{{ "," if snapshot_columns }}
    {% for c in snapshot_columns %}
        r.{{ c }}{{ "," if not loop.last }}
    {% endfor %}
    from {{ macros.source_rows('clean_households') }}
    where {{ any_numerator }}
),

denominators as (
    select
        substr(g.village_code, 1, 6) as code,
    {% for ind in indicators %}
        sum(case when {{ ind.in_population }} then 1 else 0 end)
            as {{ ind.denominator }}{{ "," if not loop.last }}
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
        sum(case when {{ ind.in_population }} and {{ ind.counted }} then 1 else 0 end)
            as {{ ind.numerator }}{{ "," if not loop.last }}
    {% endfor %}
    from register_households as g
    inner join snapshot as sn on g.household_id = sn.household_id
    where g.register_date = :register_date and ({{ any_population }})
    group by substr(g.village_code, 1, 6), sn.city_code, sn.period
),

county_denominators as (
    select
        m.county_code,
    {% for ind in indicators %}
        sum(d.{{ ind.denominator }}) as {{ ind.denominator }}{{ "," if not loop.last }}
    {% endfor %}
    from denominators as d
    inner join county_map as m on d.code = m.code
    group by m.county_code
),

county_numerators as (
    select
        m.county_code,
    {% for ind in indicators %}
        sum(n.{{ ind.numerator }}) as {{ ind.numerator }}{{ "," if not loop.last }}
    {% endfor %}
    from numerators as n
    inner join county_map as m on n.code = m.code
    inner join county_source as s
        on m.county_code = s.county_code
        and n.file_city_code = s.source_city_code
        and n.file_period = s.source_period
    group by m.county_code
),

{{ macros.stock_facts() }},

{{ macros.measures(parts) }},

{{ macros.by_indicator(indicators) }},

{{ macros.county_final(register_denominator=true) }}

select * from final;
