{% import 'indicators/macros.sql' as macros %}
-- Stock indicators measured on each county's latest accepted snapshot (count_sum, has_one, and
-- shares whose population is a snapshot sheet such as townships). Each sheet is read once for
-- every term on it, only in the (city, month) files the sources point to. Counties without any
-- accepted version get a row with empty values (has_data = 0).
insert into indicator_stage (
    {{ macros.stage_columns() }}
)
with {{ macros.source_ctes() }},
{% for sheet in sheets %}

    rows_{{ sheet.name }} as (
        select
            s.county_code,
        {% for t in sheet.terms %}
            {{ t.value }} as {{ t.id }}{{ "," if not loop.last }}
        {% endfor %}
        from {{ macros.source_rows('clean_' ~ sheet.name) }}
        {{ macros.county_join(sheet.name) }}
        inner join county_source as s
            on m.county_code = s.county_code
            and r.city_code = s.source_city_code
            and r.period = s.source_period
    ),

    sums_{{ sheet.name }} as (
        select
            county_code,
        {% for t in sheet.terms %}
            sum({{ t.id }}) as {{ t.id }}{{ "," if not loop.last }}
        {% endfor %}
        from rows_{{ sheet.name }}
        group by county_code
    ),
{% endfor %}

{{ macros.stock_facts() }},

{{ macros.measures(parts) }},

{{ macros.by_indicator(indicators) }},

{{ macros.county_final() }}

select * from final;
