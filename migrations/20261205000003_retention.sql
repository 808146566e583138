-- Retention (config [retention]) deletes in small batches, oldest first; these indexes let each
-- batch find its rows without scanning the table.
CREATE INDEX push_attempts_created_idx ON push_attempts (created_at);
CREATE INDEX push_outbox_settled_idx ON push_outbox (updated_at) WHERE status IN ('delivered', 'skipped');
CREATE INDEX sign_images_unlinked_created_idx ON sign_images (created_at) WHERE order_id IS NULL;
CREATE INDEX routes_unlinked_created_idx ON routes (created_at) WHERE order_id IS NULL;
