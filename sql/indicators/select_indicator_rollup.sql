-- Every level of every indicator for the period: county rows as staged, city and province rows
-- by the indicator's declared aggregation. Counts add; shares are sum(numerators) /
-- sum(denominators), never an average of shares; "every county has one" becomes the share of
-- counties that have one (every county of the unit in the denominator, reported or not).
-- Indicators that roll themselves up (distinct counts, reporting rate) pass through. A unit
-- with no county holding data has no value; it is carried forward when all its counties with
-- data are (nothing new was observed for it that month). A flow's months with accepted data and
-- months in its window add up like its counts (completeness over the counties' months).
with stage as (
    select
        period,
        indicator,
        level,
        org_code,
        city_code,
        rollup,
        numerator,
        denominator,
        value,
        has_data,
        carried_forward,
        source_period,
        months_accepted,
        months_expected
    from indicator_stage
    where period = :period
),

rolled as (
    select
        indicator,
        rollup,
        city_code,
        case when rollup = 'share_of_counties' then coalesce(value, 0) else numerator end as part,
        case
            when rollup = 'share_of_counties' then 1.0
            else denominator
        end as whole,
        has_data,
        case when has_data = 1 then carried_forward end as carried_forward,
        months_accepted,
        months_expected
    from stage
    where level = 'county' and rollup in ('sum', 'ratio_of_sums', 'share_of_counties')
),

city_sums as (
    select
        indicator,
        rollup,
        'city' as level,
        city_code as org_code,
        city_code,
        sum(part) as numerator,
        sum(whole) as denominator,
        max(has_data) as has_data,
        coalesce(min(carried_forward), 0) as carried_forward,
        sum(months_accepted) as months_accepted,
        sum(months_expected) as months_expected
    from rolled
    group by indicator, rollup, city_code
),

province_sums as (
    select
        indicator,
        rollup,
        'province' as level,
        cast(:province_code as varchar(6)) as org_code,
        cast(null as varchar(6)) as city_code,
        sum(part) as numerator,
        sum(whole) as denominator,
        max(has_data) as has_data,
        coalesce(min(carried_forward), 0) as carried_forward,
        sum(months_accepted) as months_accepted,
        sum(months_expected) as months_expected
    from rolled
    group by indicator, rollup
),

upper_levels as (
    select
        indicator,
        rollup,
        level,
        org_code,
        city_code,
        numerator,
        denominator,
        has_data,
        carried_forward,
        months_accepted,
        months_expected
    from city_sums

    union all

    select
        indicator,
        rollup,
        level,
        org_code,
        city_code,
        numerator,
        denominator,
        has_data,
        carried_forward,
        months_accepted,
        months_expected
    from province_sums
),

final as (
    select
        indicator,
        level,
        org_code,
        city_code,
        numerator,
        denominator,
        value,
        has_data,
        carried_forward,
        source_period,
        months_accepted,
        months_expected
    from stage

    union all

    select
        indicator,
        cast(level as varchar(8)) as level,
        org_code,
        city_code,
        cast(numerator as double precision) as numerator,
        case
            when rollup = 'sum' then cast(null as double precision)
            else cast(denominator as double precision)
        end as denominator,
        case
            when has_data = 0 then null
            when rollup = 'sum' then cast(numerator as double precision)
            when denominator > 0 then cast(numerator as double precision) / denominator
        end as value,
        has_data,
        carried_forward,
        cast(null as varchar(7)) as source_period,
        months_accepted,
        months_expected
    from upper_levels
)

select * from final
order by indicator, level, org_code;
