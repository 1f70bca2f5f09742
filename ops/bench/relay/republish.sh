#!/usr/bin/env bash
# What a republish costs (a diagnostic, not a benchmark): starts the relay on core $SERVER_CPU
# and sends ROUNDS rounds from core $LOADGEN_CPU, each N PUTs of new keys and then the same N
# bodies again (pkarr's republishers send a stored packet's exact bytes every few minutes),
# printing per round both PUT rates and the relay's CPU per request in each phase. Round 1 warms
# the JIT. JAR=... runs another build's relay with this tree's driver. Build first
# (./mvnw -o -q -B -pl ops -am package -DskipTests).
#
#   ops/bench/relay/republish.sh         # env: ROUNDS=4 N=40000 OUT=... JAR=... RELAY_JAVA_OPTS=...
set -euo pipefail
ROOT=$(cd "$(dirname "$0")/../../.." && pwd)
cd "$ROOT"
SERVER_CPU=${SERVER_CPU:-1} LOADGEN_CPU=${LOADGEN_CPU:-0} ROUNDS=${ROUNDS:-4} N=${N:-40000}
OUT=${OUT:-/tmp/keyway-relay-republish-$(date +%Y%m%d-%H%M%S)}
. "$ROOT/ops/bench/relay/pinned-relay.sh"
TICK=$(getconf CLK_TCK)
# The relay's CPU ticks (utime + stime of the whole process, /proc/<pid>/stat fields 14 and 15).
ticks() { sed 's/.*) //' "/proc/$PID/stat" | awk '{print $12 + $13}'; }
for r in $(seq "$ROUNDS"); do
  log="$OUT/round-$r.driver"
  : > "$log"
  t0=$(ticks)
  # The driver prints the PUT phase's line before it starts the republish phase: the tick count
  # taken when that line appears splits the two phases' CPU (to the driver's 10 ms of polling).
  driver --keys "$N" --seed $((r * 1000)) --republish true >> "$log" 2>&1 &
  DPID=$!
  while ! grep -q 'phase=put ' "$log" && kill -0 "$DPID" 2>/dev/null; do sleep 0.01; done
  t1=$(ticks)
  while ! grep -q 'phase=republish' "$log" && kill -0 "$DPID" 2>/dev/null; do sleep 0.01; done
  t2=$(ticks)
  wait "$DPID"
  put=$(grep 'phase=put ' "$log" | grep -o 'rps=[0-9]*' | cut -d= -f2)
  again=$(grep 'phase=republish' "$log" | grep -o 'rps=[0-9]*' | cut -d= -f2)
  awk -v r="$r" -v p="$put" -v a="$again" -v a0="$t0" -v a1="$t1" -v a2="$t2" -v n="$N" -v hz="$TICK" \
    'BEGIN { printf "round %d put=%s/s (%.1f us/PUT) republish=%s/s (%.1f us/PUT)", r, p,
      (a1 - a0) * 1e6 / hz / n, a, (a2 - a1) * 1e6 / hz / n }'
  # So far: republishes answered from the read cache without verification (newer builds only).
  curl -s http://127.0.0.1:19117/metrics | awk '/^relay_verify_skipped_total/ { printf " skipped=%d", $2 }
    /^store_cache_size/ { printf " cached=%d", $2 }'
  echo
done
