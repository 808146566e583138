-- no-transaction
-- (balance_id, id) serves everything (balance_id) did (20261206000003).
DROP INDEX CONCURRENTLY IF EXISTS inventory_movements_balance_idx;
