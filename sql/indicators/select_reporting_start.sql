-- The first month the warehouse holds accepted data for (any city): where the reporting rate
-- counts from when no reporting start is configured.
with accepted as (
    select period
    from submission
    where status in ('accepted', 'accepted_with_errors', 'superseded')
),

final as (
    select min(period) as first_period
    from accepted
)

select * from final;
