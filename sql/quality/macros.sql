{#
  Shared fragments of the warehouse checks (Jinja macros).

  clean_rows(tables, keys): the CTE clean_rows, one line per clean table, city, period (and each
  column of keys) with how many rows (n), over the rows of clean_<sheet> (alias r) that the
  caller's block keeps: a join, and a where clause when it needs one. Called as
  {% call macros.clean_rows(clean_tables) %}inner join ...{% endcall %}.
#}
{% macro clean_rows(tables, keys=()) -%}
clean_rows as (
{% for table in tables %}
    select
        '{{ table }}' as table_name,
        r.city_code,
        r.period,
{% for key in keys %}
        r.{{ key }},
{% endfor %}
        count(*) as n
    from {{ table }} as r
    {{ caller() }}
    group by r.city_code, r.period{% for key in keys %}, r.{{ key }}{% endfor %}

{% if not loop.last %}
    union all
{% endif %}
{% else %}
{{ fail('clean_rows: no clean table to check') }}
{% endfor %}
)
{%- endmacro %}
