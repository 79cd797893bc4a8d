#!/usr/bin/env bash
# Installs what the tests need (when missing), builds, and runs every test project.
# Prints per-assembly results and, last, the plain total line "N passed, N failed".
set -uo pipefail
cd "$(dirname "$0")"

as_root() { if [ "$(id -u)" = 0 ]; then "$@"; elif command -v sudo >/dev/null; then sudo "$@"; else "$@"; fi; }
apt_updated=0
need_pkg() { # need_pkg <command-or-path> <debian-package>
  if [ -x "$1" ] || command -v "$1" >/dev/null 2>&1; then return 0; fi
  echo "test.sh: installing $2 from Debian's packages"
  if [ $apt_updated = 0 ]; then as_root apt-get update -qq -o DPkg::Lock::Timeout=300 >/dev/null; apt_updated=1; fi
  as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq -o DPkg::Lock::Timeout=300 "$2" >/dev/null
}

# Browser tests drive Debian's Chromium through Playwright (no browser download).
need_pkg /usr/bin/chromium chromium
# Migration tests start a throwaway cluster from Debian's PostgreSQL server binaries.
need_pkg /usr/lib/postgresql/15/bin/initdb postgresql
# Alerting tests compare routing with amtool and send alerts through a real Alertmanager.
need_pkg /usr/bin/prometheus-alertmanager prometheus-alertmanager
# Prometheus analysis tests query a real Prometheus scraping the local ingress's meters.
need_pkg /usr/bin/prometheus prometheus
# On-call email tests deliver to a real SMTP sink (Debian's aiosmtpd, run with Debian's python3).
need_pkg /usr/lib/python3/dist-packages/aiosmtpd python3-aiosmtpd

export DOTNET_CLI_TELEMETRY_OPTOUT=1 DOTNET_NOLOGO=1
results="$(pwd)/artifacts/test-results"
rm -rf "$results"; mkdir -p "$results"

began=$(date +%s)
at() { echo "[$(( $(date +%s) - began )) s]"; } # time since test.sh began, to see where a slow run spends it
echo "test.sh: building $(at)"
if ! dotnet build OpsConsole.sln -c Release -v quiet -nologo; then
  echo "0 passed, 1 failed"
  exit 1
fi

# The layout rules of .editorconfig (analyzers and code style already fail the build above).
# EF Core's generated migrations are left as the tool writes them.
echo "test.sh: checking formatting $(at)"
if ! dotnet format whitespace OpsConsole.sln --verify-no-changes --exclude src/Core/Persistence/Migrations src/Core.Postgres/Migrations; then
  echo "test.sh: formatting differs from .editorconfig; run: dotnet format whitespace OpsConsole.sln --exclude src/Core/Persistence/Migrations src/Core.Postgres/Migrations"
  echo "formatting" >> "$results/failed-runs"
fi

runs=""
run_tests() { # run_tests <project> <run name> [dotnet test arguments]
  echo "test.sh: running $2 $(at)"
  dotnet test "$1" -c Release --no-build -nologo "${@:3}" \
    --logger "trx;LogFileName=$2.trx" --logger "console;verbosity=normal" \
    --results-directory "$results/$2" || echo "$2" >> "$results/failed-runs"
}

# One after the other, alone on the machine: the suites that time real processes, a browser and the judge.
console=tests/Console.Tests/OpsConsole.Console.Tests.csproj
for p in $(find tests -name '*.Tests.csproj' | sort); do
  [ "$p" = "$console" ] && continue
  name=$(basename "$p" .csproj); runs="$runs $name"; run_tests "$p" "$name"
done

# The console's host suite runs twice, on SQLite and on PostgreSQL (a throwaway server from Debian's
# binaries: initdb into a temp folder, a free loopback port, fsync off; each test store a fresh database
# on it, see tests/Shared/TestStores.cs), and the Core suite again on PostgreSQL. The host suites spend
# most of their time waiting on hosts and stores, so they run side by side, each with its output in a
# file printed afterwards; the failover test, which times a failover, runs alone at the end.
pg_bin=$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -1)
pg_root=$(mktemp -d /tmp/opsconsole-store-pg.XXXXXX)
pg_port=$(python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
as_pg() { if [ "$(id -u)" = 0 ]; then runuser -u postgres -- "$@"; else "$@"; fi; }
[ "$(id -u)" = 0 ] && chown postgres:postgres "$pg_root"
pg_started=0
failover="FullyQualifiedName~OpsConsole.Console.Tests.Replicas.FailoverTests"
runs="$runs OpsConsole.Console.Tests OpsConsole.Console.Tests.Failover"
if as_pg "$pg_bin/initdb" -D "$pg_root/data" -U postgres --auth=trust --no-sync -E UTF8 --locale=C >/dev/null \
  && (cd "$pg_root" && as_pg "$pg_bin/pg_ctl" -D "$pg_root/data" -l "$pg_root/server.log" -w -t 60 -o \
    "-p $pg_port -c listen_addresses=127.0.0.1 -c unix_socket_directories=$pg_root -c fsync=off -c synchronous_commit=off -c full_page_writes=off -c max_connections=400" start >/dev/null); then
  pg_started=1
  pg_began=$(date +%s)
  store_pg="Host=127.0.0.1;Port=$pg_port;Username=postgres;Database=postgres"
  runs="$runs OpsConsole.Core.Tests.Postgres OpsConsole.Console.Tests.Postgres"
  (
    run_tests $console OpsConsole.Console.Tests --filter "FullyQualifiedName!~OpsConsole.Console.Tests.Replicas.FailoverTests"
    OPS_TEST_STORE=postgres OPS_TEST_STORE_SERVER="$store_pg" run_tests tests/Core.Tests/OpsConsole.Core.Tests.csproj OpsConsole.Core.Tests.Postgres
  ) > "$results/sqlite-lane.log" 2>&1 &
  # On PostgreSQL, left out: the failover test (it runs two consoles on a PostgreSQL server of its own
  # whatever the test store is) and the bunit page tests, whose waits race the slower store now and
  # then on a busy machine (run them by hand: OPS_TEST_STORE=postgres, see the README).
  (
    OPS_TEST_STORE=postgres OPS_TEST_STORE_SERVER="$store_pg" run_tests $console OpsConsole.Console.Tests.Postgres \
      --filter "FullyQualifiedName!~OpsConsole.Console.Tests.Replicas.FailoverTests&FullyQualifiedName!~OpsConsole.Console.Tests.Components"
  ) > "$results/postgres-lane.log" 2>&1 &
  wait
  cat "$results/sqlite-lane.log" "$results/postgres-lane.log"
  echo "test.sh: the side-by-side runs took $(( $(date +%s) - pg_began )) s"
else
  echo "test.sh: could not start PostgreSQL for the store runs"; cat "$pg_root/server.log" 2>/dev/null
  echo "PostgreSQL" >> "$results/failed-runs"
  run_tests $console OpsConsole.Console.Tests --filter "FullyQualifiedName!~OpsConsole.Console.Tests.Replicas.FailoverTests"
fi
[ $pg_started = 1 ] && (cd "$pg_root" && as_pg "$pg_bin/pg_ctl" -D "$pg_root/data" -m immediate -w stop >/dev/null)
rm -rf "$pg_root"
run_tests $console OpsConsole.Console.Tests.Failover --filter "$failover"

failed_runs=$(cat "$results/failed-runs" 2>/dev/null | wc -l)
passed=0; failed=0
for name in $runs; do
  trx="$results/$name/$name.trx"
  if [ ! -f "$trx" ]; then echo "test.sh: $name produced no results"; failed=$((failed + 1)); continue; fi
  counters=$(grep -o '<Counters [^>]*' "$trx")
  p_=$(echo "$counters" | grep -o ' passed="[0-9]*"' | grep -o '[0-9]*')
  f_=$(echo "$counters" | grep -o ' failed="[0-9]*"' | grep -o '[0-9]*')
  e_=$(echo "$counters" | grep -o ' error="[0-9]*"' | grep -o '[0-9]*')
  echo "test.sh: $name: ${p_:-0} passed, $(( ${f_:-0} + ${e_:-0} )) failed"
  # Which tests failed and why, near the end of the output where a CI excerpt shows it.
  if [ "$(( ${f_:-0} + ${e_:-0} ))" != 0 ]; then python3 - "$trx" <<'PY'
import sys, xml.etree.ElementTree as ET
ns = {"t": "http://microsoft.com/schemas/VisualStudio/TeamTest/2010"}
for r in ET.parse(sys.argv[1]).getroot().iterfind(".//t:UnitTestResult", ns):
    if r.get("outcome") != "Passed":
        message = r.findtext(".//t:Message", "", ns).strip().splitlines()
        print(f"test.sh:   {r.get('outcome')}: {r.get('testName')}")
        for line in message[:12]: print(f"test.sh:     {line[:300]}")
PY
  fi
  passed=$((passed + ${p_:-0})); failed=$((failed + ${f_:-0} + ${e_:-0}))
done
if [ "$failed" = 0 ] && [ "$failed_runs" != 0 ]; then failed=$failed_runs; fi

echo "test.sh: done $(at)"
echo "$passed passed, $failed failed"
[ "$failed" = 0 ]
