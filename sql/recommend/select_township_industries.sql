{% import 'recommend/macros.sql' as macros %}
-- The characteristic industries (特色产业, free text) of every township in each city's latest
-- accepted snapshot; the caller maps the county prefix along recodes.
with {{ macros.latest_files() }},

final as (
    select
        substr(t.township_code, 1, 6) as county_code,
        t.township_code,
        t.industry
    from latest_files as f
    inner join clean_townships as t
        on f.city_code = t.city_code
        and f.period = t.period
    where t.industry is not null and t.industry <> ''
)

select * from final
order by township_code
