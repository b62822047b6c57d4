-- Subjects flagged for fabricated material (材料不实) in any evaluation, of any year, in the
-- current accepted versions: the flag disqualifies for good.
with final as (
    select distinct
        v.subject_kind,
        v.subject_id
    from clean_evaluations as v
    inner join submission as s
        on v.submission_id = s.submission_id
        and s.status in ('accepted', 'accepted_with_errors')
    where v.fabrication = :flagged
)

select * from final
