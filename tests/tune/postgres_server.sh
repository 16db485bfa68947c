#!/usr/bin/env bash
# A throw-away PostgreSQL server for the tests (Debian's postgresql package), noted in DIR:
#   postgres_server.sh start DIR PORT   initdb, start on 127.0.0.1:PORT (trust auth, user modlr,
#                                       no fsync), print its URL postgresql://modlr@127.0.0.1:PORT/postgres
#   postgres_server.sh stop DIR         stop it (immediately) and remove DIR
# PostgreSQL refuses to run as root; as root (CI) the server runs as the postgres user, in a
# directory of its own under /tmp (DIR may sit where that user cannot reach), named in DIR/server.
set -euo pipefail
action=$1 dir=$2
bin=$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -1)
[ -x "$bin/initdb" ] || { echo "postgres_server: no PostgreSQL server (apt-get install postgresql)" >&2; exit 2; }
as_server() { if [ "$(id -u)" = 0 ]; then runuser -u postgres -- "$@"; else "$@"; fi; }
case $action in
  start)
    port=$3
    mkdir -p "$dir"
    server=$(mktemp -d /tmp/modlr-postgres.XXXXXX)
    echo "$server" >"$dir/server"
    if [ "$(id -u)" = 0 ]; then chown postgres "$server"; fi
    as_server "$bin/initdb" -D "$server/data" -U modlr --auth=trust -E UTF8 --no-sync >"$server/initdb.log" 2>&1 ||
      { cat "$server/initdb.log" >&2; exit 1; }
    as_server "$bin/pg_ctl" -D "$server/data" -l "$server/server.log" -w -t 60 \
      -o "-p $port -k $server -c listen_addresses=127.0.0.1 -c fsync=off -c full_page_writes=off" start >/dev/null ||
      { cat "$server/server.log" >&2; exit 1; }
    echo "postgresql://modlr@127.0.0.1:$port/postgres"
    ;;
  stop)
    server=$(cat "$dir/server" 2>/dev/null || true)
    case $server in /tmp/modlr-postgres.*) ;; *) exit 0 ;; esac
    as_server "$bin/pg_ctl" -D "$server/data" -m immediate -w stop >/dev/null 2>&1 || true
    rm -rf "$server" "$dir/server"
    ;;
  *) echo "usage: postgres_server.sh start DIR PORT | stop DIR" >&2; exit 2 ;;
esac
