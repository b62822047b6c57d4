-- Where each county's values for the period come from: the latest month up to the period with
-- accepted data for it (under any code of its lineage, so a recoded county keeps its history),
-- the file (city) that month's rows are in, and that month's last day (dates in a snapshot are
-- judged as of the month it describes). No row found: no version ever accepted (no_data). A
-- source month before the period means the city sent nothing accepted since: carried forward.
delete from indicator_source
where period = :period;

insert into indicator_source (
    period, county_code, city_code, source_city_code, source_period, as_of, as_of_next
)
with county_map as (
    select
        code,
        county_code,
        city_code
    from indicator_county_map
    where period = :period
),

counties as (
    select distinct
        county_code,
        city_code
    from county_map
),

held as (
    select
        m.county_code,
        c.city_code as source_city_code,
        c.period as source_period,
        row_number() over (
            partition by m.county_code
            order by c.period desc, c.city_code asc
        ) as recency
    from clean_counties as c
    inner join county_map as m on c.county_code = m.code
    where c.period <= :period
),

final as (
    select
        cast(:period as varchar(7)) as period,
        k.county_code,
        k.city_code,
        h.source_city_code,
        h.source_period,
        cal.last_day as as_of,
        cal.next_day as as_of_next
    from counties as k
    left join held as h
        on k.county_code = h.county_code
        and h.recency = 1
    left join indicator_calendar as cal on h.source_period = cal.period
)

select * from final;
