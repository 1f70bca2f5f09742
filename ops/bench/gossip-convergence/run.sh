#!/usr/bin/env bash
# Gossip address-book convergence and expiry (issue 7): starts N `keyway gossip demo` processes on
# 127.0.0.1, measures the time until every node's book (read from its --json-dump file) holds the
# same N-1 peers, then kills K nodes (SIGKILL) and measures the time until every survivor expired
# them. Bounded in time; kills only the processes it started.
#
# Usage: ops/bench/gossip-convergence/run.sh [--build] [N] [K] [--expiry 30s] [--interval 3s]
#                                            [--transport quic|tcp] [--timeout 180s]
#                                            [--no-cds] [--per-process M] [--sequential]
#   N defaults to 5 (at most 50), K to max(1, N/10); interval 3s and expiry 30s are the demo defaults.
#   --per-process M runs nodes 1..N-1 M to a process (`keyway gossip swarm`); K then grows to whole
#   processes. The default, 1, is one `keyway gossip demo` process per node.
#   --sequential starts each process once the previous one wrote its first dump (default: all
#   100 ms apart, which on a small machine makes the JVMs' start-up, not the gossip, the measure).
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/../../.." && pwd)"
cd "$root"
if [[ "${1:-}" == "--build" || ! -f ops/target/keyway.jar ]]; then
  [[ "${1:-}" == "--build" ]] && shift
  ./mvnw -o -q -B -pl ops -am package -DskipTests >&2
fi
exec java -Xmx256m -cp "ops/target/lib/*" ops/bench/gossip-convergence/GossipConvergenceBench.java "$@"
