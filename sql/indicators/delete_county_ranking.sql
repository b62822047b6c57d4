-- A period's ranking is replaced as a whole (idempotent recomputation).
delete from county_ranking
where period = :period;
