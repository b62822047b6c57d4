-- A period's published rows are replaced as a whole (idempotent recomputation).
delete from indicator_value
where period = :period;
