{% import 'indicators/macros.sql' as macros %}
-- Reporting rate, first computed per city: months reported on time / months expected, counted
-- from the reporting start (configured, else the first month the warehouse holds accepted data
-- for) up to the period. A month counts as on time when some version that was accepted (with or
-- without row errors, even if superseded by a later correction) arrived by the deadline; a
-- refused file never counts. The province is the same ratio over all cities. Completeness:
-- months with an accepted version, on time or not / months expected.
insert into indicator_stage (
    {{ macros.stage_columns() }}
)
with cities as (
    select distinct city_code
    from indicator_county_map
    where period = :period
),

expected_months as (
    select count(*) as months
    from indicator_calendar
    where period >= :reporting_start and period <= :period
),

accepted_months as (
    select
        city_code,
        period,
        max(case when on_time = true then 1 else 0 end) as on_time
    from submission
    where
        status in ('accepted', 'accepted_with_errors', 'superseded')
        and period >= :reporting_start
        and period <= :period
    group by city_code, period
),

per_city as (
    select
        c.city_code,
        coalesce(sum(a.on_time), 0) as numerator,
        e.months as denominator,
        count(a.period) as months_accepted
    from cities as c
    cross join expected_months as e
    left join accepted_months as a on c.city_code = a.city_code
    group by c.city_code, e.months
),

levels as (
    select
        'city' as level,
        city_code as org_code,
        city_code,
        cast(numerator as double precision) as numerator,
        cast(denominator as double precision) as denominator,
        months_accepted,
        denominator as months_expected
    from per_city

    union all

    select
        'province' as level,
        cast(:province_code as varchar(6)) as org_code,
        cast(null as varchar(6)) as city_code,
        cast(sum(numerator) as double precision) as numerator,
        cast(sum(denominator) as double precision) as denominator,
        sum(months_accepted) as months_accepted,
        sum(denominator) as months_expected
    from per_city
),

final as (
    select
        cast(:period as varchar(7)) as period,
        cast(:indicator as varchar(40)) as indicator,
        cast(level as varchar(8)) as level,
        org_code,
        city_code,
        cast('none' as varchar(20)) as rollup,
        numerator,
        denominator,
        case when denominator > 0 then numerator / denominator end as value,
        case when denominator > 0 then 1 else 0 end as has_data,
        0 as carried_forward,
        cast(null as varchar(7)) as source_period,
        cast(months_accepted as integer) as months_accepted,
        cast(months_expected as integer) as months_expected
    from levels
)

select * from final;
