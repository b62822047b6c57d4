-- The months the period's county values are read from (the period itself, and older months for
-- counties carried forward): passed back to the shape queries as an explicit list.
with sources as (
    select distinct source_period
    from indicator_source
    where period = :period and source_period is not null
),

final as (
    select source_period
    from sources
)

select * from final
order by source_period;
