-- Each city's month: the version that counts (the accepted one; else the latest refused one),
-- and how many versions the city sent for the month.
with versions as (
    select
        city_code,
        file_name,
        received_at,
        status,
        on_time,
        rows_loaded,
        rows_quarantined,
        warnings
    from submission
    where period = :period and city_code is not null
),

counted as (
    select
        city_code,
        count(*) as versions
    from versions
    group by city_code
),

ordered as (
    select
        versions.*,
        row_number() over (
            partition by versions.city_code
            order by
                case
                    when versions.status in ('accepted', 'accepted_with_errors') then 0
                    when versions.status = 'rejected' then 1
                    else 2
                end,
                versions.received_at desc,
                versions.file_name asc
        ) as pick
    from versions
),

final as (
    select
        ordered.city_code,
        ordered.file_name,
        ordered.received_at,
        ordered.status,
        ordered.on_time,
        ordered.rows_loaded,
        ordered.rows_quarantined,
        ordered.warnings,
        counted.versions
    from ordered
    inner join counted on ordered.city_code = counted.city_code
    where ordered.pick = 1
)

select * from final
order by city_code;
