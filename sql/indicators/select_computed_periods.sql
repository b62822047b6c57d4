-- Months already computed: a correction recomputes those at or after the month it changes.
with computed as (
    select distinct period
    from indicator_value
),

final as (
    select period
    from computed
    where period >= :from_period
)

select * from final
order by period;
