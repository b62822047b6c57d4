-- The month's lagging counties, furthest behind first.
with final as (
    select
        county_code,
        city_code,
        rank
    from county_ranking
    where period = :period and lagging = :lagging
)

select * from final
order by rank, county_code
