-- Each county's attainment at the year's end and at the end of the year before: the mean, over
-- its indicators with a county target, of value / target capped at 1 (no data counts 0), from
-- the published indicator values. A year end never computed has no row.
with attained as (
    select
        period,
        org_code as county_code,
        avg(
            case
                when attainment is null then 0.0
                when attainment > 1 then 1.0
                else attainment
            end
        ) as attainment
    from indicator_value
    where
        level = 'county'
        and target is not null
        and period in (:year_end, :previous_year_end)
    group by period, org_code
),

final as (
    select
        cur.county_code,
        cur.attainment,
        prev.attainment as previous_attainment
    from attained as cur
    left join attained as prev
        on cur.county_code = prev.county_code
        and prev.period = :previous_year_end
    where cur.period = :year_end
)

select * from final
