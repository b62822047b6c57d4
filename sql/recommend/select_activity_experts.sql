-- The year's activities that name experts, from the current accepted versions. An activity is
-- (city, month, activity id): ids are only unique within one file. The ";"-joined expert ids are
-- split by the caller (splitting text is not portable SQL).
with final as (
    select
        a.city_code,
        a.period,
        a.activity_id,
        a.expert_ids
    from clean_activities as a
    inner join submission as s
        on a.submission_id = s.submission_id
        and s.status in ('accepted', 'accepted_with_errors')
    where
        a.period between :first_period and :last_period
        and a.expert_ids is not null
)

select * from final
