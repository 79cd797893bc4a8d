#!/usr/bin/env bash
# Cold start of the console to a ready /readyz on an empty data folder (Release build, demo off).
# Builds (publishes) the working tree once, then starts it RUNS times, each on a fresh data folder,
# polls /readyz every 20 ms and prints the median, min and max time from launch to the first 200.
#
# With BASE_REF (a commit, e.g. HEAD~1 or main) the same is measured, in the same run, for that
# commit's build, kept in a temporary folder: runs alternate base, candidate, base, ... and the
# ratio candidate/base of the medians is printed. BASE_PUBLISH_ARGS / PUBLISH_ARGS add publish
# options to one side (e.g. BASE_PUBLISH_ARGS=-p:PublishReadyToRun=false with BASE_REF=HEAD to
# measure one optimisation alone).
#
# Usage: benchmarks/cold-start.sh [RUNS (default 5)] [BASE_REF]
set -euo pipefail
cd "$(dirname "$0")/.."
root="$(pwd)"
runs="${1:-5}"
base_ref="${2:-}"
work="$(mktemp -d)"
pid=""
cleanup() {
  if [ -n "$pid" ]; then kill -TERM "$pid" 2>/dev/null || true; wait "$pid" 2>/dev/null || true; fi
  if [ -d "$work/base-src" ]; then git -C "$root" worktree remove --force "$work/base-src" >/dev/null 2>&1 || true; fi
  rm -rf "$work"
}
trap cleanup EXIT

publish() { # source-root output extra-args...
  local src="$1" out="$2"; shift 2
  dotnet publish "$src/src/Console/OpsConsole.Console.csproj" -c Release -o "$out" -nologo -v quiet "$@" >"$out.build.log" 2>&1 \
    || { cat "$out.build.log"; exit 1; }
}

# shellcheck disable=SC2086
publish "$root" "$work/candidate" ${PUBLISH_ARGS:-}
if [ -n "$base_ref" ]; then
  git -C "$root" worktree add --detach "$work/base-src" "$base_ref" >/dev/null 2>&1
  # shellcheck disable=SC2086
  publish "$work/base-src" "$work/base" ${BASE_PUBLISH_ARGS:-}
fi

free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1]); s.close()'; }

start_once() { # binaries-folder -> prints milliseconds to ready
  local bin="$1" data port t0 t1
  data="$(mktemp -d "$work/data.XXXXXX")"
  port="$(free_port)"
  t0=$(date +%s%N)
  OPS_DATA_DIR="$data" OPS_DEMO=false ASPNETCORE_URLS="http://127.0.0.1:$port" \
    dotnet "$bin/OpsConsole.Console.dll" >"$data.log" 2>&1 &
  pid=$!
  until curl -fs -o /dev/null "http://127.0.0.1:$port/readyz"; do
    if ! kill -0 "$pid" 2>/dev/null; then echo "the console exited; its output:" >&2; cat "$data.log" >&2; exit 1; fi
    if [ $(( ($(date +%s%N) - t0) / 1000000 )) -gt 120000 ]; then echo "not ready after 120 s" >&2; exit 1; fi
    sleep 0.02
  done
  t1=$(date +%s%N)
  kill -TERM "$pid"; wait "$pid" 2>/dev/null || true; pid=""
  # The console logs "Start-up: <phase> at <ms> ms" (from process start): keep them per build.
  sed -n 's/.*Start-up: \(.*\) at \([0-9]*\) ms.*/\1\t\2/p' "$data.log" >>"$bin.phases"
  rm -rf "$data" "$data.log"
  echo $(( (t1 - t0) / 1000000 ))
}

stats() { sort -n | awk '{a[NR]=$1} END {m = (NR % 2) ? a[(NR+1)/2] : (a[NR/2] + a[NR/2+1]) / 2; printf "median %d ms, min %d ms, max %d ms (%d runs)", m, a[1], a[NR], NR}'; }
median() { sort -n | awk '{a[NR]=$1} END {print (NR % 2) ? a[(NR+1)/2] : (a[NR/2] + a[NR/2+1]) / 2}'; }

echo "# cold start to /readyz, empty data folder, demo off; load average: $(cut -d' ' -f1-3 /proc/loadavg)"
start_once "$work/candidate" >/dev/null # warm the disk cache and the runtime's files: later runs are comparable
rm -f "$work/candidate.phases"
: >"$work/cand.txt"; : >"$work/base.txt"
for _ in $(seq "$runs"); do
  if [ -n "$base_ref" ]; then start_once "$work/base" >>"$work/base.txt"; fi
  start_once "$work/candidate" >>"$work/cand.txt"
done
phases() { # binaries-folder: median per phase over the runs, in start-up order
  [ -s "$1.phases" ] || return 0
  awk -F'\t' '{ if (!($1 in seen)) { seen[$1] = ++n; name[n] = $1 } v[$1] = v[$1] " " $2 }
    END { for (i = 1; i <= n; i++) print name[i] "\t" v[name[i]] }' "$1.phases" |
    while IFS=$'\t' read -r phase values; do
      printf '  %-28s median %s ms\n' "$phase" "$(echo "$values" | tr ' ' '\n' | grep . | median)"
    done
}
echo "candidate: $(stats <"$work/cand.txt")"
phases "$work/candidate"
if [ -n "$base_ref" ]; then
  echo "base ($base_ref): $(stats <"$work/base.txt")"
  phases "$work/base"
  paste -d' ' "$work/cand.txt" "$work/base.txt" | awk '{print $1 / $2}' >"$work/ratios.txt"
  printf 'ratio candidate/base: %.2fx (of medians), per pair median %.2fx\n' \
    "$(echo "$(median <"$work/cand.txt") / $(median <"$work/base.txt")" | bc -l)" "$(median <"$work/ratios.txt")"
fi
echo "load average after: $(cut -d' ' -f1-3 /proc/loadavg)"
