#!/usr/bin/env bash
# What a /metrics scrape's outbox gauges cost at 10 thousand and at 10 million outbox rows
# (mostly delivered, as in a gateway that has run for months): the gateway's statement
# (store::pushes::outbox_gauges, counted through the status index up to a cap) against the
# full count the gateway used before. Prints milliseconds (median of 5) for each size.
#   GAUGE_ROWS (default 10000000)
set -euo pipefail
cd "$(dirname "$0")/.."
big="${GAUGE_ROWS:-10000000}"
unset DATABASE_URL
# shellcheck source=scripts/local-postgres.sh
source scripts/local-postgres.sh
hxgw_local_postgres
base_url="${DATABASE_URL%/*}"
export DATABASE_URL="$base_url/hongxun_gauges"
psql="$HXGW_PG_BIN_DIR/psql -v ON_ERROR_STOP=1"
$psql -q "$base_url/postgres" -c "DROP DATABASE IF EXISTS hongxun_gauges" -c "CREATE DATABASE hongxun_gauges"
export SQLX_OFFLINE=true HXGW_MASTER_KEY=000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f
cargo build --release --locked --bin hongxun-gateway 2>&1 | tail -1
bin=target/release/hongxun-gateway
"$bin" migrate
cid=$("$bin" client add --kind customer --create-by G --data-source ERP --secret g \
  | python3 -c 'import json,sys; print(json.load(sys.stdin)["id"])')
# The statement the gateway runs (cap 10,000), and the one it ran before.
now_sql="SELECT (SELECT count(*) FROM (SELECT 1 FROM push_outbox WHERE status = 'pending' LIMIT 10000) x),
  (SELECT count(*) FROM (SELECT 1 FROM push_outbox WHERE status = 'delivered' LIMIT 10000) x),
  (SELECT count(*) FROM (SELECT 1 FROM push_outbox WHERE status = 'dead' LIMIT 10000) x),
  (SELECT count(*) FROM (SELECT 1 FROM push_outbox WHERE status = 'skipped' LIMIT 10000) x),
  (SELECT n_live_tup FROM pg_stat_user_tables WHERE relid = 'push_outbox'::regclass),
  (SELECT EXTRACT(EPOCH FROM now() - created_at) FROM push_outbox WHERE status = 'pending' ORDER BY id LIMIT 1)"
old_sql="SELECT count(*) FILTER (WHERE status = 'pending'), count(*) FILTER (WHERE status = 'delivered'),
  count(*) FILTER (WHERE status = 'dead'), count(*) FILTER (WHERE status = 'skipped'),
  EXTRACT(EPOCH FROM now() - min(created_at) FILTER (WHERE status = 'pending')) FROM push_outbox"
fill() {  # fill UP_TO: rows 1..UP_TO, 1 in 1,000 pending and 1 in 10,000 dead
  $psql -q "$DATABASE_URL" -c "
    INSERT INTO push_outbox (event_id, client_id, tenant, event_type, payload, status, created_at)
    SELECT gen_random_uuid(), $cid, 'G', 'x', '{}',
           CASE WHEN i % 1000 = 0 THEN 'pending' WHEN i % 10000 = 1 THEN 'dead' ELSE 'delivered' END,
           now() - make_interval(secs => i)
      FROM generate_series((SELECT count(*) FROM push_outbox) + 1, $1) i;" -c "VACUUM ANALYZE push_outbox"
}
median_ms() {  # median_ms SQL: 5 runs, the median in ms
  for _ in 1 2 3 4 5; do
    $psql -qtA "$DATABASE_URL" -c '\timing on' -c "$1" | sed -n 's/^Time: \([0-9.]*\) ms.*/\1/p'
  done | sort -n | sed -n 3p
}
for rows in 10000 "$big"; do
  echo "filling the outbox to $rows rows..." >&2
  fill "$rows"
  echo "RESULT outbox_rows=$rows gauges_ms=$(median_ms "$now_sql") full_count_ms=$(median_ms "$old_sql")"
  $psql -qtA "$DATABASE_URL" -c "$now_sql"
done
