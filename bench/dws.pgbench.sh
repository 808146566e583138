#!/usr/bin/env bash
# Writes the pgbench script for one DWS call of N scans: the statement the gateway runs, one
# round trip (#21): store::dws_one_statement::receive (the candidate packages read, matched and
# judged, the packages locked in id order, the scans stored with their matches, the packages
# measured, the replay key with the answer).
#   usage: dws.pgbench.sh N
n="$1"
echo '\set n random(1, 2000000000)'
# Barcodes ascend within a call (block k of 10000/n), as the gateway stores them sorted.
w=$((10000 / n))
for k in $(seq 1 "$n"); do
  echo "\\set b$k random($(( (k - 1) * w + 1 )), $(( k * w )))"
  echo "\\set t$k random(1, 2000000000)"
done
list() { local out="" k; for k in $(seq 1 "$n"); do out+="${out:+, }$(printf "$1" "$k")"; done; echo "$out"; }
barcodes="ARRAY[$(list "'WB' || lpad(:b%s::text, 6, '0')")]::text[]"
times="ARRAY[$(list "to_timestamp(:t%s)")]::timestamptz[]"
same() { local out="" k; for k in $(seq 1 "$n"); do out+="${out:+, }$1"; done; echo "ARRAY[$out]::$2[]"; }
cat <<SQL
-- The scans' arrays go in as parameters, as the gateway binds them: written into the statement,
-- their length would be known at planning, and 50 barcodes planned a sequential scan of
-- packages (10,000 rows) per call where the gateway's generic plan reads the index.
SELECT upper(md5('dws' || :client_id || '-' || :n || random())) AS sign, ($barcodes)::text AS barcodes,
       ($times)::text AS times, $(same 1.1 numeric)::text AS w, $(same 30 numeric)::text AS l,
       $(same 20 numeric)::text AS wd, $(same 10 numeric)::text AS h, $(same NULL numeric)::text AS v,
       $(same 1.1 float8)::text AS m \\gset
WITH prior AS (
       SELECT outcome FROM replay_keys WHERE client_id = :dws_client AND endpoint = '/dtc/device/dws' AND sign = :sign),
     go AS (SELECT NOT EXISTS (SELECT 1 FROM prior) AS go),
     s AS (
       SELECT * FROM UNNEST(:barcodes::text[], :w::numeric[], :l::numeric[], :wd::numeric[], :h::numeric[],
                            :v::numeric[], :times::timestamptz[], :m::float8[])
           WITH ORDINALITY AS s(barcode, w, l, wd, h, v, t, m, i)),
     cand AS (
       SELECT x.barcode, x.by_waybill, p.id, o.order_code, p.weight_kg
         FROM (SELECT u.b AS barcode, q.id, true AS by_waybill
                 FROM (SELECT DISTINCT barcode FROM s) u(b) JOIN packages q ON q.waybill_no = u.b
               UNION ALL
               SELECT u.b, q.id, false
                 FROM (SELECT DISTINCT barcode FROM s) u(b) JOIN packages q ON q.package_no = u.b) x
         JOIN packages p ON p.id = x.id
         CROSS JOIN LATERAL (SELECT o.order_code, o.tenant FROM orders o
                              WHERE o.id = p.order_id OFFSET 0) o
        WHERE hxgw_is_sandbox(o.tenant) = false),
     pick AS (
       SELECT barcode, count(DISTINCT id) AS n, min(id) AS id
         FROM (SELECT c.*, bool_or(c.by_waybill) OVER (PARTITION BY c.barcode) AS any_waybill FROM cand c) c
        WHERE by_waybill OR NOT any_waybill
        GROUP BY barcode),
     judged AS (
       SELECT s.*, k.id AS package, COALESCE(k.n > 1, false) AS ambiguous, k.order_code,
              CASE WHEN k.id IS NULL THEN CASE WHEN COALESCE(k.n, 0) = 0 THEN 'NO_PACKAGE' ELSE 'AMBIGUOUS' END END AS reason,
              CASE WHEN k.e > 0 THEN
                  (CASE WHEN k.x - trunc(k.x) = 0.5::float8 THEN trunc(k.x) + 1
                        WHEN k.x - trunc(k.x) = -0.5::float8 THEN trunc(k.x) - 1
                        ELSE round(k.x) END) / 10000::float8
              END AS shown
         FROM s
         LEFT JOIN LATERAL (
               SELECT q.n, CASE WHEN q.n = 1 THEN q.id END AS id, c.order_code,
                      c.weight_kg::float8 AS e, CASE WHEN c.weight_kg > 0 THEN (s.m - c.weight_kg::float8) / c.weight_kg::float8 * 10000::float8 END AS x
                 FROM pick q LEFT JOIN cand c ON q.n = 1 AND c.id = q.id AND c.barcode = q.barcode
                WHERE q.barcode = s.barcode
                LIMIT 1) k ON true),
     j AS (
       SELECT judged.*, CASE WHEN package IS NULL THEN NULL ELSE order_code END AS shown_order,
              CASE WHEN package IS NULL THEN NULL ELSE shown END AS deviation,
              package IS NOT NULL AND shown IS NOT NULL AND abs(shown) > 0.1::float8 AS flagged
         FROM judged),
     locked AS (
       SELECT id FROM packages WHERE (SELECT go FROM go) AND id IN (SELECT package FROM j WHERE package IS NOT NULL)
        ORDER BY id FOR UPDATE),
     ins AS (
       INSERT INTO dws_scans (client_id, device_code, barcode, weight_kg, length_cm, width_cm, height_cm, volume_cm3,
              scan_time, package_id, match_status)
       SELECT :dws_client, 'PGLINE', j.barcode, j.w, j.l, j.wd, j.h, j.v, j.t, j.package,
              CASE WHEN j.package IS NOT NULL THEN 'MATCHED' WHEN j.ambiguous THEN 'AMBIGUOUS' ELSE 'UNMATCHED' END
         FROM j, go, (SELECT count(*) AS n FROM locked) k
        WHERE go.go
        ORDER BY j.barcode, j.i
       ON CONFLICT ON CONSTRAINT dws_scans_key DO NOTHING
       RETURNING id, barcode, scan_time, weight_kg, length_cm, width_cm, height_cm, volume_cm3, package_id),
     placed AS (
       SELECT DISTINCT ON (n.id) n.*, j.deviation, j.flagged, j.i
         FROM ins n JOIN j ON j.barcode = n.barcode AND j.t = n.scan_time ORDER BY n.id, j.i),
     latest AS (
       SELECT DISTINCT ON (package_id) * FROM placed WHERE package_id IS NOT NULL ORDER BY package_id, scan_time DESC, id DESC),
     measured AS (
       UPDATE packages k SET measured_weight_kg = l.weight_kg, measured_length_cm = l.length_cm,
              measured_width_cm = l.width_cm, measured_height_cm = l.height_cm,
              measured_volume_cm3 = l.volume_cm3, measured_at = l.scan_time,
              weight_deviation = round(l.deviation::numeric, 4), weight_flagged = l.flagged
         FROM latest l WHERE k.id = l.package_id
       RETURNING k.id),
     answer AS (
       SELECT jsonb_agg(jsonb_build_object('barcode', j.barcode, 'matched', j.package IS NOT NULL, 'reason', j.reason,
                  'order_code', j.shown_order, 'weight_deviation', j.deviation, 'flagged', j.flagged,
                  'duplicate', NOT EXISTS (SELECT 1 FROM placed p WHERE p.i = j.i)) ORDER BY j.i) AS results
         FROM j),
     claimed AS (
       INSERT INTO replay_keys (client_id, sign, endpoint, outcome)
       SELECT :dws_client, :sign, '/dtc/device/dws', a.results FROM answer a, go WHERE go.go
       RETURNING 1 AS one)
SELECT (SELECT outcome FROM prior), (SELECT results FROM answer),
       (SELECT count(*) FROM measured) + (SELECT count(*) FROM claimed);
SQL
