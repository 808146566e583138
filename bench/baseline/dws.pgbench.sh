#!/usr/bin/env bash
# Writes the pgbench script for one DWS call of N scans: the statements the gateway runs, in one
# transaction: guard::claim_replay_key, carrier::insert_scans, carrier::package_candidates,
# carrier::record_measurements (lock when more than one package, then link and measure), guard::record_replay_outcome.
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
BEGIN;
INSERT INTO replay_keys (client_id, sign, endpoint, outcome) VALUES (:dws_client, :sign, '/dtc/device/dws', 'null'::jsonb)
ON CONFLICT ON CONSTRAINT replay_keys_pkey DO NOTHING;
WITH ins AS (
    INSERT INTO dws_scans (client_id, device_code, barcode, weight_kg, length_cm, width_cm, height_cm, volume_cm3, scan_time)
    SELECT :dws_client, 'PGLINE', u.barcode, u.w, u.l, u.wd, u.h, u.v, u.t
      FROM UNNEST($barcodes, $(same 1.1 numeric), $(same 30 numeric), $(same 20 numeric), $(same 10 numeric),
                  $(same NULL numeric), $times) WITH ORDINALITY AS u(barcode, w, l, wd, h, v, t, i)
     ORDER BY u.i
    ON CONFLICT ON CONSTRAINT dws_scans_key DO NOTHING
    RETURNING id, barcode, scan_time)
SELECT array_agg(id ORDER BY barcode, scan_time) AS scans FROM ins \\gset
SELECT x.barcode, x.by_waybill, p.id, o.order_code, p.weight_kg
  FROM (SELECT u.b AS barcode, q.id, true AS by_waybill
          FROM UNNEST($barcodes) AS u(b) JOIN packages q ON q.waybill_no = u.b
        UNION ALL
        SELECT u.b, q.id, false
          FROM UNNEST($barcodes) AS u(b) JOIN packages q ON q.package_no = u.b) x
  JOIN packages p ON p.id = x.id
  JOIN orders o ON o.id = p.order_id
 ORDER BY p.id;
$([ "$n" -gt 1 ] && echo "SELECT id FROM packages WHERE id = ANY($packages) ORDER BY id FOR UPDATE;")
WITH u AS (SELECT * FROM UNNEST(:scans::int8[], $packages, $(same 0.1 numeric), $(same false bool))
             AS u(scan, package, deviation, flagged)),
     s AS (UPDATE dws_scans d SET package_id = u.package, match_status = 'MATCHED' FROM u WHERE d.id = u.scan
           RETURNING d.id, d.package_id, d.weight_kg, d.length_cm, d.width_cm, d.height_cm,
                     d.volume_cm3, d.scan_time, u.deviation, u.flagged),
     latest AS (SELECT DISTINCT ON (package_id) * FROM s ORDER BY package_id, scan_time DESC, id DESC)
UPDATE packages p SET measured_weight_kg = l.weight_kg, measured_length_cm = l.length_cm,
       measured_width_cm = l.width_cm, measured_height_cm = l.height_cm,
       measured_volume_cm3 = l.volume_cm3, measured_at = l.scan_time,
       weight_deviation = l.deviation, weight_flagged = l.flagged
  FROM latest l WHERE p.id = l.package_id;
UPDATE replay_keys SET outcome = '[{"barcode": "x"}]'::jsonb WHERE client_id = :dws_client AND endpoint = '/dtc/device/dws' AND sign = :sign;
COMMIT;
SQL
