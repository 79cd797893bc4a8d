#!/usr/bin/env bash
# Idle footprint of the local cluster demo: 3 services x 3 environments, one workload process each,
# an in-process ingress each and demo traffic at RPS requests per second each (default 5).
# Sums resident memory (VmRSS, and PSS which counts shared pages once) of the driver process
# (ingresses + traffic generator, i.e. the console's share of the cluster) and of every workload
# process, and their CPU time over MEASURE_SECONDS (default 30) after WARMUP seconds (default 10).
# Optionally (CONSOLE=1) also starts the console idle (OPS_DEMO=false) and adds it.
# Usage: benchmarks/cluster-footprint.sh        (Linux; reads /proc)
set -euo pipefail
cd "$(dirname "$0")/.."
RPS="${RPS:-5}"; MEASURE_SECONDS="${MEASURE_SECONDS:-30}"; WARMUP="${WARMUP:-10}"

dotnet build benchmarks/ClusterFootprint -c Release -v quiet -nologo >/dev/null
work="$(mktemp -d)"
cleanup() {
  [ -n "${driver:-}" ] && kill -TERM "$driver" 2>/dev/null && wait "$driver" 2>/dev/null || true
  [ -n "${console_pid:-}" ] && kill -TERM "$console_pid" 2>/dev/null && wait "$console_pid" 2>/dev/null || true
  rm -rf "$work"
}
trap cleanup EXIT

dotnet benchmarks/ClusterFootprint/bin/Release/net10.0/ClusterFootprint.dll --data "$work/data" --rps "$RPS" >"$work/driver.log" 2>&1 &
driver=$!
for _ in $(seq 600); do grep -q READY "$work/driver.log" && break; sleep 0.1; done
grep READY "$work/driver.log" || { cat "$work/driver.log"; exit 1; }

if [ "${CONSOLE:-0}" = 1 ]; then
  dotnet build src/Console -c Release -v quiet -nologo >/dev/null
  (cd src/Console && exec env OPS_DEMO=false OPS_DATA_DIR="$work/console" ASPNETCORE_URLS=http://127.0.0.1:0 \
    dotnet bin/Release/net10.0/OpsConsole.Console.dll >"$work/console.log" 2>&1) &
  console_pid=$!
fi
sleep "$WARMUP"

pids() { echo "$driver"; pgrep -P "$driver" || true; if [ -n "${console_pid:-}" ]; then echo "$console_pid"; fi; }
ticks() { local t=0; for p in $(pids); do [ -r "/proc/$p/stat" ] && t=$((t + $(awk '{print $14+$15}' "/proc/$p/stat"))); done; echo "$t"; }
hz=$(getconf CLK_TCK)
t0=$(ticks); s0=$(date +%s.%N)
sleep "$MEASURE_SECONDS"
t1=$(ticks); s1=$(date +%s.%N)

printf '%-8s %-28s %10s %10s\n' pid process rss_MB pss_MB
rss_total=0; pss_total=0; n=0
for p in $(pids); do
  [ -r "/proc/$p/status" ] || continue
  rss=$(awk '/^VmRSS/{print $2}' "/proc/$p/status"); pss=$(awk '/^Pss:/{print $2}' "/proc/$p/smaps_rollup")
  name=$(tr '\0' ' ' <"/proc/$p/cmdline" | grep -o '[A-Za-z.]*\.dll' | head -1 || true)
  awk -v p="$p" -v n="$name" -v r="$rss" -v s="$pss" 'BEGIN{printf "%-8s %-28s %10.1f %10.1f\n", p, n, r/1024, s/1024}'
  rss_total=$((rss_total + rss)); pss_total=$((pss_total + pss)); n=$((n + 1))
done
awk -v n="$n" -v r="$rss_total" -v s="$pss_total" -v t="$((t1 - t0))" -v hz="$hz" -v a="$s0" -v b="$s1" -v rps="$RPS" 'BEGIN{
  printf "processes: %d  total RSS: %.0f MB  total PSS: %.0f MB  CPU: %.3f of one core over %.0f s (%s rps per service)\n", n, r/1024, s/1024, t/hz/(b-a), b-a, rps}'
