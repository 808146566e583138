-- Every change to an identity tells the gateways to forget the identities they keep in
-- memory (auth::cache). Per statement: one notification however many rows changed; the
-- notification is delivered when the changing transaction commits.
CREATE FUNCTION notify_clients_changed() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    PERFORM pg_notify('hxgw_clients', '');
    RETURN NULL;
END;
$$;

CREATE TRIGGER clients_changed
    AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE ON clients
    FOR EACH STATEMENT EXECUTE FUNCTION notify_clients_changed();
