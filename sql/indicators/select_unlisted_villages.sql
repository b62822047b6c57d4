{% import 'indicators/macros.sql' as macros %}
-- Poor villages of the register in force that a county's source snapshot leaves out: they count
-- 0 in every village numerator (and keep their last reported flags), so the office is warned.
-- One row per village left out, with the file (city, month) whose snapshot left it out.
with {{ macros.source_ctes() }},

register as (
    select
        m.county_code,
        g.village_code,
        g.village_name,
        m.county_code || substr(g.village_code, 7) as village_key
    from register_villages as g
    inner join county_map as m on m.code = substr(g.village_code, 1, 6)
    where g.register_date = :register_date
),

snapshot as (
    select
        r.city_code,
        r.period,
        m.county_code || substr(r.village_code, 7) as village_key
    from {{ macros.source_rows('clean_villages') }}
    inner join county_map as m on m.code = substr(r.village_code, 1, 6)
),

final as (
    select
        g.county_code,
        s.source_city_code,
        s.source_period,
        g.village_code,
        g.village_name
    from register as g
    inner join county_source as s on g.county_code = s.county_code
    left join snapshot as sn
        on g.village_key = sn.village_key
        and s.source_city_code = sn.city_code
        and s.source_period = sn.period
    where s.source_period is not null and sn.village_key is null
)

select * from final
order by county_code, village_code;
