-- A console session belongs to the ops token it signed in with, by id: a token deleted and made
-- again under the same name does not revive its sessions. Sessions from before are ended.
DELETE FROM console_sessions;
ALTER TABLE console_sessions
    ADD COLUMN token_id bigint NOT NULL REFERENCES ops_tokens (id) ON DELETE CASCADE;
