-- Working rows of a period are rebuilt from scratch on every computation (idempotent).
delete from indicator_stage
where period = :period;
