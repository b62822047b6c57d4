-- Each (city, period) with an accepted version must have exactly one current version (status
-- accepted or accepted_with_errors), and one without any accepted version must have none.
-- One line per (city, period) that breaks this, with its count of current versions (each line
-- counts once: no n column).
with versions as (
    select
        city_code,
        period,
        case when outcome in ('accepted', 'accepted_with_errors') then 1 else 0 end as accepted,
        case when status in ('accepted', 'accepted_with_errors') then 1 else 0 end as is_current
    from submission
    where city_code is not null and period is not null
),

months as (
    select
        city_code,
        period,
        sum(accepted) as accepted_versions,
        sum(is_current) as current_versions
    from versions
    group by city_code, period
),

final as (
    select
        city_code,
        period,
        accepted_versions,
        current_versions
    from months
    where
        (accepted_versions > 0 and current_versions <> 1)
        or (accepted_versions = 0 and current_versions > 0)
)

select * from final
order by city_code, period;
