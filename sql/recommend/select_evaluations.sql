-- Each subject's evaluation for the year: it may come in that year's submissions or the next
-- year's (a December evaluation corrected in January); the latest month wins, then city code.
with rated as (
    select
        v.subject_kind,
        v.subject_id,
        v.score,
        v.city_recommends,
        row_number() over (
            partition by v.subject_kind, v.subject_id
            order by v.period desc, v.city_code asc, v.row_number asc
        ) as recency
    from clean_evaluations as v
    inner join submission as s
        on v.submission_id = s.submission_id
        and s.status in ('accepted', 'accepted_with_errors')
    where
        v.year = :year
        and v.period between :first_period and :evaluation_last_period
),

final as (
    select
        subject_kind,
        subject_id,
        score,
        city_recommends
    from rated
    where recency = 1
)

select * from final
