#!/usr/bin/env bash
# A quick UDP probe of keyway's DNS server alone, for A/B work between builds or JVM flags; the
# side-by-side figures against Knot come from run.sh, never from this script.
#
# Uses the data and the store run.sh prepared (run `PREPARE_ONLY=1 ops/bench/dns/run.sh` once);
# starts ops/target/keyway.jar pinned to core $SERVER_CPU on that store, re-pins every thread,
# runs $WARM passes over the query file, then $RUNS dnsperf UDP runs of $DUR s from core
# $LOADGEN_CPU, and prints each run's QPS and the server's CPU time per query (user + system,
# from /proc/<pid>/stat), the measure that moves least with the machine. Bounded; stops only the
# server it started.
#
# Usage:  ops/bench/dns/udp-probe.sh [extra JVM flags...]
# Env:    WORK=/tmp/keyway-dns-bench KEYWAY_PORT=5310 WARM=2 RUNS=3 DUR=10 CLIENTS=8 SERVER_CPU=1 LOADGEN_CPU=0
#         KEYWAY_JAVA_OPTS (as run.sh)
set -euo pipefail
HERE=$(cd "$(dirname "$0")" && pwd)
ROOT=$(cd "$HERE/../../.." && pwd)
WORK=${WORK:-/tmp/keyway-dns-bench}
WARM=${WARM:-2} RUNS=${RUNS:-3} DUR=${DUR:-10} CLIENTS=${CLIENTS:-8}
SERVER_CPU=${SERVER_CPU:-1} LOADGEN_CPU=${LOADGEN_CPU:-0}
KEYWAY_JAVA_OPTS=${KEYWAY_JAVA_OPTS:--XX:+UseSerialGC -Xms32m -Xmx128m -XX:MaxDirectMemorySize=32m -XX:ReservedCodeCacheSize=40m -XX:MaxMetaspaceSize=80m -Xss512k}
export MALLOC_ARENA_MAX=${MALLOC_ARENA_MAX:-2}
KW=$WORK/run/keyway DATA=$WORK/data
[ -s "$KW/keyway.toml" ] && [ -f "$KW/published" ] \
  || { echo "no prepared store in $WORK: run PREPARE_ONLY=1 ops/bench/dns/run.sh first" >&2; exit 1; }
PORT=${KEYWAY_PORT:-5310} # run.sh's default
LOG=$(mktemp -d)

# shellcheck disable=SC2086
taskset -c "$SERVER_CPU" java $KEYWAY_JAVA_OPTS "$@" -jar "$ROOT/ops/target/keyway.jar" dns-server \
  -c "$KW/keyway.toml" > "$LOG/server.log" 2>&1 &
PID=$!
stop() {
  kill -TERM "$PID" 2>/dev/null || return 0
  for _ in $(seq 150); do kill -0 "$PID" 2>/dev/null || break; sleep 0.1; done
  kill -KILL "$PID" 2>/dev/null || true
  wait "$PID" 2>/dev/null || true
}
trap stop EXIT
python3 "$HERE/probe.py" "$PORT" "$(tail -1 "$DATA/names.txt")" 120 \
  || { tail -n 20 "$LOG/server.log" >&2; exit 1; }
taskset -a -p -c "$SERVER_CPU" "$PID" > /dev/null
q() { taskset -c "$LOADGEN_CPU" dnsperf -s 127.0.0.1 -p "$PORT" -d "$DATA/queries.txt" -c "$CLIENTS" -Q 1000000 "$@"; }
for _ in $(seq "$WARM"); do q -n 1 > "$LOG/warm.log" 2>&1 || true; done
ticks() { awk '{print $14 + $15}' "/proc/$PID/stat"; }
for i in $(seq "$RUNS"); do
  t0=$(ticks)
  q -l "$DUR" > "$LOG/udp$i.log" 2>&1 || true
  t1=$(ticks)
  awk -v t=$((t1 - t0)) -v hz="$(getconf CLK_TCK)" -v i="$i" '
    /Queries completed:/   { n = $3 }
    /Queries per second:/  { qps = $4 }
    END { printf "run %d: %.0f QPS, %.2f us of server CPU per query\n", i, qps, (n > 0 ? t * 1e6 / hz / n : 0) }' \
    "$LOG/udp$i.log"
done
rm -rf "$LOG"
