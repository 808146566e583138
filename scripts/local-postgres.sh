#!/usr/bin/env bash
# Sourced by scripts/serve and scripts/test: when DATABASE_URL is unset, bring up a private
# PostgreSQL cluster with the system's binaries (installing Debian's postgresql when missing)
# and export DATABASE_URL for it. Works as root (the server runs as the postgres user) and as
# an ordinary user (the server runs as that user).
#   HXGW_PG_PORT   port of the private cluster (default 15432; keep it below 32768)
#   HXGW_PG_DIR    its data directory (default .data/pg, or a reachable folder under /tmp)
#   HXGW_PG_OPTIONS  more server options when it starts (e.g. "-c shared_preload_libraries=…")

hxgw_pg_bindir() {
  local d
  for d in "$(pg_config --bindir 2>/dev/null)" /usr/lib/postgresql/*/bin; do
    if [ -n "$d" ] && [ -x "$d/initdb" ]; then echo "$d"; return 0; fi
  done
  return 1
}

hxgw_install_postgres() {
  echo "PostgreSQL server binaries not found; installing Debian's postgresql package..." >&2
  if [ "$(id -u)" -ne 0 ]; then
    echo "error: installing postgresql needs root; run: sudo apt-get install -y postgresql" >&2
    return 1
  fi
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq >&2 && apt-get install -y -qq postgresql >&2
}

# Runs a command as the cluster's owner.
hxgw_as_owner() {
  if [ "$(id -u)" -eq 0 ]; then runuser -u postgres -- "$@"; else "$@"; fi
}

hxgw_local_postgres() {
  if [ -n "${DATABASE_URL:-}" ]; then
    echo "Using DATABASE_URL from the environment." >&2
    return 0
  fi
  local root port bindir dir
  root="$(pwd)"
  port="${HXGW_PG_PORT:-15432}"
  bindir="$(hxgw_pg_bindir)" || { hxgw_install_postgres && bindir="$(hxgw_pg_bindir)"; } || {
    echo "error: no PostgreSQL server binaries (initdb) found" >&2; return 1; }

  dir="${HXGW_PG_DIR:-$root/.data/pg}"
  if [ "$(id -u)" -eq 0 ]; then
    id postgres >/dev/null 2>&1 || useradd --system --home-dir /var/lib/postgresql --shell /bin/bash postgres
    mkdir -p "$(dirname "$dir")"
    # The postgres user must be able to reach the data directory; a checkout under a 0700 home
    # (root's, or mktemp's) is out of its reach, so fall back to a folder under /tmp.
    if ! runuser -u postgres -- test -x "$(dirname "$dir")"; then
      dir="/tmp/hxgw-pg-$(printf '%s' "$root" | md5sum | cut -c1-12)"
      echo "note: $root is not reachable by the postgres user; cluster lives in $dir" >&2
    fi
    mkdir -p "$dir" && chown postgres:postgres "$dir" && chmod 0700 "$dir"
  else
    mkdir -p "$dir" && chmod 0700 "$dir"
  fi

  if [ ! -s "$dir/PG_VERSION" ]; then
    echo "Creating a private PostgreSQL cluster in $dir ..." >&2
    hxgw_as_owner "$bindir/initdb" -D "$dir" -U postgres --auth=trust --encoding=UTF8 --locale=C.UTF-8 >/dev/null || return 1
  fi
  if hxgw_as_owner "$bindir/pg_ctl" -D "$dir" status >/dev/null 2>&1; then
    # Already running: use the port it was started on (line 4 of postmaster.pid).
    port="$(sed -n 4p "$dir/postmaster.pid")"
  else
    # Another cluster (another checkout's, say) may hold the port: take the next free one.
    local tries=0
    while (exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null; do
      port=$((port + 1)); tries=$((tries + 1))
      [ "$tries" -lt 50 ] || { echo "error: no free port near ${HXGW_PG_PORT:-15432}" >&2; return 1; }
    done
    echo "Starting PostgreSQL on 127.0.0.1:$port ..." >&2
    hxgw_as_owner "$bindir/pg_ctl" -D "$dir" -l "$dir/server.log" -w -t 60 start \
      -o "-p $port -c listen_addresses=127.0.0.1 -k $dir -c max_connections=300 -c fsync=${HXGW_PG_FSYNC:-on} ${HXGW_PG_OPTIONS:-}" >/dev/null || {
        echo "error: PostgreSQL did not start; see $dir/server.log" >&2; tail -20 "$dir/server.log" >&2; return 1; }
  fi
  export HXGW_PG_DATA_DIR="$dir" HXGW_PG_BIN_DIR="$bindir"
  export DATABASE_URL="postgres://postgres@127.0.0.1:$port/hongxun"
  if ! "$bindir/psql" "postgres://postgres@127.0.0.1:$port/postgres" -tAc "select 1 from pg_database where datname='hongxun'" | grep -q 1; then
    "$bindir/createdb" -h 127.0.0.1 -p "$port" -U postgres hongxun || return 1
  fi
  echo "PostgreSQL ready: $DATABASE_URL" >&2
}
