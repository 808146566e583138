-- Indexes found missing by the plan audit (tests/api/plans.rs, docs/performance.md, twelfth
-- part): each serves a statement that, on a database in use, read a whole table or every row of
-- one kind to find a handful.

-- An order's serial numbers (store::orders: a cancellation or shipment closes them, the order
-- results count them): read every serial number ever recorded.
CREATE INDEX serial_codes_order_idx ON serial_codes (order_id);

-- An order's sign-off images (its results and timeline): read every image row.
CREATE INDEX sign_images_order_idx ON sign_images (order_id) WHERE order_id IS NOT NULL;

-- One balance's ledger, newest first (the console): the balance alone left the planner a choice
-- between all of the balance's movements and the whole ledger walked backwards; with the id the
-- page is one range of one index.
CREATE INDEX inventory_movements_balance_id_idx ON inventory_movements (balance_id, id);
DROP INDEX inventory_movements_balance_idx;

-- The sandbox's driver looks for open slips every tick: a scan of every tenant's slips.
CREATE INDEX slips_open_idx ON slips (id) WHERE state IN ('PENDING', 'IN_PROGRESS');

-- Removing an ops token deletes its console sessions (ON DELETE CASCADE): without an index on
-- the reference, each removal reads every session (tests/api/plans.rs checks every foreign key
-- into a table the gateway deletes from).
CREATE INDEX console_sessions_token_idx ON console_sessions (token_id);
