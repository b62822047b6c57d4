-- Counts can never be negative: the stocks of clean_counties and clean_villages (and the
-- counties' month flows, also counts by contract). One line per table, city, period and column
-- holding a negative value, with how many rows hold one.
{% set checked = {
    'clean_counties': [
        'expert_stations', 'science_caravans', 'museum_tours', 'school_museums',
        'consulting_reports', 'county_federations', 'youth_participants', 'pairing_projects',
        'pairing_workers', 'pairing_talents', 'pairing_funds',
    ],
    'clean_villages': ['associations', 'business_entities'],
} %}
with negatives as (
    {% for table, columns in checked.items() %}
        {% set outer = loop %}
        {% for column in columns %}
            select
                '{{ table }}' as table_name,
                city_code,
                period,
                '{{ column }}' as column_name,
                count(*) as n
            from {{ table }}
            where {{ column }} < 0
            group by city_code, period
            {% if not (loop.last and outer.last) %}
                union all
            {% endif %}
        {% endfor %}
    {% endfor %}
),

final as (
    select
        table_name,
        city_code,
        period,
        column_name,
        n
    from negatives
)

select * from final
order by table_name, city_code, period, column_name;
