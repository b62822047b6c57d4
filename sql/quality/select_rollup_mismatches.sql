-- Children add up to parents for every additive indicator: a city's numerator and denominator
-- equal the sums over its counties, and the province's the sums over every county (sum: the
-- counts; ratio_of_sums: both terms; share_of_counties: counties having one, and counties).
-- Distinct counts (an expert listed by two cities counts once) are not additive and not checked.
-- One line per period, indicator and parent in violation (each counts once: no n column).
with additive as (
    {% for code, rollup in additive %}
        select
            '{{ code }}' as indicator,
            '{{ rollup }}' as rollup
        {% if not loop.last %}
            union all
        {% endif %}
    {% else %}
        {{ fail('select_rollup_mismatches: no additive indicator to check') }}
    {% endfor %}
),

counties as (
    select
        v.period,
        v.indicator,
        a.rollup,
        r.city_code,
        coalesce(v.numerator, 0) as numerator,
        coalesce(v.denominator, 0) as denominator
    from indicator_value as v
    inner join additive as a on v.indicator = a.indicator
    inner join county_ranking as r
        on v.period = r.period and v.org_code = r.county_code
    where v.level = 'county'
),

child_sums as (
    select
        period,
        indicator,
        'city' as level,
        city_code as org_code,
        sum(numerator) as numerator,
        case when max(rollup) = 'share_of_counties' then count(*) else sum(denominator) end
            as denominator
    from counties
    group by period, indicator, city_code
    union all
    select
        period,
        indicator,
        'province' as level,
        '' as org_code,
        sum(numerator) as numerator,
        case when max(rollup) = 'share_of_counties' then count(*) else sum(denominator) end
            as denominator
    from counties
    group by period, indicator
),

parents as (
    select
        v.period,
        v.indicator,
        v.level,
        case when v.level = 'province' then '' else v.org_code end as org_code,
        v.org_code as published_code,
        coalesce(v.numerator, 0) as numerator,
        coalesce(v.denominator, 0) as denominator
    from indicator_value as v
    inner join additive as a on v.indicator = a.indicator
    where v.level in ('city', 'province')
),

final as (
    select
        p.period,
        p.indicator,
        p.level,
        p.published_code as org_code,
        p.numerator as parent_numerator,
        c.numerator as children_numerator,
        p.denominator as parent_denominator,
        c.denominator as children_denominator
    from parents as p
    inner join child_sums as c
        on p.period = c.period and p.indicator = c.indicator
        and p.level = c.level and p.org_code = c.org_code
    where
        abs(p.numerator - c.numerator) > 0.000001 * (1 + abs(c.numerator))
        or abs(p.denominator - c.denominator) > 0.000001 * (1 + abs(c.denominator))
)

select * from final
order by period, indicator, level, org_code;
