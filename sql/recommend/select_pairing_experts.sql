{% import 'recommend/macros.sql' as macros %}
-- Experts a lagging county can be paired with: filed in the register by the month's last day, in
-- each city's latest accepted snapshot; an id two cities list is taken once (latest month, then
-- city code).
with {{ macros.latest_files() }},

listed as (
    select
        e.expert_id as subject_id,
        e.name as display_name,
        e.specialty,
        e.county_code,
        e.city_code,
        e.registered_on as filed_on,
        row_number() over (
            partition by e.expert_id
            order by e.period desc, e.city_code asc, e.row_number asc
        ) as recency
    from latest_files as f
    inner join clean_experts as e
        on f.city_code = e.city_code
        and f.period = e.period
    where e.registered_on is not null and e.registered_on <= :last_day
),

final as (
    select
        subject_id,
        display_name,
        specialty,
        county_code,
        city_code,
        filed_on
    from listed
    where recency = 1
)

select * from final
