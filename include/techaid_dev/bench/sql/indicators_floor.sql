-- The DuckDB floor of the indicator bench (techaid.bench.indicators), DuckDB dialect.
--
-- The county values of one month ($period) for every county-level indicator of the catalogue
-- except the reporting rate (first computed per city, from the submission table), written by
-- hand for DuckDB with the semantics of sql/indicators/: each county's source month (its latest
-- month up to the period with accepted rows, under any code of its lineage), the register in
-- force, the one-product flag of the latest submission listing a village, units left out of a
-- snapshot counting 0 in the numerators, flows summed from $program_start. It reads the same
-- clean and register rows, exported to Parquet (views of the same names), and the period's
-- county code map the engine wrote (hierarchy configuration, not data).
--
-- Hand-written for this one catalogue: what DuckDB needs at the least to produce the same
-- figures, not a second engine. The bench times these statements together.

create or replace temp table fl_map as
select
    code,
    county_code,
    city_code
from county_map
where period = $period;

create or replace temp table fl_source as
with held as (
    select
        m.county_code,
        c.city_code as source_city_code,
        c.period as source_period,
        row_number() over (
            partition by m.county_code order by c.period desc, c.city_code
        ) as recency
    from clean_counties as c
    inner join fl_map as m on m.code = c.county_code
    where c.period <= $period
),

counties as (
    select distinct
        county_code,
        city_code
    from fl_map
)

select
    k.county_code,
    k.city_code,
    h.source_city_code,
    h.source_period,
    last_day(cast(h.source_period || '-01' as date)) as as_of,
    case when h.source_period is null then 0 else 1 end as has_data
from counties as k
left join held as h on h.county_code = k.county_code and h.recency = 1;

create or replace temp table fl_register_households as
select
    household_id,
    village_code,
    labor_capable
from register_households
where register_date = (
    select max(register_date)
    from register_version
    where status = 'accepted' and register_date <= last_day(cast($period || '-01' as date))
);

create or replace temp table fl_register_villages as
select village_code
from register_villages
where register_date = (
    select max(register_date)
    from register_version
    where status = 'accepted' and register_date <= last_day(cast($period || '-01' as date))
);

with counties_rows as (
    select
        s.county_code,
        r.*
    from clean_counties as r
    inner join fl_map as m on m.code = r.county_code
    inner join fl_source as s
        on s.county_code = m.county_code
        and s.source_city_code = r.city_code
        and s.source_period = r.period
),

townships_rows as (
    select
        s.county_code,
        r.*
    from clean_townships as r
    inner join fl_map as m on m.code = substr(r.township_code, 1, 6)
    inner join fl_source as s
        on s.county_code = m.county_code
        and s.source_city_code = r.city_code
        and s.source_period = r.period
),

villages_rows as (
    select
        s.county_code,
        m.county_code || substr(r.village_code, 7) as village_key,
        r.*
    from clean_villages as r
    inner join fl_map as m on m.code = substr(r.village_code, 1, 6)
    inner join fl_source as s
        on s.county_code = m.county_code
        and s.source_city_code = r.city_code
        and s.source_period = r.period
),

organizations_rows as (
    select
        s.county_code,
        r.org_type
    from clean_organizations as r
    inner join fl_map as m on m.code = substr(r.location_code, 1, 6)
    inner join fl_source as s
        on s.county_code = m.county_code
        and s.source_city_code = r.city_code
        and s.source_period = r.period
),

experts_rows as (
    select
        s.county_code,
        r.expert_id
    from clean_experts as r
    inner join fl_map as m on m.code = r.county_code
    inner join fl_source as s
        on s.county_code = m.county_code
        and s.source_city_code = r.city_code
        and s.source_period = r.period
    where r.expert_id is not null and r.registered_on <= s.as_of
),

agreements_rows as (
    select
        s.county_code,
        r.status,
        r.start_on,
        r.end_on,
        s.as_of
    from clean_agreements as r
    left join fl_register_households as rh
        on r.target_kind = 'household' and rh.household_id = r.target_id
    inner join fl_map as m
        on m.code = case
            when r.target_kind = 'village' then substr(r.target_id, 1, 6)
            else substr(rh.village_code, 1, 6)
        end
    inner join fl_source as s
        on s.county_code = m.county_code
        and s.source_city_code = r.city_code
        and s.source_period = r.period
),

county_sums as (
    select
        county_code,
        sum(coalesce(county_federations, 0)) as county_federations,
        sum(coalesce(expert_stations, 0)) as expert_stations,
        sum(coalesce(science_caravans, 0)) as science_caravans,
        sum(coalesce(museum_tours, 0)) as museum_tours,
        sum(coalesce(school_museums, 0)) as school_museums,
        sum(coalesce(consulting_reports, 0)) as consulting_reports
    from counties_rows
    group by county_code
),

township_counts as (
    select
        county_code,
        count(*) filter (where coalesce(federation, false)) as federated,
        count(*) filter (where coalesce(industry_base, false)) as eligible,
        count(*) filter (
            where coalesce(industry_base, false) and coalesce(federation, false)
        ) as with_federation,
        count(*) filter (
            where coalesce(industry_base, false) and industry is not null and trim(industry) <> ''
        ) as with_industry,
        count(*) filter (
            where coalesce(industry_base, false)
            and society_link is not null and trim(society_link) <> ''
        ) as with_society
    from townships_rows
    group by county_code
),

village_sums as (
    select
        county_code,
        sum(coalesce(associations, 0)) as associations
    from villages_rows
    group by county_code
),

organization_counts as (
    select
        county_code,
        count(*) filter (where org_type = 'association') as associations
    from organizations_rows
    group by county_code
),

agreement_counts as (
    select
        county_code,
        count(*) filter (
            where status = 'active' and start_on <= as_of and end_on >= as_of
        ) as active
    from agreements_rows
    group by county_code
),

expert_counts as (
    select
        county_code,
        count(distinct expert_id) as experts
    from experts_rows
    group by county_code
),

flows as (
    select
        m.county_code,
        sum(coalesce(r.youth_participants, 0)) as youth,
        sum(coalesce(r.pairing_funds, 0)) as funds
    from clean_counties as r
    inner join fl_map as m on m.code = r.county_code
    where r.period >= $program_start and r.period <= $period
    group by m.county_code
),

register_villages_keyed as (
    select
        m.county_code,
        m.county_code || substr(g.village_code, 7) as village_key
    from fl_register_villages as g
    inner join fl_map as m on m.code = substr(g.village_code, 1, 6)
),

latest_flags as (
    select
        m.county_code || substr(v.village_code, 7) as village_key,
        v.one_product
    from clean_villages as v
    inner join fl_map as m on m.code = substr(v.village_code, 1, 6)
    where v.period <= $period
    qualify row_number() over (
        partition by m.county_code || substr(v.village_code, 7) order by v.period desc
    ) = 1
),

village_counts as (
    select
        g.county_code,
        count(*) as poor,
        count(*) filter (where coalesce(sn.service_covered, false)) as covered,
        count(*) filter (where coalesce(lf.one_product, false)) as one_product,
        count(*) filter (
            where coalesce(lf.one_product, false) and sn.associations >= 1
        ) as with_association,
        count(*) filter (
            where coalesce(lf.one_product, false) and sn.business_entities >= 1
        ) as with_entity,
        count(*) filter (
            where coalesce(lf.one_product, false) and sn.brand is not null and trim(sn.brand) <> ''
        ) as with_brand,
        count(*) filter (
            where coalesce(lf.one_product, false) and coalesce(sn.e_station, false)
        ) as with_estation
    from register_villages_keyed as g
    left join latest_flags as lf on lf.village_key = g.village_key
    left join villages_rows as sn on sn.village_key = g.village_key
    group by g.county_code
),

household_denominators as (
    select
        m.county_code,
        count(*) filter (where coalesce(g.labor_capable, false)) as capable
    from fl_register_households as g
    inner join fl_map as m on m.code = substr(g.village_code, 1, 6)
    group by m.county_code
),

household_numerators as (
    select
        m.county_code,
        count(*) filter (where sn.techniques >= 1) as with_technique,
        count(*) filter (where sn.income_projects >= 1) as with_project
    from fl_register_households as g
    inner join fl_map as m on m.code = substr(g.village_code, 1, 6)
    inner join fl_source as s on s.county_code = m.county_code
    inner join clean_households as sn
        on sn.household_id = g.household_id
        and sn.city_code = s.source_city_code
        and sn.period = s.source_period
    where coalesce(g.labor_capable, false)
    group by m.county_code
),

wide as (
    select
        s.county_code,
        s.has_data,
        coalesce(c.county_federations, 0) + coalesce(t.federated, 0) as federations,
        coalesce(v.associations, 0) as associations,
        coalesce(e.experts, 0) as experts_engaged,
        coalesce(c.expert_stations, 0) as expert_stations,
        coalesce(c.science_caravans, 0) as science_caravans,
        coalesce(c.museum_tours, 0) as museum_tours,
        coalesce(c.school_museums, 0) as school_museums,
        coalesce(c.consulting_reports, 0) as consulting_reports,
        coalesce(v.associations, 0) + coalesce(o.associations, 0) as association_items,
        coalesce(a.active, 0) as agreements_active,
        coalesce(f.youth, 0) as youth,
        coalesce(f.funds, 0) as funds,
        t.eligible,
        t.with_federation,
        t.with_industry,
        t.with_society,
        coalesce(vc.poor, 0) as poor,
        coalesce(vc.covered, 0) as covered,
        coalesce(vc.one_product, 0) as one_product,
        coalesce(vc.with_association, 0) as with_association,
        coalesce(vc.with_entity, 0) as with_entity,
        coalesce(vc.with_brand, 0) as with_brand,
        coalesce(vc.with_estation, 0) as with_estation,
        coalesce(hd.capable, 0) as capable,
        coalesce(hn.with_technique, 0) as with_technique,
        coalesce(hn.with_project, 0) as with_project
    from fl_source as s
    left join county_sums as c on c.county_code = s.county_code
    left join township_counts as t on t.county_code = s.county_code
    left join village_sums as v on v.county_code = s.county_code
    left join organization_counts as o on o.county_code = s.county_code
    left join agreement_counts as a on a.county_code = s.county_code
    left join expert_counts as e on e.county_code = s.county_code
    left join flows as f on f.county_code = s.county_code
    left join village_counts as vc on vc.county_code = s.county_code
    left join household_denominators as hd on hd.county_code = s.county_code
    left join household_numerators as hn on hn.county_code = s.county_code
),

long as (
    select county_code, has_data, 'federations' as indicator, federations as num, null as den from wide
    union all
    select county_code, has_data, 'associations', associations, null from wide
    union all
    select county_code, has_data, 'experts_engaged', experts_engaged, null from wide
    union all
    select county_code, has_data, 'agreements_active', agreements_active, null from wide
    union all
    select county_code, has_data, 'youth_participation', youth, null from wide
    union all
    select county_code, has_data, 'pairing_funds', funds, null from wide
    union all
    select county_code, has_data, 'county_station', (expert_stations >= 1)::int, null from wide
    union all
    select county_code, has_data, 'county_caravan', (science_caravans >= 1)::int, null from wide
    union all
    select county_code, has_data, 'county_museum_tours', (museum_tours >= 2)::int, null from wide
    union all
    select county_code, has_data, 'county_school_museum', (school_museums >= 1)::int, null
    from wide
    union all
    select county_code, has_data, 'county_consulting', (consulting_reports >= 1)::int, null
    from wide
    union all
    select county_code, has_data, 'county_association', (association_items >= 1)::int, null
    from wide
    union all
    select county_code, has_data, 'township_federation', with_federation, eligible from wide
    union all
    select county_code, has_data, 'township_industry', with_industry, eligible from wide
    union all
    select county_code, has_data, 'township_society', with_society, eligible from wide
    union all
    select county_code, has_data, 'village_coverage', covered, poor from wide
    union all
    select county_code, has_data, 'village_association', with_association, one_product from wide
    union all
    select county_code, has_data, 'village_entity', with_entity, one_product from wide
    union all
    select county_code, has_data, 'village_brand', with_brand, one_product from wide
    union all
    select county_code, has_data, 'village_estation', with_estation, one_product from wide
    union all
    select county_code, has_data, 'household_skills', with_technique, capable from wide
    union all
    select county_code, has_data, 'household_projects', with_project, capable from wide
)

select
    indicator,
    county_code,
    cast(num as double) as numerator,
    cast(den as double) as denominator,
    case
        when den is null then cast(num as double)
        when den > 0 then cast(num as double) / den
    end as value
from long
where has_data = 1
order by indicator, county_code;
