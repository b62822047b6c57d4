-- A (city, period) whose every version was refused has nothing loaded: no clean rows may exist
-- for it. One line per table, city and period that still has rows, with how many.
-- Rendered with clean_tables = the clean_<sheet> table names of the schema.
with months as (
    select
        city_code,
        period
    from submission
    where city_code is not null and period is not null
    group by city_code, period
    having sum(case when status = 'rejected' then 0 else 1 end) = 0
),

clean_rows as (
{% for table in clean_tables %}
    select
        '{{ table }}' as table_name,
        r.city_code,
        r.period,
        count(*) as n
    from {{ table }} as r
    inner join months as m
        on m.city_code = r.city_code
        and m.period = r.period
    group by r.city_code, r.period
{% if not loop.last %}
    union all
{% endif %}
{% endfor %}
),

final as (
    select
        table_name,
        city_code,
        period,
        n
    from clean_rows
)

select
    table_name,
    city_code,
    period,
    n
from final
order by table_name, city_code, period;
