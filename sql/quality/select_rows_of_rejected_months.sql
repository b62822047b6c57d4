{% import "quality/macros.sql" as macros %}
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

{% call macros.clean_rows(clean_tables) %}
inner join months as m
        on
            r.city_code = m.city_code
            and r.period = m.period
{%- endcall %},

final as (
    select
        table_name,
        city_code,
        period,
        n
    from clean_rows
)

select * from final
order by table_name, city_code, period;
