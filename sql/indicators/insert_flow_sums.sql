{% import 'indicators/macros.sql' as macros %}
-- Flows (what happened in a month) added up over every accepted month from the program start up
-- to the period. The clean tables hold only the current version of each (city, month), so a
-- correction replaces a month's figures instead of adding to them, and re-running never counts
-- twice. A month with no accepted submission adds nothing; nothing is carried forward, and it
-- lowers completeness: months the county has accepted rows for / months in the window (from the
-- program start, or the reporting start when later, to the period).
insert into indicator_stage (
    {{ macros.stage_columns() }}
)
with {{ macros.source_ctes() }},
{% for sheet in sheets %}

    sums_{{ sheet.name }} as (
        select
            m.county_code,
        {% for t in sheet.terms %}
            sum({{ t.value }}) as {{ t.id }}{{ "," if not loop.last }}
        {% endfor %}
        from clean_{{ sheet.name }} as r
        {{ macros.county_join(sheet.name) }}
        where r.period >= :program_start and r.period <= :period
        group by m.county_code
    ),
{% endfor %}

{{ macros.flow_facts() }},

{{ macros.measures(parts) }},

{{ macros.by_indicator(indicators) }},

{{ macros.county_final() }}

select * from final;
