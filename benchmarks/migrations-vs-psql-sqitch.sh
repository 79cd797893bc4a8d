#!/usr/bin/env bash
# Applies N small changes to PostgreSQL three ways in one run: the console's migration runner, psql
# running the same deploy scripts, and Sqitch deploying them with verify. Prints times and ratios.
# Needs Debian's postgresql and sqitch packages (apt-get install -y postgresql sqitch).
# Usage: benchmarks/migrations-vs-psql-sqitch.sh [changes=500] [runs=3]
# BENCH_TOOLS=console,psql leaves Sqitch out (a quick comparison; the table keeps all three).
set -euo pipefail
cd "$(dirname "$0")/.."
CHANGES="${1:-500}"; RUNS="${2:-3}"
PGBIN=/usr/lib/postgresql/15/bin
dir="$(mktemp -d)"; chmod 755 "$dir"
port=$(( 20000 + RANDOM % 20000 ))
as_pg() { if [ "$(id -u)" = 0 ]; then runuser -u postgres -- "$@"; else "$@"; fi; }
if [ "$(id -u)" = 0 ]; then chown postgres "$dir"; fi
cleanup() { as_pg "$PGBIN/pg_ctl" -D "$dir/data" -m immediate stop >/dev/null 2>&1 || true; rm -rf "$dir"; }
trap cleanup EXIT
as_pg "$PGBIN/initdb" -D "$dir/data" -U postgres --auth=trust --no-sync >/dev/null
as_pg "$PGBIN/pg_ctl" -D "$dir/data" -o "-p $port -c listen_addresses=127.0.0.1 -c unix_socket_directories=$dir -c fsync=off" -w start >/dev/null
dotnet build benchmarks/Migrations -c Release -v quiet -nologo >/dev/null
dotnet benchmarks/Migrations/bin/Release/net10.0/MigrationBenchmarks.dll 127.0.0.1 "$port" postgres "$CHANGES" "$RUNS"
