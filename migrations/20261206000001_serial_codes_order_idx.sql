-- no-transaction
-- Indexes found missing by the plan audit (tests/api/plans.rs, docs/performance.md, twelfth
-- part), each built CONCURRENTLY so that writes go on during the build on a database in use;
-- one per migration, outside a transaction (PostgreSQL refuses CONCURRENTLY in one). If a build
-- is interrupted, PostgreSQL leaves the index INVALID and the next `migrate` fails on its name:
-- drop it (DROP INDEX CONCURRENTLY <name>) and migrate again.
--
-- An order's serial numbers (store::orders: a cancellation or shipment closes them, the order
-- results count them): read every serial number ever recorded.
CREATE INDEX CONCURRENTLY serial_codes_order_idx ON serial_codes (order_id);
