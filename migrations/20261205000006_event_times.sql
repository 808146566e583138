-- When a status change happened, where the event says so (a carrier's node time), as opposed to
-- when the gateway recorded it (created_at). NULL: the same as created_at.
ALTER TABLE order_events ADD COLUMN occurred_at timestamptz;
