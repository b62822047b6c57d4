-- Every month whose rollup has been computed (the province has published figures), oldest first.
with computed as (
    select distinct period
    from indicator_value
    where level = 'province'
),

final as (
    select * from computed
)

select * from final
order by period;
