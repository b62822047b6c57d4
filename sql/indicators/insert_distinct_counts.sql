{% import 'indicators/macros.sql' as macros %}
-- Distinct counts (experts engaged): recounted at every level rather than summed, because the
-- same id listed in two cities' files is one expert for the province. County rows come from each
-- county's latest accepted snapshot; a city or province is carried forward when all its counties
-- with data are, and has no data when none of its counties has.
insert into indicator_stage (
    {{ macros.stage_columns() }}
)
with {{ macros.source_ctes() }},

city_flags as (
    select
        city_code,
        max(has_data) as has_data,
        coalesce(min(case when has_data = 1 then carried_forward end), 0) as carried_forward
    from county_source
    group by city_code
),

province_flags as (
    select
        max(has_data) as has_data,
        coalesce(min(case when has_data = 1 then carried_forward end), 0) as carried_forward
    from county_source
),
{% for ind in indicators %}

    items_{{ loop.index }} as (
        select distinct
            s.county_code,
            s.city_code,
            r.{{ ind.column }} as item
        from {{ macros.source_rows('clean_' ~ ind.sheet) }}
        {{ macros.county_join(ind.sheet) }}
        inner join county_source as s
            on m.county_code = s.county_code
            and r.city_code = s.source_city_code
            and r.period = s.source_period
        where r.{{ ind.column }} is not null and {{ ind.where }}
    ),

    county_counts_{{ loop.index }} as (
        select
            county_code,
            count(distinct item) as n
        from items_{{ loop.index }}
        group by county_code
    ),

    city_counts_{{ loop.index }} as (
        select
            city_code,
            count(distinct item) as n
        from items_{{ loop.index }}
        group by city_code
    ),

    province_count_{{ loop.index }} as (
        select count(distinct item) as n
        from items_{{ loop.index }}
    ),
{% endfor %}

counts as (
    {% for ind in indicators %}
        select
            '{{ ind.code }}' as indicator,
            'county' as level,
            s.county_code as org_code,
            s.city_code,
            s.has_data,
            s.carried_forward,
            s.source_period,
            coalesce(c.n, 0) as n
        from county_source as s
        left join county_counts_{{ loop.index }} as c on s.county_code = c.county_code

        union all

        select
            '{{ ind.code }}' as indicator,
            'city' as level,
            g.city_code as org_code,
            g.city_code,
            g.has_data,
            g.carried_forward,
            cast(null as varchar(7)) as source_period,
            coalesce(c.n, 0) as n
        from city_flags as g
        left join city_counts_{{ loop.index }} as c on g.city_code = c.city_code

        union all

        select
            '{{ ind.code }}' as indicator,
            'province' as level,
            cast(:province_code as varchar(6)) as org_code,
            cast(null as varchar(6)) as city_code,
            g.has_data,
            g.carried_forward,
            cast(null as varchar(7)) as source_period,
            c.n
        from province_flags as g
        cross join province_count_{{ loop.index }} as c
        {% if not loop.last %}

            union all

        {% endif %}
    {% endfor %}
),

final as (
    select
        cast(:period as varchar(7)) as period,
        indicator,
        cast(level as varchar(8)) as level,
        org_code,
        city_code,
        cast('none' as varchar(20)) as rollup,
        case when has_data = 1 then cast(n as double precision) end as numerator,
        cast(null as double precision) as denominator,
        case when has_data = 1 then cast(n as double precision) end as value,
        coalesce(has_data, 0) as has_data,
        coalesce(carried_forward, 0) as carried_forward,
        source_period,
        cast(null as integer) as months_accepted,
        cast(null as integer) as months_expected
    from counts
)

select * from final;
