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

clean_rows as (
{% for table in clean_tables %}
    select
        '{{ table }}' as table_name,
        r.city_code,
        r.period,
        r.submission_id,
        count(*) as n
    from {{ table }} as r
    left join current_versions as c
        on c.submission_id = r.submission_id
        and c.city_code = r.city_code
        and c.period = r.period
    where c.submission_id is null
    group by r.city_code, r.period, r.submission_id
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
        submission_id,
        n
    from clean_rows
)

select
    table_name,
    city_code,
    period,
    submission_id,
    n
from final
order by table_name, city_code, period, submission_id;
