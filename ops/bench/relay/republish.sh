#!/usr/bin/env bash
# What a republish costs (a diagnostic, not a benchmark): starts the relay on core $SERVER_CPU
# and sends ROUNDS rounds from core $LOADGEN_CPU, each N PUTs of new keys and then the same N
# bodies again (pkarr's republishers send a stored packet's exact bytes every few minutes),
# printing per round both PUT rates and the relay's CPU per request in each phase (the whole
# process's, read by the driver at the phase's start and end). Round 1 warms the JIT.
# MODE=update sends each key re-signed with a later timestamp instead of the same bytes,
# as an iroh endpoint republishes (an update of the stored packet, verified and written).
# JAR=... runs another build's relay with this tree's driver. Build first
# (./mvnw -o -q -B -pl ops -am package -DskipTests).
#
#   ops/bench/relay/republish.sh   # env: ROUNDS=4 N=40000 MODE=republish|update OUT=... JAR=...
set -euo pipefail
ROOT=$(cd "$(dirname "$0")/../../.." && pwd)
cd "$ROOT"
SERVER_CPU=${SERVER_CPU:-1} LOADGEN_CPU=${LOADGEN_CPU:-0} ROUNDS=${ROUNDS:-4} N=${N:-40000}
MODE=${MODE:-republish}
case "$MODE" in republish|update) ;; *) echo "MODE must be republish or update" >&2; exit 2 ;; esac
OUT=${OUT:-/tmp/keyway-relay-republish-$(date +%Y%m%d-%H%M%S)}
. "$ROOT/ops/bench/relay/pinned-relay.sh"
for r in $(seq "$ROUNDS"); do
  log="$OUT/round-$r.driver"
  # The driver reads the relay's CPU time itself at each phase's start and end. Until session 16
  # this script polled the driver's output every 10 ms instead, on any core: with the relay's
  # core shared, its PUT rate was a quarter lower (ops/bench/RESULTS.md).
  driver --keys "$N" --seed $((r * 1000)) --"$MODE" true --server-pid "$PID" > "$log" 2>&1
  field() { grep "phase=$1 " "$log" | grep -o "$2=[0-9.]*" | cut -d= -f2; }
  printf 'round %d put=%s/s (%s us/PUT) %s=%s/s (%s us/PUT)' "$r" "$(field put rps)" \
    "$(field put server_cpu_us)" "$MODE" "$(field "$MODE" rps)" "$(field "$MODE" server_cpu_us)"
  # So far: republishes answered from the read cache without verification (newer builds only).
  curl -s http://127.0.0.1:19117/metrics | awk '/^relay_verify_skipped_total/ { printf " skipped=%d", $2 }
    /^store_cache_size/ { printf " cached=%d", $2 }'
  echo
done
