#!/usr/bin/env bash
# Runs a command with a throw-away PostgreSQL server: a new cluster in a
# temporary directory on 127.0.0.1, a fresh database, and DATABASE_URL exported
# for the command. The server is stopped and its directory removed afterwards.
set -euo pipefail

pg_bin=$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -n 1)
[[ -x "$pg_bin/initdb" ]] || { echo "with-postgres: PostgreSQL is not installed (scripts/install-deps.sh --test)" >&2; exit 1; }

port=${QALAM_TEST_PG_PORT:-55432}
data=$(mktemp -d /tmp/qalam-pg.XXXXXX)
as_pg=()
if [[ $(id -u) -eq 0 ]]; then
    chown postgres "$data"
    as_pg=(runuser -u postgres --)
fi

cleanup() {
    "${as_pg[@]}" "$pg_bin/pg_ctl" -D "$data" -m immediate stop >/dev/null 2>&1 || true
    rm -rf "$data"
}
trap cleanup EXIT

"${as_pg[@]}" "$pg_bin/initdb" -D "$data" -U postgres -A trust --no-sync >/dev/null
"${as_pg[@]}" "$pg_bin/pg_ctl" -D "$data" -l "$data/server.log" -w \
    -o "-p $port -k $data -c listen_addresses=127.0.0.1 -c fsync=off" start >/dev/null
"${as_pg[@]}" "$pg_bin/createdb" -h 127.0.0.1 -p "$port" -U postgres qalam_test

export DATABASE_URL="postgresql://postgres@127.0.0.1:$port/qalam_test"
export QALAM_TEST_DATABASE_URL="$DATABASE_URL"
"$@"
