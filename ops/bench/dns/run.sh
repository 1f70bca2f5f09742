#!/usr/bin/env bash
# keyway's DNS server next to Knot DNS on the same workload, in one time window (issue #4).
# A benchmark, not a test: it prints numbers and ratios, it asserts nothing.
#
# Workload: N signed _iroh packets (two TXT records each, relay= and addr=, TTL 30) published into
# keyway through its iroh API (PUT /pkarr), and the same records as a zone file for Knot; dnsperf
# asks for 90 % existing and 10 % missing owners (TXT, no EDNS), as shared/anchors/ did.
#
# Method (the anchors' "pinned" mode): each server on core $SERVER_CPU (every thread re-pinned with
# taskset -a -p once it answers), dnsperf on core $LOADGEN_CPU; servers run alternately, Knot then
# keyway, $ROUNDS times; per server start: load time (launch -> last owner answers), RSS, one
# warm-up pass over the whole query file (its QPS = the cold-cache figure), $REPS x UDP and $REPS x TCP saturation runs (-Q 1000000, bounded by dnsperf's 100
# outstanding queries), $REPS x UDP at a fixed $FIXED_QPS (latency; p99 from dnsperf -v), RSS again.
# Before each run the script waits (up to IDLE_WAIT=180 s) for the machine to be >= 90 % idle, and
# it records how much CPU other processes used during the run (foreign_cpu_pct), so disturbed runs
# can be told apart: the summary shows medians over all runs and over the clean ones (< 10 %).
# Every run is bounded (dnsperf -l, or -n 1 for the warm-up pass); only processes this script started are ever signalled.
#
# Usage:  ops/bench/dns/run.sh            (builds ops/target/keyway.jar if missing)
# Env:    N=100000 QUERIES=200000 SEED=42 ROUNDS=2 REPS=3 DUR=15 FIXED_QPS=20000 FIXED_DUR=10
#         CLIENTS=8 SERVER_CPU=1 LOADGEN_CPU=0 WORK=/tmp/keyway-dns-bench OUT=$WORK/results/<stamp>
#         KEYWAY_JAVA_OPTS (JVM flags of the measured server), READ_CACHE (store read cache),
#         PREPARE_ONLY=1 (generate data and publish into keyway's store, then stop)
# Output: $OUT/dns.csv, $OUT/load.csv, $OUT/uptime.log, raw dnsperf logs, and summary.md
#         (python3 ops/bench/dns/summarize.py $OUT prints it again).
set -euo pipefail
HERE=$(cd "$(dirname "$0")" && pwd)
ROOT=$(cd "$HERE/../../.." && pwd)
WORK=${WORK:-/tmp/keyway-dns-bench}
N=${N:-100000} QUERIES=${QUERIES:-200000} SEED=${SEED:-42}
ROUNDS=${ROUNDS:-2} REPS=${REPS:-3} DUR=${DUR:-15} CLIENTS=${CLIENTS:-8} QMAX=${QMAX:-1000000}
FIXED_QPS=${FIXED_QPS:-20000} FIXED_DUR=${FIXED_DUR:-10}
SERVER_CPU=${SERVER_CPU:-1} LOADGEN_CPU=${LOADGEN_CPU:-0}
KNOT_PORT=${KNOT_PORT:-5301} KEYWAY_PORT=${KEYWAY_PORT:-5310}
HTTP_PORT=${HTTP_PORT:-5311} METRICS_PORT=${METRICS_PORT:-5312}
READ_CACHE=${READ_CACHE:-4096}
# Heap: the live set with 100k zones cached is ~80 MB (zone cache ~30 MB, H2 page cache, Vert.x);
# 128 MB leaves room for a young generation. SerialGC is what the JVM picks on one core anyway.
KEYWAY_JAVA_OPTS=${KEYWAY_JAVA_OPTS:--XX:+UseSerialGC -Xms32m -Xmx128m -XX:MaxDirectMemorySize=32m -XX:ReservedCodeCacheSize=40m -XX:MaxMetaspaceSize=80m -Xss512k}
# Fewer glibc malloc arenas: less untouched-but-resident native memory in a multi-threaded JVM.
export MALLOC_ARENA_MAX=${MALLOC_ARENA_MAX:-2}
OUT=${OUT:-$WORK/results/$(date +%Y%m%d-%H%M%S)}
DATA=$WORK/data
JAR=$ROOT/ops/target/keyway.jar
CP="$JAR:$ROOT/ops/target/lib/*"
mkdir -p "$OUT" "$WORK/run"

for tool in dnsperf knotd taskset python3 java curl; do
  command -v "$tool" >/dev/null || { echo "missing $tool (apt-get install dnsperf knot curl)" >&2; exit 1; }
done
if [ ! -f "$JAR" ]; then
  (cd "$ROOT" && ./mvnw -q -B -pl ops -am package -DskipTests)
fi

CUR=""
stop_server() { # TERM, then KILL after 15 s; only this PID
  local p=$1 i
  kill -0 "$p" 2>/dev/null || return 0
  kill -TERM "$p"
  for i in $(seq 150); do kill -0 "$p" 2>/dev/null || { wait "$p" 2>/dev/null || true; return 0; }; sleep 0.1; done
  echo "PID $p ignored TERM; sending KILL" >&2
  kill -KILL "$p"; wait "$p" 2>/dev/null || true
}
trap '[ -n "$CUR" ] && stop_server "$CUR"' EXIT

mem_of() { # mem_of PID -> "rss_kib hwm_kib pss_kib"
  local p=$1
  echo "$(awk '/^VmRSS:/{print $2}' /proc/$p/status) $(awk '/^VmHWM:/{print $2}' /proc/$p/status) $(awk '/^Pss:/{print $2}' /proc/$p/smaps_rollup 2>/dev/null || echo 0)"
}
now() { date +%s.%N; }
busy() { echo "$(date -u +%H:%M:%S) $1: $(uptime | sed 's/.*load average/load average/')" | tee -a "$OUT/uptime.log"; }

# ---- data -------------------------------------------------------------------------------------
# Packets are signed at generation time and the store evicts those signed over 7 days ago:
# regenerate (and republish) data older than 5 days.
if [ ! -s "$DATA/queries.txt" ] || [ "$(cat "$DATA/n" 2>/dev/null)" != "$N" ] \
    || [ -n "$(find "$DATA/packets.bin" -mtime +5 2>/dev/null)" ]; then
  rm -rf "$DATA"; mkdir -p "$DATA"
  java -cp "$CP" "$HERE/BenchData.java" gen "$DATA" "$N" "$QUERIES" "$SEED"
  echo "$N" > "$DATA/n"
  rm -f "$WORK/run/keyway/published"
fi
LAST=$(tail -1 "$DATA/names.txt")

# ---- keyway: publish N packets over HTTP into an empty store (once per data set) ------------------
KW=$WORK/run/keyway
render_keyway() {
  mkdir -p "$KW"
  sed -e "s|@DIR@|$KW|g" -e "s|@PORT@|$KEYWAY_PORT|g" -e "s|@HTTP_PORT@|$HTTP_PORT|g" \
      -e "s|@METRICS_PORT@|$METRICS_PORT|g" -e "s|@READ_CACHE@|$READ_CACHE|g" \
      "$HERE/keyway.toml.in" > "$KW/keyway.toml"
}
if [ "$(cat "$KW/published" 2>/dev/null)" != "$N" ]; then
  rm -rf "$KW"; render_keyway
  busy "publish"
  # shellcheck disable=SC2086
  java $KEYWAY_JAVA_OPTS -jar "$JAR" dns-server -c "$KW/keyway.toml" > "$KW/publish-server.log" 2>&1 &
  CUR=$!
  for i in $(seq 600); do curl -sf "http://127.0.0.1:$HTTP_PORT/healthz" >/dev/null && break; sleep 0.1; done
  java -cp "$CP" "$HERE/BenchData.java" publish "http://127.0.0.1:$HTTP_PORT" "$DATA/packets.bin" 128 \
    | tee "$OUT/publish.txt"
  echo "keyway,publish,$(mem_of "$CUR" | tr ' ' ',')" > "$OUT/publish-mem.csv"
  stop_server "$CUR"; CUR=""
  echo "$N" > "$KW/published"
  du -sk "$KW/data" | awk '{print "store on disk: " $1 " KiB"}' | tee -a "$OUT/publish.txt"
else
  render_keyway
  echo "store already holds $N packets (delete $KW/published to publish again)" | tee "$OUT/publish.txt"
fi

if [ -n "${PREPARE_ONLY:-}" ]; then
  echo "data and store ready in $WORK (PREPARE_ONLY set: no rounds run)"; exit 0
fi

# ---- Knot -------------------------------------------------------------------------------------
KN=$WORK/run/knot
render_knot() {
  rm -rf "$KN"; mkdir -p "$KN/db"
  sed -e "s|@DIR@|$KN|g" -e "s|@PORT@|$KNOT_PORT|g" -e "s|@WORKERS@|1|g" \
      -e "s|@ZONE@|$DATA/dns.example.test.zone|g" "$HERE/knot.conf.in" > "$KN/knot.conf"
}

# start SERVER -> sets SRV_PID, LOAD_S, PORT_NOW
start() {
  local s=$1 t0
  t0=$(now)
  case $s in
    knot)   render_knot
            taskset -c "$SERVER_CPU" knotd -c "$KN/knot.conf" > "$KN/stdout.log" 2>&1 &
            SRV_PID=$!; PORT_NOW=$KNOT_PORT ;;
    keyway) # shellcheck disable=SC2086
            taskset -c "$SERVER_CPU" java $KEYWAY_JAVA_OPTS -jar "$JAR" dns-server -c "$KW/keyway.toml" \
              > "$KW/stdout.log" 2>&1 &
            SRV_PID=$!; PORT_NOW=$KEYWAY_PORT ;;
  esac
  CUR=$SRV_PID
  if ! python3 "$HERE/probe.py" "$PORT_NOW" "$LAST" 120; then
    echo "$s not answering $LAST after 120 s" >&2; tail -n 20 "$KN/stdout.log" "$KW/stdout.log" >&2 || true; exit 1
  fi
  LOAD_S=$(echo "$(now) - $t0" | bc)
  # Knot pins its workers itself; re-pin every thread of every server once it answers.
  taskset -a -p -c "$SERVER_CPU" "$SRV_PID" > "$OUT/$s-affinity.txt" 2>&1
}

parse() { # parse LOG -> qps,avg_ms,max_ms,lost,p99_ms (p99 from dnsperf -v lines, else -1)
  local p99
  p99=$(awk '/^> /{print $NF}' "$1" | sort -g | awk '{v[NR]=$1} END {
          if (NR == 0) { print -1 } else { i=int(NR*0.99); if (i<1) i=1; printf "%.3f", v[i]*1000 } }')
  awk -v p99="$p99" '
    /Queries lost:/       { lost=$3 }
    /Queries per second:/ { qps=$4 }
    /Average Latency/     { avg=$4*1000; mx=$8; gsub(/\)/,"",mx); mx*=1000 }
    END { printf "%.0f,%.3f,%.3f,%s,%s\n", qps, avg, mx, lost, p99 }' "$1"
}

# CPU accounting, to tell clean runs from runs disturbed by other users of the machine.
cpu_busy_total() { awk '/^cpu /{b=$2+$3+$4+$7+$8+$9; t=b+$5+$6; print b, t}' /proc/stat; }
proc_ticks() { # user+system ticks of a process (all its threads)
  awk '{print $14+$15}' "/proc/$1/stat" 2>/dev/null || echo 0
}
wait_idle() { # wait (up to IDLE_WAIT s) until the machine is >= 90 % idle over 2 s; prints idle %
  local deadline=$((SECONDS + ${IDLE_WAIT:-180})) b0 t0 b1 t1 idle
  while :; do
    read -r b0 t0 < <(cpu_busy_total); sleep 2; read -r b1 t1 < <(cpu_busy_total)
    idle=$(( 100 - 100 * (b1 - b0) / (t1 - t0 > 0 ? t1 - t0 : 1) ))
    if [ "$idle" -ge 90 ] || [ "$SECONDS" -ge "$deadline" ]; then echo "$idle"; return; fi
  done
}

perf() { # perf SERVER ROUND PROTO QPS REP DUR [-v]
  local s=$1 round=$2 proto=$3 q=$4 rep=$5 dur=$6 verbose=${7:-}
  local log=$OUT/$s-r$round-$proto-q$q-$rep.log idle b0 t0 b1 t1 s0 s1 d foreign
  idle=$(wait_idle)
  read -r b0 t0 < <(cpu_busy_total); s0=$(proc_ticks "$SRV_PID")
  # shellcheck disable=SC2086
  d=$( { TIMEFORMAT='%3U %3S'; time taskset -c "$LOADGEN_CPU" dnsperf $verbose -m "$proto" -s 127.0.0.1 \
        -p "$PORT_NOW" -d "$DATA/queries.txt" -l "$dur" -c "$CLIENTS" -Q "$q" > "$log" 2>&1 || true; } 2>&1 )
  read -r b1 t1 < <(cpu_busy_total); s1=$(proc_ticks "$SRV_PID")
  # Busy CPU during the run that was neither the server nor dnsperf, in % of the machine.
  foreign=$(awk -v b=$((b1 - b0)) -v t=$((t1 - t0)) -v s=$((s1 - s0)) -v d="$d" -v hz="$(getconf CLK_TCK)" \
    'BEGIN { split(d, x, " "); f = b - s - (x[1] + x[2]) * hz; if (f < 0) f = 0; printf "%.1f", (t > 0 ? 100 * f / t : 0) }')
  echo "$s,$round,$proto,$q,$rep,$(parse "$log"),$idle,$foreign" | tee -a "$OUT/dns.csv"
  [ -z "$verbose" ] || gzip -f "$log"
}

echo "server,round,proto,target_qps,rep,qps,avg_ms,max_ms,lost,p99_ms,idle_before_pct,foreign_cpu_pct" > "$OUT/dns.csv"
echo "server,round,load_s,rss_kib_loaded,hwm_kib_loaded,pss_kib_loaded,rss_kib_after,hwm_kib_after,cold_pass_qps" > "$OUT/load.csv"
{
  echo "date: $(date -u +%FT%TZ)"; echo "host: $(nproc) cpus, $(free -m | awk '/Mem:/{print $2}') MiB";
  echo "kernel: $(uname -r)"; echo "java: $(java -version 2>&1 | head -1)"; echo "knot: $(knotd --version | head -1)";
  echo "dnsperf: $(dnsperf -h 2>&1 | grep -i version | head -1)"; echo "keyway jvm: $KEYWAY_JAVA_OPTS";
  echo "N=$N QUERIES=$QUERIES ROUNDS=$ROUNDS REPS=$REPS DUR=$DUR CLIENTS=$CLIENTS FIXED_QPS=$FIXED_QPS";
} > "$OUT/env.txt"

for round in $(seq "$ROUNDS"); do
  for s in knot keyway; do
    busy "$s round $round start"
    start "$s"
    sleep 2
    loaded=$(mem_of "$SRV_PID")
    # Warm-up: one pass over the whole query file (keyway loads zones lazily from its store on
    # first query; Knot has everything in memory after load). Its QPS is the cold-pass figure.
    taskset -c "$LOADGEN_CPU" dnsperf -s 127.0.0.1 -p "$PORT_NOW" -d "$DATA/queries.txt" -n 1 -c "$CLIENTS" \
      -Q "$QMAX" > "$OUT/$s-r$round-warmup.log" 2>&1 || true
    cold=$(awk '/Queries per second:/{printf "%.0f", $4}' "$OUT/$s-r$round-warmup.log")
    for proto in udp tcp; do
      for rep in $(seq "$REPS"); do perf "$s" "$round" "$proto" "$QMAX" "$rep" "$DUR"; done
    done
    for rep in $(seq "$REPS"); do perf "$s" "$round" udp "$FIXED_QPS" "$rep" "$FIXED_DUR" -v; done
    after=$(mem_of "$SRV_PID")
    echo "$s,$round,$LOAD_S,$(echo "$loaded" | tr ' ' ','),$(echo "$after" | awk '{print $1","$2}'),$cold" | tee -a "$OUT/load.csv"
    busy "$s round $round end"
    stop_server "$SRV_PID"; CUR=""
  done
done

python3 "$HERE/summarize.py" "$OUT" | tee "$OUT/summary.md"
echo "results in $OUT"
