-- no-transaction
-- The sandbox's driver looks for open slips every tick: a scan of every tenant's slips. Built as
-- 20261206000001 says.
CREATE INDEX CONCURRENTLY slips_open_idx ON slips (id) WHERE state IN ('PENDING', 'IN_PROGRESS');
