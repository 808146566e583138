-- no-transaction
-- An order's sign-off images (its results and timeline): read every image row. Built as
-- 20261206000001 says.
CREATE INDEX CONCURRENTLY sign_images_order_idx ON sign_images (order_id) WHERE order_id IS NOT NULL;
