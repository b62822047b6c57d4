-- The poverty office register in force in a month: the latest accepted register dated on or
-- before the month's last day (compared as "before the next month's first day").
with accepted as (
    select register_date
    from register_version
    where status = 'accepted' and register_date < :next_day
),

final as (
    select max(register_date) as register_date
    from accepted
)

select * from final;
