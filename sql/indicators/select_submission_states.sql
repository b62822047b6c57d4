-- Each city's versions for the period: whether one is accepted now (the current version, with or
-- without row errors) and whether one was refused, for the ranking's submission reasons.
with versions as (
    select
        city_code,
        status
    from submission
    where period = :period
),

final as (
    select
        city_code,
        max(case when status in ('accepted', 'accepted_with_errors') then 1 else 0 end) as accepted,
        max(case when status = 'rejected' then 1 else 0 end) as rejected
    from versions
    group by city_code
)

select * from final;
