-- Rate counts per identity and bucket: '' is the identity's one hourly limit (鸿讯, Qimen, OMS);
-- 3TMS counts each endpoint on its own, as its seed states ("一小时内最多调用一万次" per endpoint).
ALTER TABLE rate_counters ADD COLUMN bucket text NOT NULL DEFAULT '';
ALTER TABLE rate_counters DROP CONSTRAINT rate_counters_pkey;
ALTER TABLE rate_counters ADD CONSTRAINT rate_counters_pkey PRIMARY KEY (client_id, bucket, window_start);
