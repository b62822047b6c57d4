{% import 'recommend/macros.sql' as macros %}
-- How many agreements each helper has in force (status active) in each city's latest accepted
-- snapshot: the pairing prefers helpers with fewer.
with {{ macros.latest_files() }},

final as (
    select
        a.helper_kind as subject_kind,
        a.helper_id as subject_id,
        count(distinct a.agreement_id) as active_agreements
    from latest_files as f
    inner join clean_agreements as a
        on f.city_code = a.city_code
        and f.period = a.period
    where a.status = 'active'
    group by a.helper_kind, a.helper_id
)

select * from final
