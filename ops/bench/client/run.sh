#!/usr/bin/env bash
# Client resolve latency against a local keyway (issue 5). Builds the test classes (no tests run),
# then runs ClientResolveBench with N measured operations per phase (default 5000; cache hits 40x).
# Usage: ops/bench/client/run.sh [N]
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/../../.." && pwd)"
cd "$root"
cp_file="$(mktemp)"
trap 'rm -f "$cp_file"' EXIT
./mvnw -o -q -B -pl ops -am test-compile dependency:build-classpath \
  -Dmdep.outputFile="$cp_file" -Dmdep.includeScope=test >&2
cp="ops/target/classes:ops/target/test-classes:$(cat "$cp_file")"
exec java -Xmx1g -Dlogback.configurationFile="$root/ops/bench/client/logback-bench.xml" \
  -cp "$cp" ops/bench/client/ClientResolveBench.java "$@"
