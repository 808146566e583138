-- no-transaction
-- Removing an ops token deletes its console sessions (ON DELETE CASCADE): without an index on
-- the reference, each removal reads every session (tests/api/plans.rs checks every foreign key
-- into a table the gateway deletes from). Built as 20261206000001 says.
CREATE INDEX CONCURRENTLY console_sessions_token_idx ON console_sessions (token_id);
