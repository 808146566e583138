-- The statement the gateway runs for one product sync of 100 products
-- (src/store/product_sync.rs, upsert_products, one implicit transaction: the replay key with its
-- outcome, the new products, the changed ones), its text as the store has it, with the 19 column
-- arrays bound as parameters as the gateway binds them (read in the first query). The 100
-- codes are one random block of 10,000, as in the gateway's bodies, with their fields (name,
-- bar code, unit, gross weight, a new price; the rest null). Until 2026-12-06 this was a
-- five-column version that built its rows in SQL: it left out the arrays' input and the other
-- columns' merge. The statements before #21 are in bench/baseline/product_sync.pgbench.sql.
\set blk random(0, 99)
\set v random(0, 63)
\set n random(1, 2000000000)
-- The arrays are made once by bench/run.sh (bench_product_blocks, bench_product_prices): built
-- here per call they would add 220 µs of PostgreSQL work that the gateway does not do.
SELECT upper(md5('prod' || :client_id || '-' || :n || random())) AS sign, b.codes, b.names, b.bars,
       b.units, b.gws, b.nulls, p.prices
  FROM bench_product_blocks b, bench_product_prices p WHERE b.blk = :blk AND p.v = :v \gset
WITH prior AS (
       SELECT outcome FROM replay_keys
        WHERE '/dtc/base/product'::text IS NOT NULL AND client_id = :pg_client AND endpoint = '/dtc/base/product' AND sign = :sign),
   go AS (SELECT NOT EXISTS (SELECT 1 FROM prior) AS go),
   u AS (
       SELECT * FROM UNNEST(:codes::text[], :names::text[], :bars::text[], :nulls::text[], :units::text[], :nulls::text[],
                            :nulls::text[], :nulls::int4[], :nulls::bool[], :nulls::bool[], :nulls::numeric[],
                            :nulls::numeric[], :nulls::numeric[], :nulls::numeric[], :gws::numeric[],
                            :nulls::numeric[], :prices::numeric[], :nulls::text[], :nulls::text[])
         AS u(item_code, item_name, bar_code, specification, unit, category, brand,
              shelf_life_days, batch_managed, serial_managed, length_cm, width_cm, height_cm,
              volume_cm3, gross_weight_kg, net_weight_kg, price, status, remark)),
   merged AS (
       SELECT o.id, u.item_name,
              COALESCE(u.bar_code, o.bar_code) AS bar_code,
              COALESCE(u.specification, o.specification) AS specification,
              COALESCE(u.unit, o.unit) AS unit,
              COALESCE(u.category, o.category) AS category,
              COALESCE(u.brand, o.brand) AS brand,
              COALESCE(u.shelf_life_days, o.shelf_life_days) AS shelf_life_days,
              COALESCE(u.batch_managed, o.batch_managed) AS batch_managed,
              COALESCE(u.serial_managed, o.serial_managed) AS serial_managed,
              COALESCE(u.length_cm, o.length_cm) AS length_cm,
              COALESCE(u.width_cm, o.width_cm) AS width_cm,
              COALESCE(u.height_cm, o.height_cm) AS height_cm,
              COALESCE(u.volume_cm3, o.volume_cm3) AS volume_cm3,
              COALESCE(u.gross_weight_kg, o.gross_weight_kg) AS gross_weight_kg,
              COALESCE(u.net_weight_kg, o.net_weight_kg) AS net_weight_kg,
              COALESCE(u.price, o.price) AS price,
              COALESCE(u.status, o.status) AS status,
              COALESCE(u.remark, o.remark) AS remark,
              (o.item_name, o.bar_code, o.specification, o.unit, o.category, o.brand,
               o.shelf_life_days, o.batch_managed, o.serial_managed, o.length_cm, o.width_cm,
               o.height_cm, o.volume_cm3, o.gross_weight_kg, o.net_weight_kg, o.price, o.status,
               o.remark) AS was
         FROM u JOIN products o ON o.tenant = 'PGBENCH' AND o.item_code = u.item_code),
   ins AS (
       INSERT INTO products (tenant, item_code, item_name, bar_code, specification, unit, category,
              brand, shelf_life_days, batch_managed, serial_managed, length_cm, width_cm, height_cm,
              volume_cm3, gross_weight_kg, net_weight_kg, price, status, remark)
       SELECT 'PGBENCH', u.item_code, u.item_name, u.bar_code, u.specification, u.unit, u.category, u.brand,
              u.shelf_life_days, COALESCE(u.batch_managed, false), COALESCE(u.serial_managed, false),
              u.length_cm, u.width_cm, u.height_cm, u.volume_cm3, u.gross_weight_kg, u.net_weight_kg,
              u.price, COALESCE(u.status, 'ENABLED'), u.remark
         FROM u, go
        WHERE go.go AND NOT EXISTS (SELECT 1 FROM products o WHERE o.tenant = 'PGBENCH' AND o.item_code = u.item_code)
       RETURNING 1 AS one),
   upd AS (
       UPDATE products p SET
              item_name = m.item_name, bar_code = m.bar_code, specification = m.specification,
              unit = m.unit, category = m.category, brand = m.brand, shelf_life_days = m.shelf_life_days,
              batch_managed = m.batch_managed, serial_managed = m.serial_managed,
              length_cm = m.length_cm, width_cm = m.width_cm, height_cm = m.height_cm,
              volume_cm3 = m.volume_cm3, gross_weight_kg = m.gross_weight_kg,
              net_weight_kg = m.net_weight_kg, price = m.price, status = m.status, remark = m.remark
         FROM merged m, go
        WHERE go.go AND p.id = m.id
          AND m.was IS DISTINCT FROM
              (m.item_name, m.bar_code, m.specification, m.unit, m.category, m.brand, m.shelf_life_days,
               m.batch_managed, m.serial_managed, m.length_cm, m.width_cm, m.height_cm, m.volume_cm3,
               m.gross_weight_kg, m.net_weight_kg, m.price, m.status, m.remark)
       RETURNING 1 AS one),
   claimed AS (
       INSERT INTO replay_keys (client_id, sign, endpoint, outcome)
       SELECT :pg_client, :sign, '/dtc/base/product',
              jsonb_build_object('created', (SELECT count(*) FROM ins), 'updated', (SELECT count(*) FROM upd),
                                 'unchanged', 100::int8 - (SELECT count(*) FROM ins) - (SELECT count(*) FROM upd))
         FROM go WHERE go.go AND '/dtc/base/product'::text IS NOT NULL
       RETURNING 1 AS one)
   SELECT (SELECT outcome FROM prior) AS prior, (SELECT count(*) FROM ins) AS "created!",
          (SELECT count(*) FROM upd) AS "updated!", (SELECT count(*) FROM claimed) AS "claimed!";
