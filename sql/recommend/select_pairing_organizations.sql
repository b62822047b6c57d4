{% import 'macros/binds.sql' as binds with context %}
{% import 'recommend/macros.sql' as macros %}
-- Organizations of the helping types a lagging county can be paired with: filed by the month's
-- last day, in each city's latest accepted snapshot; an id two cities list is taken once.
with {{ macros.latest_files() }},

listed as (
    select
        o.org_id as subject_id,
        o.name as display_name,
        o.org_type,
        substr(o.location_code, 1, 6) as county_code,
        o.city_code,
        o.registered_on as filed_on,
        row_number() over (
            partition by o.org_id
            order by o.period desc, o.city_code asc, o.row_number asc
        ) as recency
    from latest_files as f
    inner join clean_organizations as o
        on f.city_code = o.city_code
        and f.period = o.period
    where
        o.registered_on is not null
        and o.registered_on <= :last_day
        and o.org_type {{ binds.in_list('org_types') }}
),

final as (
    select
        subject_id,
        display_name,
        org_type,
        county_code,
        city_code,
        filed_on
    from listed
    where recency = 1
)

select * from final
