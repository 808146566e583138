-- Dialects over one core: identities speak a dialect (and Qimen/OMS ones carry an app key),
-- the outbox holds typed domain events rendered at delivery, and a push a dialect has no
-- message for is settled as skipped.

ALTER TABLE clients
    ADD COLUMN dialect TEXT NOT NULL DEFAULT 'hongxun',
    ADD COLUMN app_key TEXT,
    ADD COLUMN customer_id TEXT,
    ADD CONSTRAINT clients_dialect_check CHECK (dialect IN ('hongxun', 'qimen', 'oms', 'tms')),
    ADD CONSTRAINT clients_app_key_check CHECK (dialect NOT IN ('qimen', 'oms') OR app_key IS NOT NULL);
-- A Qimen call names its identity by (app_key, customerId); the TOP router by app_key alone.
CREATE UNIQUE INDEX clients_qimen_key ON clients (app_key, COALESCE(customer_id, '')) WHERE dialect = 'qimen';
CREATE UNIQUE INDEX clients_oms_key ON clients (app_key) WHERE dialect = 'oms';

ALTER TABLE push_outbox DROP CONSTRAINT push_outbox_status_check;
ALTER TABLE push_outbox ADD CONSTRAINT push_outbox_status_check
    CHECK (status IN ('pending', 'delivered', 'dead', 'skipped'));

-- Pushes written before events were typed keep their §6 type and payload.
UPDATE push_outbox
   SET payload = jsonb_build_object('event', 'legacy', 'eventType', event_type, 'payload', payload),
       event_type = 'legacy'
 WHERE NOT payload ? 'event';
