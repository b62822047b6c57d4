-- One month's county ranking, furthest behind first, with the movement since the month before.
with ranked as (
    select
        county_code,
        city_code,
        lagging,
        score,
        rank,
        previous_rank,
        rank_change,
        lagging_indicators,
        reasons
    from county_ranking
    where period = :period
),

final as (
    select * from ranked
)

select * from final
order by rank, county_code;
