#!/usr/bin/env bash
# Where a pinned relay's core goes per PUT, by thread (a diagnostic, not a benchmark): starts the
# relay on core $SERVER_CPU, warms it with WARM PUTs of other keys from core $LOADGEN_CPU, then
# reads every thread's CPU time and context switches (/proc/<pid>/task/*) around a phase of KEYS
# PUTs and prints microseconds and switches per PUT. Build first (run.sh does, or
# ./mvnw -o -q -B -pl ops -am package -DskipTests).
#
#   ops/bench/relay/threads.sh            # env: WARM=120000 KEYS=60000 RELAY_JAVA_OPTS=... OUT=...
#                                         #      CONFIG=ops/bench/relay/relay.toml
set -euo pipefail
ROOT=$(cd "$(dirname "$0")/../../.." && pwd)
cd "$ROOT"
SERVER_CPU=${SERVER_CPU:-1} LOADGEN_CPU=${LOADGEN_CPU:-0} WARM=${WARM:-120000} KEYS=${KEYS:-60000}
OUT=${OUT:-/tmp/keyway-relay-threads-$(date +%Y%m%d-%H%M%S)}
CP="$ROOT/pkarr-relay/target/test-classes:$ROOT/pkarr-relay/target/classes:$(cat "$ROOT/pkarr-relay/target/test-classpath.txt")"
mkdir -p "$OUT"
taskset -c "$SERVER_CPU" java -Xmx1g ${RELAY_JAVA_OPTS:-} -jar ops/target/keyway.jar relay \
  -c "${CONFIG:-ops/bench/relay/relay.toml}" --data-dir "$OUT/data" > "$OUT/relay.log" 2>&1 &
PID=$!
trap 'kill -TERM $PID 2>/dev/null; wait $PID 2>/dev/null || true' EXIT
for _ in $(seq 300); do curl -sf -o /dev/null http://127.0.0.1:16881/healthz && break; sleep 0.1; done
for t in /proc/$PID/task/*; do taskset -p -c "$SERVER_CPU" "${t##*/}" > /dev/null 2>&1 || true; done
driver() { taskset -c "$LOADGEN_CPU" java -Xmx1g -cp "$CP" dev.keyway.relay.bench.RelayLoadDriver \
  --url http://127.0.0.1:16881 --connections 128 --get-seconds 1 --warmup-seconds 0 "$@"; }
driver --keys "$WARM" --seed 1000 > "$OUT/warmup.driver" 2>&1
# per thread: id, name, CPU ticks (utime+stime), voluntary+involuntary context switches
snapshot() { for t in /proc/$PID/task/*; do
  echo "${t##*/} $(tr ' ' _ < "$t/comm") $(awk '{print $14+$15}' "$t/stat") $(awk '/ctxt/{s+=$2} END{print s}' "$t/status")"
done; }
before=$(snapshot)
driver --keys "$KEYS" --seed 7 > "$OUT/phase.driver" 2>&1
after=$(snapshot)
curl -sf http://127.0.0.1:19117/metrics > "$OUT/metrics.txt" || true
grep RESULT "$OUT/phase.driver" | head -1
TICK=$(getconf CLK_TCK)
join <(echo "$before" | sort) <(echo "$after" | sort) | awk -v n="$KEYS" -v hz="$TICK" '
  { d = $6 - $3; total += d; if (d * 1e6 / hz / n >= 2)
      printf "%-24s %7.1f us/PUT %6.2f switches/PUT\n", $2, d * 1e6 / hz / n, ($7 - $4) / n }
  END { printf "%-24s %7.1f us/PUT\n", "all threads", total * 1e6 / hz / n }' | sort -k2 -rn
