# Sourced by threads.sh and rounds.sh (not run): starts `keyway relay` on core $SERVER_CPU with
# its data under $OUT (config $CONFIG, extra JVM options $RELAY_JAVA_OPTS, launcher $JAR, by default
# this tree's ops/target/keyway.jar), waits until it
# answers, re-pins all its threads, stops it on exit, and defines `driver`, the load driver on
# core $LOADGEN_CPU with the diagnostics' settings (128 connections, 1 s of GETs). Sets PID.
CP="$ROOT/pkarr-relay/target/test-classes:$ROOT/pkarr-relay/target/classes:$(cat "$ROOT/pkarr-relay/target/test-classpath.txt")"
mkdir -p "$OUT"
taskset -c "$SERVER_CPU" java -Xmx1g ${RELAY_JAVA_OPTS:-} -jar "${JAR:-ops/target/keyway.jar}" relay \
  -c "${CONFIG:-ops/bench/relay/relay.toml}" --data-dir "$OUT/data" > "$OUT/relay.log" 2>&1 &
PID=$!
trap 'kill -TERM $PID 2>/dev/null; wait $PID 2>/dev/null || true' EXIT
for _ in $(seq 300); do curl -sf -o /dev/null http://127.0.0.1:16881/healthz && break; sleep 0.1; done
for t in /proc/$PID/task/*; do taskset -p -c "$SERVER_CPU" "${t##*/}" > /dev/null 2>&1 || true; done
driver() { taskset -c "$LOADGEN_CPU" java -Xmx1g -cp "$CP" dev.keyway.relay.bench.RelayLoadDriver \
  --url http://127.0.0.1:16881 --connections 128 --get-seconds 1 --warmup-seconds 0 "$@"; }
