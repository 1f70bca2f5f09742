#!/usr/bin/env bash
# pkarr relay benchmark (issue 3). A benchmark, not a test: it prints ratios against references
# measured in the same window and never fails on a number.
#
#   ops/bench/relay/run.sh            # from the repository root; results in $OUT
#
# What it does, with the server on core $SERVER_CPU and every load generator on $LOADGEN_CPU:
#   1. REPS times, interleaved (so every reference shares the relay's window):
#      a. JMH: Ed25519 verify rate of one core (BouncyCastle; VerifyBenchmark), pinned like the server;
#      b. nginx 1.22, one worker, serving a 200-byte file: load driver GET + wrk GET;
#      c. keyway relay (fsync on, the default): driver PUTs KEYS distinct signed packets (after
#         warm-up rounds of other keys, which stay stored), then GETs them at random; then wrk
#         GETs one stored key (the same client work as nginx's file) and random stored keys (Lua,
#         client-bound);
#   2. once: the relay with fsync off, same driver run (the cost of fsync).
# Each rep waits (up to IDLE_WAIT=600 s) for ~20 s of >85 % idle CPU, as the shared anchors did.
# Env: OUT, KEYS=50000, WARMUP_KEYS=60000 PUTs per warm-up round, repeated until the relay's JIT
#      compiler threads took under JIT_QUIET_PCT=6 % of its CPU in a round (it levels off at 4-5 %
#      after about 240k PUTs on one core), at most WARMUP_ROUNDS=6, PUT_CONNS=128, GET_CONNS=32,
#      DUR=15, REPS=3, BUILD=yes,
#      RELAY_JAVA_OPTS (extra JVM options for the relay, e.g. a system property for an experiment),
#      SERVER_JAVA=java (the java that runs the relay and the JMH yardstick, e.g. another JDK's
#      bin/java; the driver and the build stay on the default)
set -euo pipefail
ROOT=$(cd "$(dirname "$0")/../../.." && pwd)
HERE="$ROOT/ops/bench/relay"
OUT=${OUT:-/tmp/keyway-bench-relay-$(date +%Y%m%d-%H%M%S)}
KEYS=${KEYS:-50000} WARMUP_KEYS=${WARMUP_KEYS:-60000} WARMUP_ROUNDS=${WARMUP_ROUNDS:-6} JIT_QUIET_PCT=${JIT_QUIET_PCT:-6} PUT_CONNS=${PUT_CONNS:-128} GET_CONNS=${GET_CONNS:-32}
DUR=${DUR:-15} REPS=${REPS:-3} BUILD=${BUILD:-yes}
SERVER_CPU=${SERVER_CPU:-1} LOADGEN_CPU=${LOADGEN_CPU:-0} SERVER_JAVA=${SERVER_JAVA:-java}
RELAY_PORT=16881 NGINX_PORT=18081
mkdir -p "$OUT"
LOG="$OUT/summary.txt"
say() { echo "$*" | tee -a "$LOG"; }

cd "$ROOT"
say "server java: $("$SERVER_JAVA" -version 2>&1 | head -1)"
if [ "$BUILD" = yes ]; then
  ./mvnw -o -q -B -pl ops -am package -DskipTests
fi
CP="$ROOT/pkarr-relay/target/test-classes:$ROOT/pkarr-relay/target/classes:$(cat "$ROOT/pkarr-relay/target/test-classpath.txt")"
JAR="$ROOT/ops/target/keyway.jar"

CUR=""
cleanup() { if [ -n "$CUR" ] && kill -0 "$CUR" 2>/dev/null; then kill -TERM "$CUR"; wait "$CUR" 2>/dev/null || true; fi; }
trap cleanup EXIT

idle_pct() { # idle_pct SECONDS: percent of CPU time idle over the next SECONDS
  local a b
  a=($(head -1 /proc/stat)); sleep "$1"; b=($(head -1 /proc/stat))
  local total=0 i
  for i in 1 2 3 4 5 6 7 8; do total=$((total + b[i] - a[i])); done
  echo $(( 100 * (b[4] - a[4]) / (total > 0 ? total : 1) ))
}

wait_idle() { # like the shared anchors: start only after ~20 s of >85 % idle, or give up after IDLE_WAIT s
  local waited=0 ok=0
  while [ "$waited" -lt "${IDLE_WAIT:-600}" ]; do
    if [ "$(idle_pct 5)" -gt 85 ]; then ok=$((ok + 5)); else ok=0; fi
    waited=$((waited + 5))
    [ "$ok" -ge 20 ] && { say "idle check: passed after ${waited}s"; return 0; }
  done
  say "idle check: machine still busy after ${waited}s; measuring anyway (see load below)"
}

machine() {
  say "--- machine $(date -u +%FT%TZ): $(uptime)"
  top -bn1 | sed -n '1,12p' >> "$LOG"
}

# How busy the machine was with other people's work during a server run: CPU time of the whole
# machine (/proc/stat) minus the CPU time of this script's children (bash `times`), as a share of
# both cores' wall time. Call foreign_start before a run and foreign_end NAME after its server
# has been stopped and reaped.
busy_seconds() { awk '/^cpu /{printf "%.2f", ($2+$3+$4+$7+$8+$9)/100}' /proc/stat; }
# `times` must run in this shell, not in a $(...) subshell (which would report its own children).
foreign_start() { F_BUSY=$(busy_seconds); times > "$OUT/.times"; F_CHILD=$(children_seconds_file); F_T0=$(date +%s.%N); }
children_seconds_file() { tail -1 "$OUT/.times" | awk '{ split($1,u,"m"); split($2,s,"m"); printf "%.2f", u[1]*60+u[2]+s[1]*60+s[2] }'; }
foreign_end() {
  local busy child t1; busy=$(busy_seconds); times > "$OUT/.times"; child=$(children_seconds_file); t1=$(date +%s.%N)
  say "$(awk -v n="$1" -v b="$busy" -v b0="$F_BUSY" -v c="$child" -v c0="$F_CHILD" -v t="$t1" -v t0="$F_T0" \
    'BEGIN{f=(b-b0)-(c-c0); if (f<0) f=0; printf "foreign CPU during %s: %.1f s = %.0f%% of 2 cores x %.0f s", n, f, 100*f/(2*(t-t0)), t-t0}')"
}

# CPU clock ticks (user + system) of a process's threads: "<JIT compiler threads> <all>". The
# comm in /proc/<pid>/task/<tid>/stat may hold spaces ("C2 CompilerThre"), so fields are counted
# after its closing parenthesis (utime and stime are then the 12th and 13th).
cpu_ticks() {
  local t jit=0 all=0 v
  for t in /proc/"$1"/task/*; do
    v=$(sed 's/.*) //' "$t/stat" 2>/dev/null | awk '{print $12 + $13}') || continue
    [ -n "$v" ] || continue
    all=$((all + v))
    case "$(cat "$t/comm" 2>/dev/null)" in C1\ *|C2\ *) jit=$((jit + v)) ;; esac
  done
  echo "$jit $all"
}
jit_start() { read -r J0 A0 < <(cpu_ticks "$1"); }
# Percent of the relay's CPU since jit_start that went to JIT compilation. A one-core JVM running
# Vert.x, Netty, H2 and the verifier keeps compiling for a few hundred thousand PUTs; measuring
# before that would charge the JIT's start-up to every PUT (JMH warms BouncyCastle up the same way).
jit_share() {
  local j a
  read -r j a < <(cpu_ticks "$1")
  echo $(( 100 * (j - J0) / ((a - A0) > 0 ? (a - A0) : 1) ))
}

pin_tree() { # re-pin every thread of a process (JVMs start threads after launch)
  for t in $(ls /proc/"$1"/task); do taskset -p -c "$SERVER_CPU" "$t" > /dev/null 2>&1 || true; done
}

wait_http() { # wait_http URL
  for _ in $(seq 300); do curl -sf -o /dev/null "$1" && return 0; sleep 0.1; done
  echo "server at $1 not ready"; return 1
}

driver() { taskset -c "$LOADGEN_CPU" java -Xmx1g -cp "$CP" dev.keyway.relay.bench.RelayLoadDriver "$@"; }

wrk_get() { # wrk_get NAME URL [lua]
  local name=$1 url=$2 lua=${3:-}
  if [ -n "$lua" ]; then
    PATHS_FILE="$OUT/paths.txt" taskset -c "$LOADGEN_CPU" wrk -t1 -c"$GET_CONNS" -d"${DUR}s" --latency -s "$lua" "$url" > "$OUT/$name.wrk" 2>&1
  else
    taskset -c "$LOADGEN_CPU" wrk -t1 -c"$GET_CONNS" -d"${DUR}s" --latency "$url" > "$OUT/$name.wrk" 2>&1
  fi
  local rps p99 errs
  rps=$(awk '/^Requests\/sec:/{print $2}' "$OUT/$name.wrk")
  p99=$(awk '$1=="99%"{print $2}' "$OUT/$name.wrk")
  errs=$(grep -E "Non-2xx|Socket errors" "$OUT/$name.wrk" | tr '\n' ' ' || true)
  say "RESULT phase=$name tool=wrk rps=$rps p99=$p99 $errs"
}

run_nginx() { # run_nginx REP
  local d="$OUT/nginx-$1"; mkdir -p "$d/www"
  foreign_start
  head -c 200 /dev/zero | tr '\0' 'a' > "$d/www/static.bin"
  sed -e "s|@DIR@|$d|g" -e "s|@PORT@|$NGINX_PORT|g" "$HERE/nginx.conf.in" > "$d/nginx.conf"
  taskset -c "$SERVER_CPU" nginx -c "$d/nginx.conf" -p "$d" > "$d/stdout.log" 2>&1 &
  CUR=$!
  wait_http "http://127.0.0.1:$NGINX_PORT/static.bin"
  for p in $(pgrep -P "$CUR") "$CUR"; do pin_tree "$p"; done
  driver --static-url "http://127.0.0.1:$NGINX_PORT/static.bin" --connections "$GET_CONNS" \
    --get-seconds "$DUR" --warmup-seconds 3 | tee -a "$OUT/nginx-$1.driver" | grep RESULT | sed 's/^/nginx /' | tee -a "$LOG"
  wrk_get "nginx-get-r$1" "http://127.0.0.1:$NGINX_PORT/static.bin"
  kill -TERM "$CUR"; wait "$CUR" 2>/dev/null || true; CUR=""
  foreign_end "nginx-$1"
}

run_relay() { # run_relay NAME CONFIG WRK(yes|no)
  local name=$1 conf=$2 d="$OUT/$1"
  rm -rf "$d"; mkdir -p "$d"
  foreign_start
  taskset -c "$SERVER_CPU" "$SERVER_JAVA" -Xmx1g ${RELAY_JAVA_OPTS:-} -jar "$JAR" relay -c "$conf" --data-dir "$d/data" > "$d/relay.log" 2>&1 &
  CUR=$!
  wait_http "http://127.0.0.1:$RELAY_PORT/healthz"
  pin_tree "$CUR"
  say "relay $name: $(grep -o 'relay config store: .*' "$d/relay.log" | head -1)"
  # Warm-up: other keys, not counted, in rounds until the JIT has settled (see jit_share).
  local round=1 share
  while :; do
    jit_start "$CUR"
    driver --url "http://127.0.0.1:$RELAY_PORT" --keys "$WARMUP_KEYS" --seed $((1000 * round)) \
      --connections "$PUT_CONNS" --get-seconds 3 --warmup-seconds 0 > "$d/warmup-$round.driver" 2>&1
    share=$(jit_share "$CUR")
    say "relay $name warm-up round $round: $WARMUP_KEYS PUTs, JIT compiler threads ${share}% of the relay's CPU"
    if [ "$share" -lt "$JIT_QUIET_PCT" ] || [ "$round" -ge "$WARMUP_ROUNDS" ]; then break; fi
    round=$((round + 1))
  done
  driver --url "http://127.0.0.1:$RELAY_PORT" --keys "$KEYS" --seed "$RANDOM" --connections "$PUT_CONNS" \
    --get-seconds "$DUR" --warmup-seconds 3 --paths-out "$OUT/paths.txt" --get-connections "$GET_CONNS" \
    | tee "$d/driver.out" | grep RESULT | sed "s/^/relay-$name /" | tee -a "$LOG"
  if [ "$3" = yes ]; then
    # Same client work as nginx's static file: one URL, no Lua (a stored key, from the cache).
    wrk_get "relay-$name-get-hotkey" "http://127.0.0.1:$RELAY_PORT$(head -1 "$OUT/paths.txt")"
    # Random stored keys; wrk's per-request Lua makes this one client-bound (informational).
    wrk_get "relay-$name-get-randomkeys" "http://127.0.0.1:$RELAY_PORT" "$HERE/get.lua"
  fi
  curl -s "http://127.0.0.1:19117/metrics" | grep -E '^store_commit_(seconds|batch_size)_(count|sum|max)|^store_packets |^store_bytes |^relay_verify_batch_size_(count|sum|max)' > "$d/metrics.txt" || true
  say "relay $name store: $(tr '\n' ' ' < "$d/metrics.txt")"
  kill -TERM "$CUR"; wait "$CUR" 2>/dev/null || true; CUR=""
  say "relay $name stopped: $(grep -c 'packet store closed' "$d/relay.log") clean store close"
  foreign_end "relay-$name"
}

jmh() { # jmh REP: the verify rate of one core, pinned like the server, in this rep's window
  foreign_start
  taskset -c "$SERVER_CPU" "$SERVER_JAVA" -cp "$CP" org.openjdk.jmh.Main VerifyBenchmark -f 1 -t 1 -wi 3 -w 2s -i 5 -r 2s \
    -rf csv -rff "$OUT/jmh-r$1.csv" > "$OUT/jmh-r$1.log" 2>&1
  grep -E "^VerifyBenchmark\." "$OUT/jmh-r$1.log" | sed "s/^/jmh-r$1 /" | tee -a "$LOG" || tail -20 "$OUT/jmh-r$1.log"
  foreign_end "jmh-r$1"
}

for rep in $(seq "$REPS"); do
  wait_idle
  machine
  jmh "$rep"
  wait_idle
  run_nginx "$rep"
  wait_idle
  run_relay "fsync-r$rep" "$HERE/relay.toml" yes
done
wait_idle
machine
run_relay "nofsync" "$HERE/relay-nofsync.toml" no
machine
say "results in $OUT"
