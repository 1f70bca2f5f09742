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
. "$ROOT/ops/bench/relay/pinned-relay.sh"
driver --keys "$WARM" --seed 1000 > "$OUT/warmup.driver" 2>&1
# per thread: id, name, CPU ticks (utime+stime), voluntary+involuntary context switches
snapshot() { for t in /proc/$PID/task/*; do
  # fields after the comm's ")" (a comm may hold spaces: "C2 CompilerThre"): utime, stime = 12, 13
  echo "${t##*/} $(tr ' ' _ < "$t/comm") $(sed 's/.*) //' "$t/stat" | awk '{print $12+$13}') $(awk '/ctxt/{s+=$2} END{print s}' "$t/status")"
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
