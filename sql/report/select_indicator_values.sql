-- One month's published indicator values at one level (province, city or county).
with of_level as (
    select
        period,
        level,
        org_code,
        indicator,
        value,
        numerator,
        denominator,
        target,
        expected,
        attainment,
        status,
        carried_forward,
        forecast_period,
        required_monthly_rate,
        source_period
    from indicator_value
    where period = :period and level = :level
),

final as (
    select * from of_level
)

select * from final
order by org_code, indicator;
