-- What each helper's agreements reached in the year: agreements whose start-end dates overlap the
-- year, whatever their status now, each as its latest row in the year's current accepted
-- versions; distinct villages and households helped.
with agreements as (
    select
        a.helper_kind,
        a.helper_id,
        a.target_kind,
        a.target_id,
        a.start_on,
        a.end_on,
        row_number() over (
            partition by a.agreement_id
            order by a.period desc, a.city_code asc, a.row_number asc
        ) as recency
    from clean_agreements as a
    inner join submission as s
        on a.submission_id = s.submission_id
        and s.status in ('accepted', 'accepted_with_errors')
    where a.period between :first_period and :last_period
),

active as (
    select
        helper_kind,
        helper_id,
        target_kind,
        target_id
    from agreements
    where
        recency = 1
        and start_on <= :last_day
        and end_on >= :first_day
),

final as (
    select
        helper_kind as subject_kind,
        helper_id as subject_id,
        count(*) as agreements,
        count(distinct case when target_kind = 'village' then target_id end) as villages,
        count(distinct case when target_kind = 'household' then target_id end) as households
    from active
    group by helper_kind, helper_id
)

select * from final
