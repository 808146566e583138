-- Failed password sign-ins (3TMS), shared by every gateway: one row per (user name, source
-- address), one per user name across addresses (source = '') and one per address across user
-- names (user_name = ''). A row that reaches its limit within its window is locked until
-- locked_until, and sign-ins it covers are refused before any password is hashed.
CREATE TABLE sign_in_failures (
    user_name    text NOT NULL,
    source       text NOT NULL,
    failures     integer NOT NULL,
    window_start timestamptz NOT NULL,
    locked_until timestamptz,
    PRIMARY KEY (user_name, source)
);
-- Housekeeping removes rows whose window and lock are both over.
CREATE INDEX sign_in_failures_window ON sign_in_failures (window_start);
