#!/usr/bin/env bash
# A soak: one gateway (the release build, or SOAK_BIN) under a steady mix of bench/run.sh's
# scenarios (every dialect, writes and queries), with 3TMS pushes to a local receiver, for
# SOAK_SECS, and nothing scraping /metrics (a scrape used to be what freed the latency
# samples, docs/performance.md, ninth part). Every SOAK_SAMPLE_SECS it samples the gateway's
# resident memory, threads, open files and database sessions. At the end it prints them per
# interval, the trend of RSS over the second half (MB per hour), the requests per scenario and
# the pushes delivered.
# Fails on any refused answer or socket error, on a push not delivered, or when RSS at the end
# is more than SOAK_MAX_GROWTH_MB above what it was after the first segment.
# The load runs in segments, each with bodies signed just before it (a signed call's timestamp
# is valid for minutes) and a fresh 3TMS sign-in; between segments the gateway idles for the
# few seconds the bodies take.
#   SOAK_SECS (default 3600; 86400 for a day)   SOAK_SEGMENT_SECS (default 240)
#   SOAK_SCALE (default 1: about 220 requests/s in all)   SOAK_SAMPLE_SECS (default 10)
#   SOAK_MAX_GROWTH_MB (default 8)   SOAK_KEEP=1 keeps the soak's database at the end
#   SOAK_BIN (default: the release build, built here)   SOAK_PG_PORT (default 16533)
# scripts/test runs two minutes of it, so that the script keeps working and every dialect is
# served side by side, with pushes going out, without a refusal.
# Disk: about 3 GB of PostgreSQL data per hour at scale 1 (4.0 GB after 80 minutes; printed at
# the end), dropped at the end.
set -euo pipefail
cd "$(dirname "$0")/.."
total="${SOAK_SECS:-3600}"; seg="${SOAK_SEGMENT_SECS:-240}"; scale="${SOAK_SCALE:-1}"
every="${SOAK_SAMPLE_SECS:-10}"; max_growth="${SOAK_MAX_GROWTH_MB:-8}"
command -v wrk >/dev/null || { echo "installing wrk..." >&2; apt-get update -qq >&2; apt-get install -y -qq wrk >&2; }
unset DATABASE_URL
# Its own cluster, so that a day of orders never lands in the bench's or the tests'; another
# port (SOAK_PG_PORT) for another soak beside it: scripts/test's short one uses 16534.
port="${SOAK_PG_PORT:-16533}"
export HXGW_PG_DIR="${TMPDIR:-/tmp}/hxgw-soak-pg-$port" HXGW_PG_PORT=$port
# shellcheck source=scripts/local-postgres.sh
source scripts/local-postgres.sh
# shellcheck source=bench/scenarios.sh
source bench/scenarios.sh
# shellcheck source=bench/seed.sh
source bench/seed.sh
bench_database hongxun_soak
export SQLX_OFFLINE=true HXGW_MASTER_KEY=000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f
if [ -n "${SOAK_BIN:-}" ]; then
  # Another build of the gateway (scripts/test passes the debug one it built): the receiver
  # from the same profile, so that nothing is built twice.
  bin=$SOAK_BIN receiver=target/debug/examples/push_receiver
  cargo build --locked --example push_receiver 2>&1 | tail -1
else
  bin=target/release/hongxun-gateway receiver=target/release/examples/push_receiver
  cargo build --release --locked --bin hongxun-gateway --example push_receiver 2>&1 | tail -1
fi
work=$(mktemp -d /tmp/hxgw-soak.XXXXXX)
"$bin" migrate
bench_seed "$bin" "$psql" "$DATABASE_URL"
q() { "$psql" -tA "$DATABASE_URL" -c "$1"; }

free_port() {
  local p=$1
  while (exec 3<>"/dev/tcp/127.0.0.1/$p") 2>/dev/null; do p=$((p + 1)); done
  echo "$p"
}
rx_port=$(free_port 18190)
"$receiver" "$rx_port" >"$work/arrivals.txt" 2>"$work/receiver.log" &
rx=$!
gw_port=$(free_port 18180)
addr="127.0.0.1:$gw_port"
HXGW__PUSH__ALLOW_NETWORKS=127.0.0.0/8 HXGW__LOG__LEVEL="warn,hongxun_gateway::startup=info" \
  "$bin" serve --bind "$addr" >"$work/gateway.log" 2>&1 &
gw=$!
sampler=
cleanup() {
  kill "$gw" "$rx" ${sampler:+"$sampler"} 2>/dev/null || true
  if [ "${SOAK_KEEP:-0}" != 1 ]; then
    "$psql" -q "$base_url/postgres" -c "DROP DATABASE IF EXISTS hongxun_soak" 2>/dev/null || true
  fi
}
trap cleanup EXIT
for _ in $(seq 200); do grep -q "listening on" "$work/gateway.log" 2>/dev/null && break; sleep 0.1; done
grep -q "listening on" "$work/gateway.log" || { cat "$work/gateway.log" >&2; exit 1; }

# The 3TMS identity subscribes to its orders' creation (state 1): every waybill it creates is
# pushed back to the receiver, so the outbox and the delivery workers run all along.
token=$(sign_in "$addr" bench-tms bench-tms-pass)
sub=$(curl -s -X POST "http://$addr/order/subscribe/v2?access_token=$token" -H 'Content-Type: application/json' \
  -d "{\"states\":\"1\",\"callbackUrl\":\"http://127.0.0.1:$rx_port/hook\",\"version\":\"v1\"}")
grep -q '"code":200' <<<"$sub" || { echo "subscribing failed: $sub" >&2; exit 1; }

# scenario and its rate in requests per second at scale 1: about 220 in all, a warehouse's
# busy hour rather than saturation, so the soak measures time and request count, not queues.
mix="out5:60 in50:5 dws1:60 dws50:2 inv20:60 prod100:2 qimen5:20 tms10:10"

# Samples: seconds since the start, RSS and its peak (kB), threads, open files, sessions.
t_start=$(date +%s)
(
  while kill -0 "$gw" 2>/dev/null; do
    rss=$(awk '/^VmRSS/ {print $2}' "/proc/$gw/status" 2>/dev/null || echo 0)
    hwm=$(awk '/^VmHWM/ {print $2}' "/proc/$gw/status" 2>/dev/null || echo 0)
    thr=$(awk '/^Threads/ {print $2}' "/proc/$gw/status" 2>/dev/null || echo 0)
    fds=$(find "/proc/$gw/fd" -mindepth 1 -maxdepth 1 2>/dev/null | wc -l)
    ses=$("$psql" -tA "$DATABASE_URL" -c "SELECT count(*) FROM pg_stat_activity WHERE datname = current_database() AND pid <> pg_backend_pid()" 2>/dev/null || echo -)
    echo "$(($(date +%s) - t_start)) $rss $hwm $thr $fds $ses"
    sleep "$every"
  done
) >"$work/samples.txt" &
sampler=$!

segments=$(( (total + seg - 1) / seg ))
echo "soak: $segments segments of ${seg}s, scale $scale, samples every ${every}s, in $work"
for k in $(seq 1 "$segments"); do
  [ "$k" = 1 ] || token=$(sign_in "$addr" bench-tms bench-tms-pass)
  pids=()
  for entry in $mix; do
    s=${entry%%:*}
    rate=$(awk -v r="${entry#*:}" -v f="$scale" 'BEGIN {printf "%.3f", r * f}')
    # Up to 4 connections, each pausing so that together they post at the rate.
    conns=$(awk -v r="$rate" 'BEGIN {c = int(r / 10); print (c < 1 ? 1 : (c > 4 ? 4 : c))}')
    pause=$(awk -v r="$rate" -v c="$conns" 'BEGIN {printf "%d", c * 1000 / r}')
    count=$(awk -v r="$rate" -v s="$seg" 'BEGIN {printf "%d", r * s * 1.3 + 20}')
    # Order codes (and the DWS device) from the scenario and the segment: out5's and qimen5's
    # orders are the same tenant's, and a code used twice with other content is refused.
    scenario_bodies "$s" "$count" "$s-$k" "$work/$s.txt" "$token"
    wrk -t1 -c"$conns" -d"${seg}s" -s bench/bodies.lua "http://$addr$(scenario_path "$s")" \
      -- "$work/$s.txt" 1 0 "$count" "$pause" >"$work/$s-$k.out" 2>&1 &
    pids+=($!)
  done
  wait "${pids[@]}"
  printf 'segment %d/%d done at %ds: RSS %s kB\n' "$k" "$segments" $(($(date +%s) - t_start)) \
    "$(awk '/^VmRSS/ {print $2}' "/proc/$gw/status")"
  # RSS as the first segment left it: the reference for growth.
  [ "$k" = 1 ] && awk '/^VmRSS/ {print $2}' "/proc/$gw/status" >"$work/rss-after-first.txt"
done
rss_end=$(awk '/^VmRSS/ {print $2}' "/proc/$gw/status")
kill "$sampler" 2>/dev/null || true
wait "$sampler" 2>/dev/null || true

# Let the last pushes go out (each waybill of tms10 is one), then count them.
expected=$(q "SELECT count(*) FROM push_outbox")
for _ in $(seq 120); do
  [ "$(q "SELECT count(*) FROM push_outbox WHERE status = 'delivered'")" = "$expected" ] && break
  sleep 1
done
delivered=$(q "SELECT count(*) FROM push_outbox WHERE status = 'delivered'")
# The receiver writes a line per push it answered (3TMS messages carry no event id to tell
# them apart).
arrived=$(wc -l <"$work/arrivals.txt")

echo
echo "== requests per scenario (all segments)"
fail=0
printf '%-8s %10s %8s %8s %14s %8s\n' scenario requests req/s refused socket_errors reused
for entry in $mix; do
  s=${entry%%:*}
  read -r n refused errs reused < <(cat "$work/$s"-*.out | grep -h '^BENCH' |
    sed -E 's/.*requests=([0-9]+).*non200=([0-9]+) socket_errors=([0-9]+) bodies_reused=([0-9]+).*/\1 \2 \3 \4/' |
    awk '{n += $1; r += $2; e += $3; u += $4} END {print n + 0, r + 0, e + 0, u + 0}')
  printf '%-8s %10d %8.1f %8d %14d %8d\n' "$s" "$n" "$(awk -v n="$n" -v t="$((segments * seg))" 'BEGIN {print n / t}')" \
    "$refused" "$errs" "$reused"
  [ "$refused" = 0 ] && [ "$errs" = 0 ] || fail=1
done

echo
echo "== the gateway over time (one line per tenth of the run)"
awk -v lines=10 '
  { t[NR] = $1; rss[NR] = $2; hwm[NR] = $3; thr[NR] = $4; fds[NR] = $5; ses[NR] = $6 }
  END {
    printf "%8s %10s %10s %8s %6s %9s\n", "seconds", "RSS MB", "peak MB", "threads", "fds", "sessions"
    step = NR / lines; if (step < 1) step = 1
    for (i = step; i <= NR + 0.5; i += step) {
      j = int(i + 0.5); if (j > NR) j = NR
      printf "%8d %10.1f %10.1f %8d %6d %9s\n", t[j], rss[j] / 1024, hwm[j] / 1024, thr[j], fds[j], ses[j]
    }
  }' "$work/samples.txt"
# Least-squares slope of RSS over the second half of the run, in MB per hour.
slope=$(awk '{ t[NR] = $1; r[NR] = $2 / 1024 }
  END {
    from = int(NR / 2) + 1; n = 0
    for (i = from; i <= NR; i++) { n++; st += t[i]; sr += r[i]; stt += t[i] * t[i]; str += t[i] * r[i] }
    d = n * stt - st * st
    printf "%.2f", (n > 1 && d != 0) ? (n * str - st * sr) / d * 3600 : 0
  }' "$work/samples.txt")
rss_first=$(cat "$work/rss-after-first.txt")
growth=$(awk -v a="$rss_first" -v b="$rss_end" 'BEGIN {printf "%.1f", (b - a) / 1024}')
requests=$(cat "$work"/*-*.out | grep -h '^BENCH' | sed -E 's/.*requests=([0-9]+).*/\1/' | awk '{n += $1} END {print n + 0}')
size=$(q "SELECT pg_size_pretty(pg_database_size(current_database()))")
echo
printf 'SOAK seconds=%d requests=%d rss_after_first_segment_mb=%.1f rss_end_mb=%.1f growth_mb=%s slope_second_half_mb_per_h=%s peak_mb=%.1f pushes=%d delivered=%d arrived=%d database=%s\n' \
  "$((segments * seg))" "$requests" "$(awk -v a="$rss_first" 'BEGIN {print a / 1024}')" \
  "$(awk -v a="$rss_end" 'BEGIN {print a / 1024}')" "$growth" "$slope" \
  "$(awk '/^VmHWM/ {print $2 / 1024}' "/proc/$gw/status")" "$expected" "$delivered" "$arrived" "$size"
echo "(samples and wrk output in $work)"
if [ "$delivered" != "$expected" ] || [ "$arrived" -lt "$expected" ]; then
  echo "FAIL: $delivered of $expected pushes delivered, $arrived arrived" >&2; fail=1
fi
if awk -v g="$growth" -v m="$max_growth" 'BEGIN {exit !(g > m)}'; then
  echo "FAIL: RSS grew ${growth} MB after the first segment (more than $max_growth)" >&2; fail=1
fi
[ "$requests" -gt 0 ] || { echo "FAIL: no requests" >&2; fail=1; }
exit "$fail"
