{% import 'macros/binds.sql' as binds with context %}
-- Every organization of the eligible types listed in the current accepted versions of the year's
-- months, once: the row of the latest month that lists it (then city code, then row number).
-- Its county is the first six digits of its location code (6, 9 or 12 digits).
with listed as (
    select
        o.org_id as subject_id,
        o.name as display_name,
        o.org_type as category,
        substr(o.location_code, 1, 6) as county_code,
        o.city_code,
        o.registered_on as filed_on,
        row_number() over (
            partition by o.org_id
            order by o.period desc, o.city_code asc, o.row_number asc
        ) as recency
    from clean_organizations as o
    inner join submission as s
        on o.submission_id = s.submission_id
        and s.status in ('accepted', 'accepted_with_errors')
    where o.period between :first_period and :last_period
),

final as (
    select
        l.subject_id,
        l.display_name,
        l.category,
        cast(null as varchar(16)) as specialty,
        l.county_code,
        l.city_code,
        l.filed_on
    from listed as l
    where l.recency = 1 and l.category {{ binds.in_list('org_types') }}
)

select * from final
order by subject_id
