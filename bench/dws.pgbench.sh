#!/usr/bin/env bash
# Writes the pgbench script for one DWS call of N scans: the statements the gateway runs
# (in one transaction guard::claim_replay_key, per scan carrier::insert_scan, carrier::package_for_barcode,
# carrier::record_measurement, and guard::record_replay_outcome).   usage: dws.pgbench.sh N
n="$1"
echo '\set n random(1, 2000000000)'
cat <<'SQL'
SELECT upper(md5('dws' || :client_id || '-' || :n || random())) AS sign \gset
BEGIN;
INSERT INTO replay_keys (client_id, sign, endpoint, outcome) VALUES (:dws_client, :sign, '/dtc/device/dws', 'null'::jsonb)
ON CONFLICT (client_id, sign) DO NOTHING;
SQL
# Barcodes ascend within a call (block k of 10000/n), as the gateway processes them sorted.
w=$((10000 / n))
for k in $(seq 1 "$n"); do
cat <<SQL
\\set b$k random($(( (k - 1) * w + 1 )), $(( k * w )))
\\set t$k random(1, 2000000000)
\\set p$k :pkg_base + :b$k
WITH ins AS (
    INSERT INTO dws_scans (client_id, device_code, barcode, weight_kg, length_cm, width_cm, height_cm, volume_cm3, scan_time)
    VALUES (:dws_client, 'PGLINE', 'WB' || lpad(:b$k::text, 6, '0'), 1.1, 30, 20, 10, NULL, to_timestamp(:t$k))
    ON CONFLICT ON CONSTRAINT dws_scans_key DO NOTHING RETURNING id)
SELECT COALESCE((SELECT id FROM ins), 0) AS scan$k \\gset
SELECT p.id, o.order_code, p.weight_kg FROM packages p JOIN orders o ON o.id = p.order_id
 WHERE p.waybill_no = 'WB' || lpad(:b$k::text, 6, '0') OR p.package_no = 'WB' || lpad(:b$k::text, 6, '0') ORDER BY p.id DESC LIMIT 1;
WITH s AS (UPDATE dws_scans SET package_id = :p$k WHERE id = :scan$k
           RETURNING weight_kg, length_cm, width_cm, height_cm, volume_cm3, scan_time)
UPDATE packages p SET measured_weight_kg = s.weight_kg, measured_length_cm = s.length_cm,
       measured_width_cm = s.width_cm, measured_height_cm = s.height_cm, measured_volume_cm3 = s.volume_cm3,
       measured_at = s.scan_time, weight_deviation = 0.1, weight_flagged = false
  FROM s WHERE p.id = :p$k;
SQL
done
cat <<'SQL'
UPDATE replay_keys SET outcome = '[{"barcode": "x"}]'::jsonb WHERE client_id = :dws_client AND sign = :sign;
COMMIT;
SQL
