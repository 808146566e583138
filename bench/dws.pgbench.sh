#!/usr/bin/env bash
# Writes the pgbench script for one DWS call of N scans: the statements the gateway runs, one
# read and one write (#21): carrier::package_candidates, then dws_one_statement::receive (the
# candidates checked again, the packages locked in id order, the scans stored with their
# matches, the packages measured, the replay key with the answer). The digest the write compares
# with is the candidates' own here (the gateway sends what it read).
#   usage: dws.pgbench.sh N
n="$1"
echo '\set n random(1, 2000000000)'
# Barcodes ascend within a call (block k of 10000/n), as the gateway stores them sorted.
w=$((10000 / n))
for k in $(seq 1 "$n"); do
  echo "\\set b$k random($(( (k - 1) * w + 1 )), $(( k * w )))"
  echo "\\set t$k random(1, 2000000000)"
  echo "\\set p$k :pkg_base + :b$k"
done
list() { local out="" k; for k in $(seq 1 "$n"); do out+="${out:+, }$(printf "$1" "$k")"; done; echo "$out"; }
barcodes="ARRAY[$(list "'WB' || lpad(:b%s::text, 6, '0')")]::text[]"
times="ARRAY[$(list "to_timestamp(:t%s)")]::timestamptz[]"
packages="ARRAY[$(list ":p%s")]::int8[]"
same() { local out="" k; for k in $(seq 1 "$n"); do out+="${out:+, }$1"; done; echo "ARRAY[$out]::$2[]"; }
cat <<SQL
SELECT upper(md5('dws' || :client_id || '-' || :n || random())) AS sign \\gset
SELECT x.barcode, x.by_waybill, p.id, o.order_code, p.weight_kg
  FROM (SELECT u.b AS barcode, q.id, true AS by_waybill
          FROM UNNEST($barcodes) AS u(b) JOIN packages q ON q.waybill_no = u.b
        UNION ALL
        SELECT u.b, q.id, false
          FROM UNNEST($barcodes) AS u(b) JOIN packages q ON q.package_no = u.b) x
  JOIN packages p ON p.id = x.id
  JOIN orders o ON o.id = p.order_id
 WHERE hxgw_is_sandbox(o.tenant) = false
 ORDER BY p.id;
WITH prior AS (
       SELECT outcome FROM replay_keys WHERE client_id = :dws_client AND endpoint = '/dtc/device/dws' AND sign = :sign),
     cand AS (
       SELECT x.barcode || '|' || x.by_waybill::text || '|' || p.id::text || '|' || COALESCE(p.weight_kg::text, '') AS c
         FROM (SELECT u.b AS barcode, q.id, true AS by_waybill
                 FROM UNNEST($barcodes) AS u(b) JOIN packages q ON q.waybill_no = u.b
               UNION ALL
               SELECT u.b, q.id, false
                 FROM UNNEST($barcodes) AS u(b) JOIN packages q ON q.package_no = u.b) x
         JOIN packages p ON p.id = x.id
         JOIN orders o ON o.id = p.order_id
        WHERE hxgw_is_sandbox(o.tenant) = false),
     go AS (
       SELECT NOT EXISTS (SELECT 1 FROM prior)
              AND (ARRAY(SELECT c FROM cand ORDER BY c COLLATE "C") = ARRAY(SELECT c FROM cand ORDER BY c COLLATE "C")
                   OR hxgw_abort('DWS candidates changed') = 0) AS go),
     s AS (
       SELECT * FROM UNNEST($barcodes, $(same 1.1 numeric), $(same 30 numeric), $(same 20 numeric), $(same 10 numeric),
                            $(same NULL numeric), $times, $packages, $(same false bool), $(same 0.1 numeric),
                            $(same 0.1 float8), $(same false bool), $(same NULL text), $(same "'DWS-ORDER'" text))
           WITH ORDINALITY AS s(barcode, w, l, wd, h, v, t, package, ambiguous, deviation, shown, flagged, reason, order_code, i)),
     locked AS (
       SELECT id FROM packages WHERE (SELECT go FROM go) AND id IN (SELECT package FROM s WHERE package IS NOT NULL)
        ORDER BY id FOR UPDATE),
     ins AS (
       INSERT INTO dws_scans (client_id, device_code, barcode, weight_kg, length_cm, width_cm, height_cm, volume_cm3,
              scan_time, package_id, match_status)
       SELECT :dws_client, 'PGLINE', s.barcode, s.w, s.l, s.wd, s.h, s.v, s.t, s.package,
              CASE WHEN s.package IS NOT NULL THEN 'MATCHED' WHEN s.ambiguous THEN 'AMBIGUOUS' ELSE 'UNMATCHED' END
         FROM s, go, (SELECT count(*) AS n FROM locked) k
        WHERE go.go
        ORDER BY s.barcode, s.i
       ON CONFLICT ON CONSTRAINT dws_scans_key DO NOTHING
       RETURNING id, barcode, scan_time, weight_kg, length_cm, width_cm, height_cm, volume_cm3, package_id),
     placed AS (
       SELECT DISTINCT ON (n.id) n.*, s.deviation, s.flagged, s.i
         FROM ins n JOIN s ON s.barcode = n.barcode AND s.t = n.scan_time ORDER BY n.id, s.i),
     latest AS (
       SELECT DISTINCT ON (package_id) * FROM placed WHERE package_id IS NOT NULL ORDER BY package_id, scan_time DESC, id DESC),
     measured AS (
       UPDATE packages k SET measured_weight_kg = l.weight_kg, measured_length_cm = l.length_cm,
              measured_width_cm = l.width_cm, measured_height_cm = l.height_cm,
              measured_volume_cm3 = l.volume_cm3, measured_at = l.scan_time,
              weight_deviation = l.deviation, weight_flagged = l.flagged
         FROM latest l WHERE k.id = l.package_id
       RETURNING k.id),
     answer AS (
       SELECT jsonb_agg(jsonb_build_object('barcode', s.barcode, 'matched', s.package IS NOT NULL, 'reason', s.reason,
                  'order_code', s.order_code, 'weight_deviation', s.shown, 'flagged', s.flagged,
                  'duplicate', NOT EXISTS (SELECT 1 FROM placed p WHERE p.i = s.i)) ORDER BY s.i) AS results
         FROM s),
     claimed AS (
       INSERT INTO replay_keys (client_id, sign, endpoint, outcome)
       SELECT :dws_client, :sign, '/dtc/device/dws', a.results FROM answer a, go WHERE go.go
       RETURNING 1 AS one)
SELECT (SELECT outcome FROM prior), (SELECT results FROM answer),
       (SELECT count(*) FROM measured) + (SELECT count(*) FROM claimed);
SQL
