#!/usr/bin/env bash
# How a pinned relay settles (a diagnostic, not a benchmark): starts the relay on core
# $SERVER_CPU and sends ROUNDS rounds of N PUTs of new keys (then 1 s of GETs) from core
# $LOADGEN_CPU, printing per round the PUT rate and each busy thread group's CPU per PUT (from
# /proc/<pid>/task/*/stat): the JIT's share falling round by round, the store's cost growing
# with its size. Build first (./mvnw -o -q -B -pl ops -am package -DskipTests).
#
#   ops/bench/relay/rounds.sh            # env: ROUNDS=8 N=60000 OUT=... RELAY_JAVA_OPTS=...
#                                        #      CONFIG=ops/bench/relay/relay.toml
set -euo pipefail
ROOT=$(cd "$(dirname "$0")/../../.." && pwd)
cd "$ROOT"
SERVER_CPU=${SERVER_CPU:-1} LOADGEN_CPU=${LOADGEN_CPU:-0} ROUNDS=${ROUNDS:-8} N=${N:-60000}
OUT=${OUT:-/tmp/keyway-relay-rounds-$(date +%Y%m%d-%H%M%S)}
. "$ROOT/ops/bench/relay/pinned-relay.sh"
# CPU ticks per thread group: the first 8 characters of each thread's name (C2_Compi, vert.x-e,
# keyway-s = the store's writer and fsync threads, VM_Threa = the serial collector). The comm may
# hold spaces, so stat's fields are counted after its ")": utime and stime are the 12th and 13th.
snap() { for t in /proc/$PID/task/*; do
  echo "$(tr ' ' _ < "$t/comm") $(sed 's/.*) //' "$t/stat" | awk '{print $12 + $13}')"
done | awk '{a[substr($1, 1, 8)] += $2} END {for (k in a) print k, a[k]}' | sort; }
TICK=$(getconf CLK_TCK)
for r in $(seq "$ROUNDS"); do
  before=$(snap)
  driver --keys "$N" --seed $((r * 1000)) > "$OUT/round-$r.driver" 2>&1
  after=$(snap)
  rps=$(grep 'phase=put' "$OUT/round-$r.driver" | grep -o 'rps=[0-9]*')
  echo "round $r $rps $(join <(echo "$before") <(echo "$after") | awk -v n="$N" -v hz="$TICK" '
    { d = ($3 - $2) * 1e6 / hz / n; t += d; if (d >= 1.5) printf "%s=%.1f ", $1, d }
    END { printf "all=%.1f us/PUT", t }')"
done
