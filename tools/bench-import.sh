#!/usr/bin/env bash
# Import benchmark: generates N synthetic entities with the CLI, then imports them into a throw-away PostgreSQL
# (binary COPY path) and into an embedded SQLite file, each twice (first insert, then an unchanged re-import),
# printing rows/s and the importer's peak memory (GNU time's maximum resident set size).
#   tools/bench-import.sh 1000000
set -euo pipefail
ROWS=${1:-1000000}
ROOT=$(cd "$(dirname "$0")/.." && pwd)
WORK=$(mktemp -d /tmp/supervision-bench-XXXXXX)
PGBIN=${SUPERVISION_PG_BIN:-$(ls -d /usr/lib/postgresql/*/bin | sort -V | tail -1)}
PORT=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
AS_PG=(); if [ "$(id -u)" = 0 ]; then AS_PG=(runuser -u postgres --); chown postgres "$WORK"; fi
cleanup() { "${AS_PG[@]}" "$PGBIN/pg_ctl" -D "$WORK/pg" -m immediate stop >/dev/null 2>&1 || true; rm -rf "$WORK"; }
trap cleanup EXIT

echo "machine: $(nproc) cores, $(awk '/MemTotal/ {printf "%.0f GiB", $2/1048576}' /proc/meminfo), $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | xargs); load $(cut -d' ' -f1-3 /proc/loadavg)"
dotnet build -c Release "$ROOT/src/Supervision.Cli" -v q -nologo >/dev/null
CLI=(dotnet "$ROOT/src/Supervision.Cli/bin/Release/net10.0/supervision.dll")
"${CLI[@]}" generate --entities "$ROWS" --inspectors 0 --seed 42 --out "$WORK/gen" >/dev/null
echo "generated $ROWS entities: $(du -h "$WORK/gen/entities.csv" | cut -f1)"

"${AS_PG[@]}" "$PGBIN/initdb" -D "$WORK/pg" -U postgres -A trust >/dev/null
"${AS_PG[@]}" "$PGBIN/pg_ctl" -D "$WORK/pg" -l "$WORK/pg.log" -o "-p $PORT -c listen_addresses=127.0.0.1 -c unix_socket_directories=$WORK -c max_wal_size=4GB -c shared_buffers=1GB" -w start >/dev/null
"$PGBIN/createdb" -h 127.0.0.1 -p "$PORT" -U postgres supervision
PG="Host=127.0.0.1;Port=$PORT;Username=postgres;Database=supervision"

run() { # label, storage args...
  local label=$1; shift
  for pass in first re-import; do
    /usr/bin/time -f "%M" -o "$WORK/rss" "${CLI[@]}" import entities "$WORK/gen/entities.csv" "$@" > "$WORK/out" 2>&1
    local rate; rate=$(grep -o '([0-9,]* rows/s)' "$WORK/out" | tr -d '(),' | cut -d' ' -f1)
    local secs; secs=$(grep -oE '[0-9.,]+ s \(' "$WORK/out" | head -1 | cut -d' ' -f1 || true)
    grep -q completed "$WORK/out" || { cat "$WORK/out"; exit 1; }
    echo "$label $pass: $ROWS rows in $secs s = $rate rows/s, peak RSS $(( $(cat "$WORK/rss") / 1024 )) MiB"
  done
}
run "PostgreSQL (binary COPY)" --postgres "$PG"
run "SQLite (embedded)" --data "$WORK/sqlite"
