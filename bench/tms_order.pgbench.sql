-- The statement the gateway runs for one 3TMS create_order of 10 waybills (#21): the batch in
-- one statement
-- (src/store/orders/one_statement_waybills.rs: the heads with their numbers drawn in the
-- batch's order, their first events, the created messages to the tenant's subscribers, in one
-- implicit transaction). The request is a waybill as the gateway stores it for the bench's
-- body (bench/gen_bodies.py tms10). The statements before #21 are
-- bench/baseline/tms_order.pgbench.sh. The access token's account comes from memory
-- (auth::cache, as the other identities), so it is no statement per call.
\set n random(1, 2000000000)
WITH input AS (
       SELECT * FROM UNNEST(ARRAY(SELECT 'PGT-' || :client_id || '-' || :n || '-' || k FROM generate_series(0, 9) k),
                            array_fill('LDYS'::text, ARRAY[10]),
                            ARRAY(SELECT md5(random()::text || k) FROM generate_series(0, 9) k),
                            ARRAY(SELECT jsonb_set('{"cargo": [{"name": "货物1", "value": "2", "remark": null, "volume": "3000000", "weight": "4", "quantity": 2}], "remark": null, "endPlace": "千岛湖", "vehicles": [], "consignee": {"lat": null, "lng": null, "name": "收货方", "phone": "15161128126", "address": "浙江省杭州市淳安县绿城千岛湖喜来登度假酒店", "areaName": null, "cityName": "", "postCode": null, "streetName": null, "countryName": null, "provinceName": ""}, "consigner": {"lat": null, "lng": null, "name": "发货方", "phone": "15161151543", "address": "浙江省温州市鹿城区浙江温州化工总厂", "areaName": null, "cityName": "", "postCode": null, "streetName": null, "countryName": null, "provinceName": ""}, "orderCode": "x", "orderType": "LDYS", "pickupTime": "2019-11-08 10:30:45", "startPlace": "杭州", "extendProps": {}, "needReceipt": true, "vehicleType": null, "receiptCount": 1, "paymentCollect": null, "organizationPath": "0", "relatedOrderCode": null, "expectedArriveTime": null}'::jsonb,
                                                 '{orderCode}', to_jsonb('PGT-' || :client_id || '-' || :n || '-' || k)) FROM generate_series(0, 9) k),
                            ARRAY(SELECT jsonb_set('{"time": "2026-12-05T12:06:18.374993711Z", "event": "waybillChanged", "change": "CREATED", "waybill": {"trip": null, "status": "CREATED", "hxOrderNo": "", "orderCode": "x", "transportNo": "", "deliveryType": null, "customerOrderNo": null}}'::jsonb,
                                                 '{waybill,orderCode}', to_jsonb('PGT-' || :client_id || '-' || :n || '-' || k)) FROM generate_series(0, 9) k),
                            ARRAY(SELECT gen_random_uuid() FROM generate_series(0, 9)))
                WITH ORDINALITY AS u(code, otype, fp, request, event, event_id, i)),
     used AS (
       SELECT 1 AS one FROM orders o
        WHERE o.tenant = 'PGBENCH' AND o.kind = 'TRANSPORT'
          AND o.order_code = ANY(ARRAY(SELECT 'PGT-' || :client_id || '-' || :n || '-' || k FROM generate_series(0, 9) k)) LIMIT 1),
     numbered AS (
       SELECT i.i, i.code, i.otype, i.fp, i.request, i.event, i.event_id,
              'HX' || 'T' || to_char(now() AT TIME ZONE 'Asia/Shanghai', 'YYMMDD')
                   || lpad(nextval('hx_order_no_seq')::text, 8, '0') AS hx,
              to_char(now() AT TIME ZONE 'Asia/Shanghai', 'YYMMDD')
                   || lpad(nextval('transport_no_seq')::text, 10, '0') AS tno
         FROM input i WHERE NOT EXISTS (SELECT 1 FROM used) ORDER BY i.i),
     head AS (
       INSERT INTO orders (tenant, kind, order_code, hx_order_no, order_type, status, fingerprint,
              request, client_id, transport_no)
       SELECT 'PGBENCH', 'TRANSPORT', n.code, n.hx, n.otype, 'CREATED', n.fp, n.request, :pg_client, n.tno FROM numbered n ORDER BY n.i
       RETURNING id, order_code, hx_order_no, transport_no),
     events AS (
       INSERT INTO order_events (order_id, status)
       SELECT h.id, 'CREATED' FROM head h JOIN numbered n ON n.code = h.order_code ORDER BY n.i
       RETURNING 1 AS one),
     subs AS (SELECT s AS client_id FROM hxgw_subscribers('PGBENCH', 'order', 'CREATED') s),
     pushes AS (
       INSERT INTO push_outbox (event_id, client_id, tenant, event_type, order_key, payload)
       SELECT n.event_id, s.client_id, 'PGBENCH', 'waybillChanged', 'order:' || h.id,
              jsonb_set(jsonb_set(n.event, '{waybill,hxOrderNo}', to_jsonb(h.hx_order_no)),
                        '{waybill,transportNo}', to_jsonb(h.transport_no))
         FROM head h JOIN numbered n ON n.code = h.order_code CROSS JOIN subs s
        ORDER BY n.i, s.client_id
       RETURNING 1 AS one),
     woken AS (
       SELECT pg_notify('hxgw_push', '') AS n FROM (SELECT 1 FROM pushes LIMIT 1) p)
SELECT EXISTS (SELECT 1 FROM used) AS used,
       (SELECT array_agg(h.id ORDER BY n.i) FROM head h JOIN numbered n ON n.code = h.order_code) AS ids,
       (SELECT array_agg(h.hx_order_no ORDER BY n.i) FROM head h JOIN numbered n ON n.code = h.order_code) AS hx_order_nos,
       (SELECT array_agg(h.transport_no ORDER BY n.i) FROM head h JOIN numbered n ON n.code = h.order_code) AS transport_nos,
       (SELECT count(*) FROM events) AS events,
       (SELECT count(*) FROM pushes) + 0 * (SELECT count(*) FROM woken) AS pushes;
