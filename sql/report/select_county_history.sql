{% import 'macros/binds.sql' as binds with context %}
-- One county's published values from the program start up to the month, under every code of
-- its lineage (a recoded county keeps one series).
with history as (
    select
        period,
        org_code,
        indicator,
        value,
        target,
        expected,
        attainment,
        status
    from indicator_value
    where
        level = 'county'
        and org_code {{ binds.in_list('codes') }}
        and period >= :since
        and period <= :period
),

final as (
    select * from history
)

select * from final
order by period, indicator;
