{#
  Shared fragments of the pairing SQL (Jinja macros).

  latest_files(): each city's latest month, up to :period, with an accepted version: its
  snapshot sheets (experts, organizations, agreements, townships) describe the city as of that
  month, even when that month listed none of them.
#}
{% macro latest_files() -%}
latest_files as (
    select
        city_code,
        max(period) as period
    from submission
    where
        status in ('accepted', 'accepted_with_errors')
        and period <= :period
    group by city_code
)
{%- endmacro %}
