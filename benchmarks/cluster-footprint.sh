#!/usr/bin/env bash
# Idle footprint of the local cluster demo: 3 services x 3 environments, one workload process each,
# an in-process ingress each, and demo traffic at RPS requests per second each (default 5).
# Sums resident memory (VmRSS; and PSS, which counts pages shared between processes once) and the
# CPU time (share of one core) of the measured processes over MEASURE_SECONDS (default 30) after WARMUP seconds (default 10).
#
#   MODE=console (default)  the whole idle demo as a user runs it: the console (Release build, its
#                           first-run demo seeding on) and every workload process it started.
#   MODE=cluster            the local cluster alone, driven by benchmarks/ClusterFootprint
#                           (ingresses + traffic generator in the driver process, plus the workloads).
#
# Usage: benchmarks/cluster-footprint.sh          (Linux: reads /proc)
set -euo pipefail
cd "$(dirname "$0")/.."
MODE="${MODE:-console}"; RPS="${RPS:-5}"; MEASURE_SECONDS="${MEASURE_SECONDS:-30}"; WARMUP="${WARMUP:-10}"
work="$(mktemp -d)"
main_pid=""
cleanup() {
  if [ -n "$main_pid" ]; then kill -TERM "$main_pid" 2>/dev/null || true; wait "$main_pid" 2>/dev/null || true; fi
  rm -rf "$work"
}
trap cleanup EXIT

children() { pgrep -P "$main_pid" -f OpsConsole.Workload.dll || true; }

if [ "$MODE" = cluster ]; then
  dotnet build benchmarks/ClusterFootprint -c Release -v quiet -nologo >/dev/null
  dotnet benchmarks/ClusterFootprint/bin/Release/net10.0/ClusterFootprint.dll --data "$work/data" --rps "$RPS" >"$work/main.log" 2>&1 &
  main_pid=$!
else
  dotnet build src/Console -c Release -v quiet -nologo >/dev/null
  (cd src/Console && exec env OPS_DATA_DIR="$work/data" OPS_DEMO_RPS="$RPS" ASPNETCORE_URLS=http://127.0.0.1:0 \
    dotnet bin/Release/net10.0/OpsConsole.Console.dll >"$work/main.log" 2>&1) &
  main_pid=$!
fi

# Ready when nine workload processes run and answer (give the console a minute on a cold start).
for _ in $(seq 600); do
  [ "$(children | wc -l)" -ge 9 ] && break
  kill -0 "$main_pid" 2>/dev/null || { cat "$work/main.log"; exit 1; }
  sleep 0.1
done
[ "$(children | wc -l)" -ge 9 ] || { echo "the demo did not start 9 workload processes:"; tail -20 "$work/main.log"; exit 1; }
sleep "$WARMUP"

pids() { echo "$main_pid"; children; }
ticks_of() { [ -r "/proc/$1/stat" ] && awk '{print $14+$15}' "/proc/$1/stat" || echo 0; }
hz=$(getconf CLK_TCK)
declare -A t0
for p in $(pids); do t0[$p]=$(ticks_of "$p"); done
s0=$(date +%s.%N)
sleep "$MEASURE_SECONDS"
s1=$(date +%s.%N)

printf '%-8s %-28s %10s %10s %8s\n' pid process rss_MB pss_MB cpu
rss_total=0; pss_total=0; ticks_total=0; n=0
for p in $(pids); do
  [ -r "/proc/$p/status" ] || continue
  rss=$(awk '/^VmRSS/{print $2}' "/proc/$p/status"); pss=$(awk '/^Pss:/{print $2}' "/proc/$p/smaps_rollup")
  dt=$(( $(ticks_of "$p") - ${t0[$p]:-0} ))
  name=$(tr '\0' ' ' <"/proc/$p/cmdline" | grep -o '[A-Za-z.]*\.dll' | head -1 || true)
  awk -v p="$p" -v n="$name" -v r="$rss" -v s="$pss" -v t="$dt" -v hz="$hz" -v a="$s0" -v b="$s1" \
    'BEGIN{printf "%-8s %-28s %10.1f %10.1f %8.3f\n", p, n, r/1024, s/1024, t/hz/(b-a)}'
  rss_total=$((rss_total + rss)); pss_total=$((pss_total + pss)); ticks_total=$((ticks_total + dt)); n=$((n + 1))
done
awk -v m="$MODE" -v n="$n" -v r="$rss_total" -v s="$pss_total" -v t="$ticks_total" -v hz="$hz" -v a="$s0" -v b="$s1" -v rps="$RPS" 'BEGIN{
  printf "%s: %d processes, total RSS %.0f MB, total PSS %.0f MB, CPU %.3f of one core over %.0f s (%s rps per service)\n", m, n, r/1024, s/1024, t/hz/(b-a), b-a, rps}'
