-- 3TMS access tokens are checked from memory too (auth::cache, #21): a change to a token (sign-in,
-- refresh, revocation, purge) or to an account says so on the identities' channel, and every
-- gateway listening forgets what it kept. Once per statement, delivered at commit.
CREATE TRIGGER tms_tokens_changed
    AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE ON tms_tokens
    FOR EACH STATEMENT EXECUTE FUNCTION notify_clients_changed();

CREATE TRIGGER tms_accounts_changed
    AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE ON tms_accounts
    FOR EACH STATEMENT EXECUTE FUNCTION notify_clients_changed();
