#!/usr/bin/env bash
# A throwaway PostgreSQL cluster for tests, benchmarks and the cluster script, from Debian's `postgresql`
# package (scripts/setup-postgres.sh installs it). Listens on 127.0.0.1 only, trust authentication: never for
# production data.
#
#   scripts/pg-cluster.sh start DIR PORT   creates DIR (initdb) if needed, starts the server, prints its URL
#                                          postgres://postgres@127.0.0.1:PORT/postgres
#   scripts/pg-cluster.sh stop DIR         stops it (fast shutdown); DIR is left for the caller to remove
#
# PostgreSQL refuses to run as root: when run as root, the server runs as the `postgres` system user the
# package creates, and DIR is handed to that user.
set -euo pipefail

cmd="${1:-}"
dir="${2:-}"
port="${3:-}"
[[ -n "$cmd" && -n "$dir" ]] || { echo "usage: $0 start DIR PORT | stop DIR" >&2; exit 2; }

bin="$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -1)"
[[ -x "$bin/initdb" ]] || { echo "PostgreSQL is not installed: run scripts/setup-postgres.sh" >&2; exit 1; }

as_owner() {
  if [[ "$(id -u)" == 0 ]]; then runuser -u postgres -- "$@"; else "$@"; fi
}

case "$cmd" in
  start)
    [[ -n "$port" ]] || { echo "usage: $0 start DIR PORT" >&2; exit 2; }
    mkdir -p "$dir"
    if [[ "$(id -u)" == 0 ]]; then chown postgres:postgres "$dir"; chmod 700 "$dir"; fi
    if [[ ! -f "$dir/PG_VERSION" ]]; then
      as_owner "$bin/initdb" -D "$dir" -U postgres --auth=trust --encoding=UTF8 --locale=C.UTF-8 > "$dir.initdb.log" 2>&1 \
        || { cat "$dir.initdb.log" >&2; exit 1; }
    fi
    # Sockets in DIR (not /var/run/postgresql, which may not exist); settings for a test cluster: no fsync
    # wait per commit, enough connections for many pools.
    as_owner "$bin/pg_ctl" -D "$dir" -l "$dir/server.log" -w -t 60 \
      -o "-p $port -h 127.0.0.1 -k $dir -c max_connections=300 -c synchronous_commit=off -c fsync=off -c full_page_writes=off" start > /dev/null \
      || { tail -20 "$dir/server.log" >&2; exit 1; }
    echo "postgres://postgres@127.0.0.1:$port/postgres"
    ;;
  stop)
    if [[ -f "$dir/postmaster.pid" ]]; then as_owner "$bin/pg_ctl" -D "$dir" -m fast -w stop > /dev/null; fi
    ;;
  *) echo "usage: $0 start DIR PORT | stop DIR" >&2; exit 2 ;;
esac
