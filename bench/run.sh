#!/usr/bin/env bash
# Benchmarks through the gateway (wrk, pre-signed bodies) against the same transactions' SQL
# through pgbench, in one run on this machine: outbound-order creation with 5 lines, inbound
# with 50 lines, DWS intake with batches of 1 and of 50 scans, inventory query of 20 items,
# product sync of 100, a Qimen deliveryorder.create (XML, 5 lines) and a 3TMS create_order of
# 10 waybills. Starts its own PostgreSQL (scripts/local-postgres.sh) and a release
# build on loopback; each scenario gets a short warm-up (not measured) on both sides.
# The pgbench scripts hold the statements the store runs per call; identities come from
# memory (auth::cache) and rate counts are added once a second (auth::tally), so neither is
# a statement per call. Per scenario it also counts the statements each request cost
# (pg_stat_statements in the bench's own cluster) and runs the SQL of before the one-statement
# writes (bench/baseline/) through pgbench. Ends with one summary table.
#   BENCH_SECS (default 20)   BENCH_CONNS (default 16)   BENCH_WARMUP (seconds, default 3)
#   BENCH_ROUNDS (default 2: each side measured once per round, in palindrome order; see scenario)
#   BENCH_ONLY (e.g. "out5 dws1")
#   BENCH_BASELINE_PLANS (default "auto": the old SQL planned as PostgreSQL chooses, as the
#   gateway before #21 ran it; "generic": planned once, as the gateway's sessions plan theirs)
#   BENCH_LOG_LEVEL (default "warn": no line per request; "info" logs each request, to a pipe
#   read by `cat`, as under a log shipper)   BENCH_BIN (another build of the gateway to measure)
set -euo pipefail
cd "$(dirname "$0")/.."
secs="${BENCH_SECS:-20}"; conns="${BENCH_CONNS:-16}"; warmup="${BENCH_WARMUP:-3}"; rounds="${BENCH_ROUNDS:-2}"
only="${BENCH_ONLY:-out5 in50 dws1 dws50 inv20 prod100 qimen5 tms10}"
case "${BENCH_BASELINE_PLANS:-auto}" in
  auto) baseline_options="" ;;
  generic) baseline_options="-c plan_cache_mode=force_generic_plan" ;;
  *) echo "BENCH_BASELINE_PLANS is auto or generic" >&2; exit 2 ;;
esac
command -v wrk >/dev/null || { echo "installing wrk..." >&2; apt-get update -qq >&2; apt-get install -y -qq wrk >&2; }
unset DATABASE_URL
# The bench's own cluster (own directory and port), with pg_stat_statements loaded: the
# statements each request costs are counted from its deltas.
export HXGW_PG_DIR="${TMPDIR:-/tmp}/hxgw-bench-pg" HXGW_PG_PORT=16532
export HXGW_PG_OPTIONS="-c shared_preload_libraries=pg_stat_statements -c pg_stat_statements.track=top"
# shellcheck source=scripts/local-postgres.sh
source scripts/local-postgres.sh
# shellcheck source=bench/scenarios.sh
source bench/scenarios.sh
hxgw_local_postgres
if ! "$HXGW_PG_BIN_DIR/psql" -tA "$DATABASE_URL" -c "SHOW shared_preload_libraries" | grep -q pg_stat_statements \
   || [ "$("$HXGW_PG_BIN_DIR/psql" -tA "$DATABASE_URL" -c "SHOW pg_stat_statements.track")" != top ]; then
  # Started earlier without it (or other options): the library loads only at server start.
  hxgw_as_owner "$HXGW_PG_BIN_DIR/pg_ctl" -D "$HXGW_PG_DATA_DIR" -w -m fast restart \
    -o "-p $HXGW_PG_PORT -c listen_addresses=127.0.0.1 -k $HXGW_PG_DATA_DIR -c max_connections=300 $HXGW_PG_OPTIONS" >/dev/null
fi
base_url="${DATABASE_URL%/*}"
export DATABASE_URL="$base_url/hongxun_bench"
psql="$HXGW_PG_BIN_DIR/psql"
"$psql" -q "$base_url/postgres" -c "DROP DATABASE IF EXISTS hongxun_bench" -c "CREATE DATABASE hongxun_bench"
"$psql" -q "$DATABASE_URL" -c "CREATE EXTENSION IF NOT EXISTS pg_stat_statements"
export SQLX_OFFLINE=true HXGW_MASTER_KEY=000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f
cargo build --release --locked --bin hongxun-gateway 2>&1 | tail -1
bin="${BENCH_BIN:-target/release/hongxun-gateway}"
log_level="${BENCH_LOG_LEVEL:-warn}"
work=$(mktemp -d /tmp/hxgw-bench.XXXXXX)
"$bin" migrate
# shellcheck source=bench/seed.sh
source bench/seed.sh
bench_seed "$bin" "$psql" "$DATABASE_URL"
q() { "$psql" -tA "$DATABASE_URL" -c "$1"; }
pg_client=$(q "SELECT id FROM clients WHERE create_by='PGBENCH' AND data_source='ERP'")
pg_base=$(q "SELECT min(id) - 1 FROM inventory_balances WHERE tenant='PGBENCH'")
dws_client=$(q "SELECT id FROM clients WHERE create_by='PGBENCH-DWS'")
pkg_base=$(q "SELECT min(id) - 1 FROM packages")
pg_tms_hash=- # the pgbench 3TMS account's access token (tms10 signs it in)

# stderr through a pipe to a reader that writes the file, as a log shipper would read it.
HXGW__LOG__LEVEL="$log_level,hongxun_gateway::startup=info" "$bin" serve --bind 127.0.0.1:0 2> >(cat >"$work/gateway.log") &
gw=$!
trap 'kill $gw 2>/dev/null || true' EXIT
for _ in $(seq 100); do grep -q "listening on" "$work/gateway.log" 2>/dev/null && break; sleep 0.1; done
addr=$(grep -o "listening on [0-9.:]*" "$work/gateway.log" | head -1 | awk '{print $3}')
cpu_ticks() { awk '{print $14 + $15}' "/proc/$gw/stat"; }
# Runs COMMAND..., then writes the CPU it used (user + system, its threads and children) in µs
# to FILE. The load generators share the two cores with the gateway and PostgreSQL, so their
# cost per request is part of each side's figure: the columns show how much.
client_cpu() {
  local file=$1; shift
  ( rc=0; "$@" || rc=$?
    # `times` in this shell (in a pipe it would run in a subshell of its own, without children).
    times >"$file.times"
    awk 'NR == 2 { s = 0; for (i = 1; i <= 2; i++) { split($i, t, "m"); s += t[1] * 60 + t[2] }; printf "%d\n", s * 1e6 }' "$file.times" >"$file"
    exit "$rc" )
}
# CPU ticks of the whole PostgreSQL cluster: the postmaster with the children it reaped
# (backends that ended: pgbench's, at its end) and the live ones (backends, checkpointer, WAL
# writer, autovacuum). Where the ratio's gap comes from: this per request, against per pgbench
# transaction of the same statements.
pg_ticks() {
  local pm; pm=$(head -1 "$HXGW_PG_DATA_DIR/postmaster.pid")
  # (A process may end between the listing and the read: cat's failure is not the bench's.)
  { cat /proc/[0-9]*/stat 2>/dev/null || true; } | awk -v pm="$pm" '$1 == pm { s += $14 + $15 + $16 + $17 } $4 == pm { s += $14 + $15 } END { print s + 0 }'
}
# Waits until pgbench's backends have ended and been reaped. Sampled while they exit, a backend
# could be reaped between the postmaster's line (read first) and its own (gone by then): its
# whole run would be missing from both, which once halved a pgbench column.
pg_quiet() {
  for _ in $(seq 50); do
    [ "$(q "SELECT count(*) FROM pg_stat_activity WHERE application_name = 'pgbench'")" = 0 ] && break
    sleep 0.1
  done
  sleep 0.3
}
us_per() { awk -v a="$1" -v b="$2" -v hz="$(getconf CLK_TCK)" -v n="$3" 'BEGIN { printf "%.0f", (b - a) / hz * 1e6 / (n > 0 ? n : 1) }'; }
# The gateway's peak resident memory (MB) during a scenario's measured run (sampled).
peak_rss() { awk '{printf "%.1f", $1/1024}' "$work/rss-$1"; }

# percentiles P50 P99 of pgbench's per-transaction log (microseconds, 3rd field) in ms
pg_percentiles() {
  cat "$@" | awk '{print $3}' | sort -n | awk '{v[NR] = $1} END {
    if (NR == 0) { print "- -"; exit }
    i50 = int(NR * 0.50); if (i50 < 1) i50 = 1; i99 = int(NR * 0.99); if (i99 < 1) i99 = 1
    printf "%.2f %.2f\n", v[i50] / 1000, v[i99] / 1000 }'
}

# Rows inserted plus updated in products so far, as PostgreSQL's statistics count them. A
# backend reports its counts at most once a second while busy and within 10 s of going idle
# (PGSTAT_IDLE_INTERVAL), so the reading waits 11 s after the load stopped.
product_rows() {
  sleep 11
  q "SELECT n_tup_ins + n_tup_upd FROM pg_stat_user_tables WHERE relname = 'products'"
}

# scenario NAME PATH BODIES_FILE PGBENCH_SCRIPT ROWS_SQL ROWS_PER_REQUEST [BASELINE_SCRIPT]
# ROWS_PER_REQUEST 0: a read-only scenario whose every answer must carry items.
# ROWS_SQL "products": the products a sync wrote, checked against what its replies reported.
# Each side runs once per round (BENCH_ROUNDS), in palindrome order: gateway, pgbench, baseline
# in odd rounds, the reverse in even ones. This host's speed drifts by 10-25 % within minutes,
# and a side that always ran first (or last) met a different host than the other: on one day,
# the same statement ran at 1,948 tps through pgbench in out5's scenario and 2,326 tps in
# qimen5's, minutes later. Over two rounds a steady drift weighs on both sides alike. The
# columns are means over the rounds (latency percentiles: the worst round's); the last column
# gives each round's ratio, so the spread is in sight.
# The bodies file holds one region per round, each twice what one measured run needs: a
# round's measured run reads the first half of its region, its warm-up the second.
scenario() {
  local name=$1 path bodies=$2 script=- rows_sql=$4 per=$5 baseline=${6:-}
  path=$(scenario_path "$name")
  # "-": no pgbench script of this scenario's statements (yet).
  [ "$3" = - ] || script=$(realpath "$3")
  [ -z "$baseline" ] || baseline=$(realpath "$baseline")
  local region half round pg_options check="" requests_all=0 rps_all=0 gw_ticks=0 gw_pg_ticks=0 statements_all=0
  local p50=0 p99=0 non200_all=0 tx_all=0 tps_all=0 pgb_pg_ticks=0 base_all=0 ratios="" wrk_us=0 pgb_us=0
  region=$(( $(wc -l <"$bodies") / rounds )); half=$(( region / 2 ))
  rm -f "$work"/pglog-"$name".* "$work/rss-$name"
  # The gateway's own statements run on sessions that plan generically (startup::write_path),
  # so pgbench runs them so too; the baseline's (the SQL before #21) keeps PostgreSQL's choice,
  # as the gateway of then did, unless BENCH_BASELINE_PLANS=generic.
  pgb() { PGOPTIONS="${pg_options:-}" "$HXGW_PG_BIN_DIR/pgbench" -n -c "$conns" -j 2 -M prepared -D pg_client="$pg_client" -D pg_base="$pg_base" \
    -D dws_client="$dws_client" -D pkg_base="$pkg_base" -D pg_tms_hash="$pg_tms_hash" "$@" "$DATABASE_URL"; }
  # Every side starts from the same state: dead rows of the previous run vacuumed, statistics
  # fresh, no checkpoint due (whichever side ran first otherwise met the other's leftovers).
  settle() { "$psql" -q "$DATABASE_URL" -c "VACUUM ANALYZE" -c "CHECKPOINT"; }
  local round_rps round_tps round_base
  gateway_side() {
    local first=$(( (round - 1) * region )) t0 t1 g0 g1 line requests rps rows0 rows statements bad with_items reported processed c
    settle
    echo "== $name round $round: gateway POST $path, $conns connections, ${secs}s after ${warmup}s warm-up (wrk)"
    wrk -t2 -c"$conns" -d"${warmup}s" -s bench/bodies.lua "http://$addr$path" -- "$bodies" 2 $((first + half)) "$half" >/dev/null
    if [ "$rows_sql" = products ]; then rows0=$(product_rows); else rows0=$(q "$rows_sql"); fi
    q "SELECT pg_stat_statements_reset()" >/dev/null
    # Each row's peak RSS is its own measured runs', sampled every 0.2 s while they run: a
    # sign-in before them (argon2, 19 MiB while it hashes) is not the load's. (VmHWM keeps the
    # process's peak, and resetting it through clear_refs does not work on every kernel.)
    ( m=$(cat "$work/rss-$name" 2>/dev/null || echo 0)
      while :; do r=$(awk '/VmRSS/ {print $2}' "/proc/$gw/status"); [ "$r" -gt "$m" ] && m=$r && echo "$m" >"$work/rss-$name"; sleep 0.2; done ) &
    local sampler=$!
    t0=$(cpu_ticks) g0=$(pg_ticks)
    client_cpu "$work/cpu" wrk -t2 -c"$conns" -d"${secs}s" --latency -s bench/bodies.lua "http://$addr$path" -- "$bodies" 2 "$first" "$half" >"$work/wrk-$name-$round.txt"
    t1=$(cpu_ticks) g1=$(pg_ticks)
    kill "$sampler" 2>/dev/null; wait "$sampler" 2>/dev/null || true
    wrk_us=$((wrk_us + $(cat "$work/cpu")))
    # Every statement clients sent to this database during the run (BEGIN and COMMIT included;
    # the audit rows' batched inserts and the background loops too), per request. Top level
    # only: the foreign-key checks PostgreSQL runs inside a statement are not round trips.
    statements=$(q "SELECT coalesce(sum(calls), 0) FROM pg_stat_statements s JOIN pg_database d ON d.oid = s.dbid
                     WHERE d.datname = current_database() AND s.query NOT LIKE '%pg_stat_statements%'")
    # With each statement's execution time (total ms, and µs per call) and WAL bytes: where
    # PostgreSQL's time per request goes, beside the top statement (e.g. the audit rows' batches).
    q "SELECT calls, round(total_exec_time::numeric, 1) AS total_ms, round((1000 * total_exec_time / calls)::numeric) AS us_per_call,
              wal_bytes, left(regexp_replace(query, '\s+', ' ', 'g'), 110) FROM pg_stat_statements s JOIN pg_database d ON d.oid = s.dbid
        WHERE d.datname = current_database() ORDER BY total_exec_time DESC LIMIT 12" >"$work/statements-$name-$round.txt"
    line=$(grep BENCH "$work/wrk-$name-$round.txt"); echo "$line"
    field() { sed -E "s/.*[ ]$1=([0-9.]+).*/\1/" <<<"$line"; }
    requests=$(field requests); rps=$(field rps)
    bad=$(( $(field non200) + $(field socket_errors) ))
    with_items=$(field with_items); reported=$(field written); processed=$(field processed)
    if [ "$rows_sql" = products ]; then rows=$(( $(product_rows) - rows0 )); else rows=$(( $(q "$rows_sql") - rows0 )); fi
    # Every answered request wrote its rows; beyond that at most the requests in flight when the
    # warm-up and the measured run stopped (2 x connections) may have committed unanswered.
    if [ "$per" = 0 ]; then
      if [ "$with_items" -eq "$requests" ]; then c=ok; else c=MISMATCH; fi
      echo "read-only scenario: $with_items of $requests answers carried items: $c"
    elif [ "$rows_sql" = products ]; then
      # Every answer reported its 100 products; the table saw what the answers reported as
      # created or updated (plus what unanswered in-flight calls wrote).
      if [ "$processed" -eq $((requests * per)) ] && [ "$rows" -ge "$reported" ] \
         && [ "$rows" -le $((reported + 2 * conns * per)) ]; then c=ok; else c=MISMATCH; fi
      echo "products: $processed reported for $requests answers x $per; $rows rows written for $reported reported written: $c"
    else
      if [ "$rows" -ge $((requests * per)) ] && [ "$rows" -le $(((requests + 2 * conns) * per)) ]; then c=ok; else c=MISMATCH; fi
      echo "rows written: $rows for $requests answered requests x $per: $c"
    fi
    if [ "$bad" -ne 0 ]; then c="${c}+ERRORS"; echo "FAIL: $bad non-200 replies + socket errors" >&2; fi
    # A round that failed a check marks the scenario; otherwise "ok".
    if [ -z "$check" ] || [ "$check" = ok ]; then check=$c; fi
    requests_all=$((requests_all + requests)); statements_all=$((statements_all + statements))
    gw_ticks=$((gw_ticks + t1 - t0)); gw_pg_ticks=$((gw_pg_ticks + g1 - g0)); non200_all=$((non200_all + bad))
    rps_all=$(awk -v a="$rps_all" -v b="$rps" 'BEGIN { print a + b }'); round_rps=$rps
    p50=$(awk -v a="$p50" -v b="$(field p50_ms)" 'BEGIN { print (b > a ? b : a) }')
    p99=$(awk -v a="$p99" -v b="$(field p99_ms)" 'BEGIN { print (b > a ? b : a) }')
  }
  pgbench_side() {
    local g0 g1 pgrc=0 tx tps
    echo "== $name round $round: pgbench, the same statements, $conns clients, ${secs}s after ${warmup}s warm-up"
    settle
    pg_options="-c plan_cache_mode=force_generic_plan"
    pgb -f "$script" -T "$warmup" >/dev/null 2>&1 || true
    pg_quiet
    g0=$(pg_ticks)
    (cd "$work" && client_cpu "$work/cpu" pgb -f "$script" -T "$secs" -l --log-prefix="pglog-$name-$round") >"$work/pgbench-$name-$round.txt" 2>&1 || pgrc=$?
    pg_quiet
    g1=$(pg_ticks)
    grep -E "^tps|failed|aborted" "$work/pgbench-$name-$round.txt" || true
    if [ "$pgrc" -ne 0 ] || grep -qE "number of failed transactions: [1-9]" "$work/pgbench-$name-$round.txt"; then
      check="${check:-ok}+PGBENCH_FAILED"; echo "FAIL: pgbench exited $pgrc or had failed transactions" >&2
    fi
    tx=$(grep -oE "number of transactions actually processed: [0-9]+" "$work/pgbench-$name-$round.txt" | grep -oE "[0-9]+$" || echo 0)
    tps=$(grep -oE "^tps = [0-9.]+" "$work/pgbench-$name-$round.txt" | awk '{print $3}')
    tx_all=$((tx_all + tx)); pgb_pg_ticks=$((pgb_pg_ticks + g1 - g0)); pgb_us=$((pgb_us + $(cat "$work/cpu")))
    tps_all=$(awk -v a="$tps_all" -v b="${tps:-0}" 'BEGIN { print a + b }'); round_tps=${tps:-0}
  }
  # Today's SQL as it was before the one-statement writes (bench/baseline/), the same way.
  baseline_side() {
    local tps
    echo "== $name round $round: pgbench, the baseline statements ($baseline, ${BENCH_BASELINE_PLANS:-auto} plans)"
    settle
    pg_options=$baseline_options
    pgb -f "$baseline" -T "$warmup" >/dev/null 2>&1 || true
    tps=$( (cd "$work" && pgb -f "$baseline" -T "$secs") 2>&1 | grep -oE "^tps = [0-9.]+" | awk '{print $3}')
    echo "baseline tps = $tps"
    base_all=$(awk -v a="$base_all" -v b="${tps:-0}" 'BEGIN { print a + b }'); round_base=$tps
  }
  for round in $(seq "$rounds"); do
    round_tps=0 round_base=-
    if [ $((round % 2)) = 1 ]; then
      gateway_side
      [ "$script" = - ] || pgbench_side
      [ -z "$baseline" ] || baseline_side
    else
      [ -z "$baseline" ] || baseline_side
      [ "$script" = - ] || pgbench_side
      gateway_side
    fi
    ratios="$ratios${ratios:+/}$(awk -v g="$round_rps" -v p="$round_tps" 'BEGIN { printf "%.2f", (p > 0 ? g / p : 0) }')"
    printf -- "-- %s round %s: gateway %s req/s, pgbench %.1f tps, baseline %s tps\n" "$name" "$round" "$round_rps" "$round_tps" "$round_base"
  done
  local pg50=- pg99=- per_req
  if [ "$script" != - ]; then read -r pg50 pg99 < <(pg_percentiles "$work"/pglog-"$name"-*.*); fi
  rm -f "$work"/pglog-"$name"-*.*
  per_req=$(awk -v s="$statements_all" -v n="$requests_all" 'BEGIN { printf "%.1f", (n > 0 ? s / n : 0) }')
  echo "statements per request: $per_req ($statements_all for $requests_all requests; top ones in $work/statements-$name-*.txt)"
  awk -v n="$name" -v k="$rounds" -v g="$rps_all" -v p="$tps_all" -v a="$p50" -v b="$p99" -v c="$(us_per 0 "$gw_ticks" "$requests_all")" \
    -v e="$non200_all" -v x="$pg50" -v y="$pg99" -v r="$check" -v st="$per_req" -v bt="$base_all" -v hb="${baseline:+1}" \
    -v m="$(peak_rss "$name")" -v d="$(us_per 0 "$gw_pg_ticks" "$requests_all")" \
    -v f="$([ "$script" = - ] && echo - || us_per 0 "$pgb_pg_ticks" "$tx_all")" -v q="$ratios" \
    -v w="$(awk -v u="$wrk_us" -v n="$requests_all" 'BEGIN { printf "%.0f", (n > 0 ? u / n : 0) }')" \
    -v v="$(awk -v u="$pgb_us" -v n="$tx_all" 'BEGIN { printf "%.0f", (n > 0 ? u / n : 0) }')" 'BEGIN {
    g /= k; p /= k; bt /= k
    printf "RESULT %s gateway_rps=%.1f p50_ms=%s p99_ms=%s errors=%s rows=%s cpu_us_per_req=%s statements_per_req=%s pgbench_tps=%.1f pgbench_p50_ms=%s pgbench_p99_ms=%s ratio=%.2f baseline_tps=%s vs_baseline=%s peak_rss_mb=%s pg_cpu_us_per_req=%s pg_cpu_us_per_pgbench_tx=%s wrk_cpu_us_per_req=%s pgbench_cpu_us_per_tx=%s ratio_per_round=%s\n",
      n, g, a, b, e, r, c, st, p, x, y, (p > 0 ? g / p : 0), (hb ? sprintf("%.1f", bt) : "-"), (hb && bt > 0 ? sprintf("%.2f", g / bt) : "-"), m, d, f, w, v, q }' | tee -a "$work/results.txt"
}

# How many bodies a scenario needs: per round, the measured run reads the first half of its
# region and must not reach the second, which the warm-up has sent (a replay answers from its
# stored outcome, cheaply, and the row check then fails): twice the scenario's rate
# (scenario_rate) for the run, at least MIN, for each round. Usage: bodies_for SCENARIO MIN.
bodies_for() { local n=$(( 2 * $(scenario_rate "$1") * secs )); echo $(( (n > $2 ? n : $2) * rounds )); }
for s in $only; do
  case "$s" in
    out5)
      scenario_bodies out5 "$(bodies_for out5 60000)" B "$work/out5.txt"
      scenario out5 "$work/out5.txt" bench/out_order.pgbench.sql \
        "SELECT count(*) FROM orders WHERE tenant='BENCH' AND order_code LIKE 'B-%'" 1 bench/baseline/out_order.pgbench.sql ;;
    in50)
      scenario_bodies in50 "$(bodies_for in50 40000)" I "$work/in50.txt"
      scenario in50 "$work/in50.txt" bench/in_order.pgbench.sql \
        "SELECT count(*) FROM order_lines l JOIN orders o ON o.id = l.order_id WHERE o.tenant='BENCH' AND o.order_code LIKE 'I-%'" 50 bench/baseline/in_order.pgbench.sql ;;
    dws1|dws50)
      per=${s#dws}
      scenario_bodies "$s" "$([ "$per" = 1 ] && bodies_for dws1 120000 || bodies_for dws50 12000)" "LINE-$per" "$work/$s.txt"
      bench/dws.pgbench.sh "$per" >"$work/$s.pgbench.sql"
      bench/baseline/dws.pgbench.sh "$per" >"$work/$s.baseline.sql"
      scenario "$s" "$work/$s.txt" "$work/$s.pgbench.sql" \
        "SELECT count(*) FROM dws_scans WHERE device_code='LINE-$per'" "$per" "$work/$s.baseline.sql" ;;
    inv20)
      scenario_bodies inv20 "$(bodies_for inv20 160000)" Q "$work/inv20.txt"
      scenario inv20 "$work/inv20.txt" bench/inventory_query.pgbench.sql \
        "SELECT 0" 0 bench/baseline/inventory_query.pgbench.sql ;;
    prod100)
      scenario_bodies prod100 "$(bodies_for prod100 40000)" P "$work/prod100.txt"
      scenario prod100 "$work/prod100.txt" bench/product_sync.pgbench.sql \
        products 100 bench/baseline/product_sync.pgbench.sql ;;
    qimen5)
      # The same statement as out5 (the replay key's endpoint aside): its pgbench script serves.
      scenario_bodies qimen5 "$(bodies_for qimen5 40000)" QM "$work/qimen5.txt"
      scenario qimen5 "$work/qimen5.txt" bench/out_order.pgbench.sql \
        "SELECT count(*) FROM orders WHERE tenant='BENCH' AND order_code LIKE 'QM-%'" 1 bench/baseline/out_order.pgbench.sql ;;
    tms10)
      token=$(sign_in "$addr" bench-tms bench-tms-pass)
      sign_in "$addr" pg-tms pg-tms-pass >/dev/null
      # From here the gateway holds a hashing thread's argon2 memory (19 MiB, kept between
      # sign-ins by design: auth::password), so this row's RSS is about that much above the others.
      pg_tms_hash=$(q "SELECT t.access_hash FROM tms_tokens t JOIN clients c ON c.id = t.client_id
                        WHERE c.create_by = 'PGBENCH' AND c.dialect = 'tms' ORDER BY t.expires_at DESC LIMIT 1")
      scenario_bodies tms10 "$(bodies_for tms10 40000)" TM "$work/tms10.txt" "$token"
      bench/baseline/tms_order.pgbench.sh >"$work/tms10.baseline.sql"
      scenario tms10 "$work/tms10.txt" bench/tms_order.pgbench.sql \
        "SELECT count(*) FROM orders WHERE tenant='BENCH' AND order_code LIKE 'TM-%'" 10 "$work/tms10.baseline.sql" ;;
  esac
done
rss=$(awk '{ for (i = 1; i <= NF; i++) if ($i ~ /^peak_rss_mb=/) { split($i, kv, "="); if (kv[2] + 0 > m) m = kv[2] + 0 } } END { print m }' "$work/results.txt")
echo
echo "Summary: $(nproc) cores, $conns connections, ${secs}s per side and round, $rounds rounds; peak RSS of the gateway under load $rss MB"
echo "| scenario | gateway req/s | p50 ms | p99 ms | errors | rows | CPU µs/req | statements/req | pgbench tps | pgbench p50 | pgbench p99 | ratio | baseline tps | vs baseline | peak RSS MB | PostgreSQL CPU µs/req | PostgreSQL CPU µs/pgbench tx | wrk CPU µs/req | pgbench CPU µs/tx | ratio per round |"
echo "|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|"
awk '{ row = "| " $2; for (i = 3; i <= NF; i++) { split($i, kv, "="); row = row " | " kv[2] }; print row " |" }' "$work/results.txt"
echo "(logs and raw output in $work)"
if grep -qE "rows=[^ ]*(MISMATCH|ERRORS|PGBENCH_FAILED)" "$work/results.txt"; then
  echo "a check failed (rows, replies or pgbench): see above" >&2
  exit 1
fi
