{% import "quality/macros.sql" as macros %}
-- Clean rows that belong to no current version: every row of clean_<sheet> must carry the
-- submission_id of the accepted (or accepted with errors) version of its own (city, period).
-- One line per table, city, period and submission_id found, with how many rows it holds.
-- Rendered with clean_tables = the clean_<sheet> table names of the schema.
with current_versions as (
    select
        submission_id,
        city_code,
        period
    from submission
    where status in ('accepted', 'accepted_with_errors')
),

{% call macros.clean_rows(clean_tables, keys=["submission_id"]) %}
left join current_versions as c
        on
            r.submission_id = c.submission_id
            and r.city_code = c.city_code
            and r.period = c.period
    where c.submission_id is null
{%- endcall %},

final as (
    select
        table_name,
        city_code,
        period,
        submission_id,
        n
    from clean_rows
)

select * from final
order by table_name, city_code, period, submission_id;
