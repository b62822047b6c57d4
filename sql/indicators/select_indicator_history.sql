-- Published values of the months before the period, for trends (the last observed months of
-- each series). Only indicators with a target have a trend.
with final as (
    select
        period,
        level,
        org_code,
        indicator,
        value,
        carried_forward
    from indicator_value
    where period < :period and period >= :program_start and target is not null
)

select * from final
order by period;
