-- Findings of the month per city, rule and severity, over the versions that still speak for the
-- month (the current accepted version and refused ones; superseded versions are history).
with versions as (
    select
        submission_id,
        city_code
    from submission
    where period = :period and city_code is not null and status <> 'superseded'
),

issues as (
    select
        versions.city_code,
        dq_issue.rule,
        dq_issue.severity
    from dq_issue
    inner join versions on dq_issue.submission_id = versions.submission_id
),

final as (
    select
        city_code,
        severity,
        rule,
        count(*) as issues
    from issues
    group by city_code, severity, rule
)

select * from final
order by city_code, severity, rule;
