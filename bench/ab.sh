#!/usr/bin/env bash
# A/B of two gateway builds on one scenario: `bench/ab.sh BIN_A BIN_B SCENARIO [PAIRS] [SECS]`.
# Runs A, then B, PAIRS times (default 3), SECS seconds each (default 10) after a 3-s warm-up,
# one gateway at a time on the database `bench/run.sh` left behind (its cluster in
# ${TMPDIR:-/tmp}/hxgw-bench-pg, started again if stopped), 16 connections, fresh bodies per
# run. Prints, per run, the requests per second and the gateway's CPU per request (user and
# system, from /proc), its user CPU, and its task switches per request. Builds alternate
# because this host's speed drifts by 10-25 % within an hour: compare within pairs.
# SCENARIO: one of bench/scenarios.sh's. Run `bench/run.sh` once first.
set -euo pipefail
cd "$(dirname "$0")/.."
[ $# -ge 3 ] || { sed -n '2,9p' "$0" >&2; exit 2; }
bin_a=$(realpath "$1"); bin_b=$(realpath "$2"); scen=$3; pairs=${4:-3}; secs=${5:-10}
export HXGW_PG_DIR="${TMPDIR:-/tmp}/hxgw-bench-pg" HXGW_PG_PORT=16532
export HXGW_PG_OPTIONS="-c shared_preload_libraries=pg_stat_statements -c pg_stat_statements.track=top"
[ -d "$HXGW_PG_DIR" ] || { echo "no bench cluster in $HXGW_PG_DIR: run bench/run.sh first" >&2; exit 2; }
unset DATABASE_URL
# shellcheck source=scripts/local-postgres.sh
source scripts/local-postgres.sh
# shellcheck source=bench/scenarios.sh
source bench/scenarios.sh
hxgw_local_postgres >/dev/null
export DATABASE_URL="${DATABASE_URL%/*}/hongxun_bench"
export SQLX_OFFLINE=true HXGW_MASTER_KEY=000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f
"$HXGW_PG_BIN_DIR/psql" -tA "$DATABASE_URL" -c "SELECT 1 FROM clients WHERE create_by = 'BENCH' LIMIT 1" \
  2>/dev/null | grep -q 1 || { echo "the bench database has no bench identities: run bench/run.sh first" >&2; exit 2; }
work=$(mktemp -d /tmp/hxgw-ab.XXXXXX)
port=18080
while (exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null; do port=$((port + 1)); done

bodies() { # SCENARIO FILE: a fresh set of signed bodies (new order codes each run)
  local tag="R$RANDOM$RANDOM" token= n
  # 3TMS calls carry an access token: signed in on the gateway just started.
  [ "$1" != tms10 ] || token=$(sign_in "127.0.0.1:$port" bench-tms bench-tms-pass)
  # Twice what the run needs at the scenario's best rate on this host: the measured run reads
  # the first half, the warm-up the second, so that neither replays the other's bodies.
  n=$((2 * $(scenario_rate "$1") * (secs + 3)))
  case $1 in
    inv20) scenario_bodies inv20 "$n" Q "$2" ;;
    dws1 | dws50) scenario_bodies "$1" "$n" "LINE-$tag" "$2" ;;
    *) scenario_bodies "$1" "$n" "X$tag" "$2" "$token" ;;
  esac
}
path=$(scenario_path "$scen")

one() { # LABEL BIN
  local label=$1 bin=$2 file="$work/bodies.txt" gw line
  HXGW__LOG__LEVEL="warn,hongxun_gateway::startup=info" "$bin" serve --bind "127.0.0.1:$port" \
    2>"$work/gateway.log" >/dev/null &
  gw=$!
  for _ in $(seq 200); do grep -q "listening on" "$work/gateway.log" 2>/dev/null && break; sleep 0.1; done
  grep -q "listening on" "$work/gateway.log" || { cat "$work/gateway.log" >&2; kill "$gw"; exit 1; }
  bodies "$scen" "$file"
  local half=$(( $(wc -l <"$file") / 2 ))
  # Warm-up on the second half of the bodies, measured run from the first.
  wrk -t2 -c16 -d3s -s bench/bodies.lua "http://127.0.0.1:$port$path" -- "$file" 2 "$half" >/dev/null
  switches() { cat /proc/"$gw"/task/*/status | awk '/ctxt_switches/ {s += $2} END {print s}'; }
  local t0 u0 c0 t1 u1 c1
  t0=$(awk '{print $14 + $15}' /proc/"$gw"/stat); u0=$(awk '{print $14}' /proc/"$gw"/stat); c0=$(switches)
  line=$(wrk -t2 -c16 -d"${secs}s" --latency -s bench/bodies.lua "http://127.0.0.1:$port$path" -- "$file" 2 | grep BENCH)
  t1=$(awk '{print $14 + $15}' /proc/"$gw"/stat); u1=$(awk '{print $14}' /proc/"$gw"/stat); c1=$(switches)
  kill "$gw"; wait "$gw" 2>/dev/null || true
  local n rps non tick
  n=$(sed -E 's/.*requests=([0-9]+).*/\1/' <<<"$line")
  rps=$(sed -E 's/.*rps=([0-9.]+).*/\1/' <<<"$line")
  non=$(sed -E 's/.*non200=([0-9]+).*/\1/' <<<"$line")
  tick=$(getconf CLK_TCK)
  awk -v l="$label" -v s="$scen" -v r="$rps" -v n="$n" -v t=$((t1 - t0)) -v u=$((u1 - u0)) \
      -v c=$((c1 - c0)) -v k="$tick" -v x="$non" 'BEGIN {
    printf "%s %s rps=%s cpu_us=%.0f user_us=%.0f switches_per_req=%.2f non200=%s\n",
      l, s, r, t * 1e6 / k / n, u * 1e6 / k / n, c / n, x }'
  [ "$non" = 0 ] || { echo "non-200 answers: see $work/gateway.log" >&2; exit 1; }
}

for _ in $(seq "$pairs"); do
  one A "$bin_a"
  one B "$bin_b"
done
rm -rf "$work"
