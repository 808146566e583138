-- The claim query takes each identity's earliest due pushes (up to its free delivery slots).
CREATE INDEX push_outbox_client_due_idx ON push_outbox (client_id, next_attempt_at, id) WHERE status = 'pending';
