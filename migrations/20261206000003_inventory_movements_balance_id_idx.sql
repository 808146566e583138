-- no-transaction
-- One balance's ledger, newest first (the console): the balance alone left the planner a choice
-- between all of the balance's movements and the whole ledger walked backwards; with the id the
-- page is one range of one index. It replaces (balance_id) (20261206000004). Built as
-- 20261206000001 says: every order's reservation writes this table.
CREATE INDEX CONCURRENTLY inventory_movements_balance_id_idx ON inventory_movements (balance_id, id);
