-- Every expert listed in the current accepted versions of the year's months, once: the row of
-- the latest month that lists it (then city code, then row number, when two cities list the same
-- id), since each month's experts sheet describes the register as it then stood.
with listed as (
    select
        e.expert_id as subject_id,
        e.name as display_name,
        e.source as category,
        e.specialty,
        e.county_code,
        e.city_code,
        e.registered_on as filed_on,
        row_number() over (
            partition by e.expert_id
            order by e.period desc, e.city_code asc, e.row_number asc
        ) as recency
    from clean_experts as e
    inner join submission as s
        on e.submission_id = s.submission_id
        and s.status in ('accepted', 'accepted_with_errors')
    where e.period between :first_period and :last_period
),

final as (
    select
        subject_id,
        display_name,
        category,
        specialty,
        county_code,
        city_code,
        filed_on
    from listed
    where recency = 1
)

select * from final
order by subject_id
