#!/usr/bin/env bash
# Writes the pgbench script of the statements the gateway ran for one 3TMS create_order of 10
# waybills before #21 (as of 4ba60e3, 2026-12-05): the access token's account
# (store::tms::account_by_access), then in one transaction per waybill orders::insert,
# orders::insert_vehicles (none in 3TMS), orders::insert_event and
# subscriptions::subscribers (no subscriber in the bench, so no message was built).
# Added with the tms10 scenario, after the other baseline files.
echo '\set n random(1, 2000000000)'
cat <<'SQL'
SELECT c.id AS client_id, c.kind, c.create_by, c.data_source, c.status, c.rate_limit_per_hour, c.sandbox,
       a.password_hash
  FROM tms_tokens t JOIN clients c ON c.id = t.client_id JOIN tms_accounts a ON a.client_id = c.id
 WHERE t.access_hash = :pg_tms_hash AND t.expires_at > now() AND c.dialect = 'tms';
BEGIN;
SQL
for k in $(seq 0 9); do
  cat <<SQL
INSERT INTO orders (tenant, kind, order_code, hx_order_no, order_type, inventory_code,
       subbase_code, to_subbase_code, status, fingerprint, request, client_id, transport_no)
VALUES ('PGBENCH', 'TRANSPORT', 'PGT-' || :client_id || '-' || :n || '-$k',
        'HX' || 'T' || to_char(now() AT TIME ZONE 'Asia/Shanghai', 'YYMMDD') || lpad(nextval('hx_order_no_seq')::text, 8, '0'),
        'LDYS', NULL, NULL, NULL, 'CREATED', md5(random()::text),
        '{"cargo": [{"name": "货物1", "value": "2", "remark": null, "volume": "3000000", "weight": "4", "quantity": 2}], "remark": null, "endPlace": "千岛湖", "vehicles": [], "consignee": {"lat": null, "lng": null, "name": "收货方", "phone": "15161128126", "address": "浙江省杭州市淳安县绿城千岛湖喜来登度假酒店", "areaName": null, "cityName": "", "postCode": null, "streetName": null, "countryName": null, "provinceName": ""}, "consigner": {"lat": null, "lng": null, "name": "发货方", "phone": "15161151543", "address": "浙江省温州市鹿城区浙江温州化工总厂", "areaName": null, "cityName": "", "postCode": null, "streetName": null, "countryName": null, "provinceName": ""}, "orderCode": "x", "orderType": "LDYS", "pickupTime": "2019-11-08 10:30:45", "startPlace": "杭州", "extendProps": {}, "needReceipt": true, "vehicleType": null, "receiptCount": 1, "paymentCollect": null, "organizationPath": "0", "relatedOrderCode": null, "expectedArriveTime": null}'::jsonb,
        :pg_client,
        to_char(now() AT TIME ZONE 'Asia/Shanghai', 'YYMMDD') || lpad(nextval('transport_no_seq')::text, 10, '0'))
ON CONFLICT ON CONSTRAINT orders_code_key DO NOTHING
RETURNING id AS order_id, kind, order_code, hx_order_no, order_type, status, fingerprint, transport_no \\gset
INSERT INTO order_vehicles (order_id, vin, brand, model, color)
SELECT :order_id, * FROM UNNEST(ARRAY[]::text[], ARRAY[]::text[], ARRAY[]::text[], ARRAY[]::text[]);
INSERT INTO order_events (order_id, status, note) VALUES (:order_id, 'CREATED', NULL);
SELECT s.client_id FROM event_subscriptions s JOIN clients c ON c.id = s.client_id
 WHERE c.create_by = 'PGBENCH' AND c.kind = 'customer' AND c.status = 'active'
   AND s.scope = 'order' AND 'CREATED' = ANY(s.changes)
 ORDER BY s.client_id;
SQL
done
echo 'COMMIT;'
