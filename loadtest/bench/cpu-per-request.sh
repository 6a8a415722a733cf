#!/usr/bin/env bash
# CPU time per request, from the kernel's accounting (/proc/PID/stat): the proxy's user and system time
# per GET, and Redis's own CPU per GET straight and behind the proxy, in one run against one throwaway
# redis-server. Noise is lower than for throughput, which makes it the better yardstick for tuning.
#
#   loadtest/bench/cpu-per-request.sh                        # 1M GETs, 50 clients, no pipelining (of a
#                                                            # value SET through the proxy first)
#   JAVA_OPTS=-Dio.netty.leakDetection.level=simple loadtest/bench/cpu-per-request.sh
#
#   TEST=set KEYSPACE=100000 loadtest/bench/cpu-per-request.sh --set "rules=[{name: key, pattern: 'key:*', strategy: bucket}]"
#                                                            # bucketed SETs of random keys
#
# Extra arguments go to the proxy. Environment: REQUESTS (1000000), CLIENTS (50), PIPELINE (1), ROUNDS
# (1: more measures every target again, each round starting at another one, and prints medians and
# each round's ratio; OUT names a file for the raw per-round lines), TEST
# (get: a redis-benchmark test name), KEYSPACE (redis-benchmark -r: random keys key:NNNNNNNNNNNN from this
# many; unset = one key), DATA_SIZE (redis-benchmark -d: value bytes, 3), TEXT_VALUES (1: SET and GET
# one value of DATA_SIZE bytes of English-like words, which compress, instead of redis-benchmark's random
# characters; TEST must be set or get), JAR (the proxy jar to run), JAVA_OPTS, FORWARD (1: also a
# second proxy started with `--set rules=[]` appended, which only forwards: the cost of the hop alone).
#
# It also reports redis-benchmark's own CPU per request and the "CPU-bound ceiling": on a machine whose
# cores the load generator, Redis and the proxy share, and which they keep busy, throughput through the
# proxy can be at most (benchmark + Redis CPU per request direct) / (benchmark + Redis + proxy CPU per
# request through the proxy) of direct.
set -euo pipefail
cd "$(dirname "$0")/../.."
REQUESTS=${REQUESTS:-1000000}
CLIENTS=${CLIENTS:-50}
PIPELINE=${PIPELINE:-1}
ROUNDS=${ROUNDS:-1}
TEST=${TEST:-get}
DATA_SIZE=${DATA_SIZE:-3}
RANDOM_KEYS=(); [ -n "${KEYSPACE:-}" ] && RANDOM_KEYS=(-r "$KEYSPACE")
JAR=${JAR:-proxy/target/redis-compactor.jar}
[ -f "$JAR" ] || mvn -q -DskipTests package
TEXT_ARGS=()
if [ "${TEXT_VALUES:-0}" = 1 ]; then
  value=$(python3 "$(dirname "$0")/text-value.py" "$DATA_SIZE")
  case "$TEST" in
    set) TEXT_ARGS=(SET "key:__rand_int__" "$value") ;;
    get) TEXT_ARGS=(GET "key:__rand_int__") ;;
    *) echo "cpu-per-request.sh: TEXT_VALUES=1 takes TEST=set or get" >&2; exit 2 ;;
  esac
fi
# redis-benchmark's own test, or the text command
run() { if [ ${#TEXT_ARGS[@]} -gt 0 ]; then redis-benchmark "$@" "${TEXT_ARGS[@]}"; else redis-benchmark "$@" -t "$TEST"; fi; }
[ -r /proc/self/stat ] || { echo "cpu-per-request.sh: needs Linux /proc" >&2; exit 1; }

free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])' 2>/dev/null \
  || echo $(( 20000 + RANDOM % 20000 )); }
work=$(mktemp -d); pids=()
cleanup() { for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done; wait 2>/dev/null || true; rm -rf "$work"; }
trap cleanup EXIT

redis_port=$(free_port)
redis-server --port "$redis_port" --bind 127.0.0.1 --save "" --appendonly no --dir "$work" --logfile "$work/redis.log" &
redis_pid=$!; pids+=($redis_pid)
proxy_port=$(free_port)
java ${JAVA_OPTS:-} -jar "$JAR" --listen "127.0.0.1:$proxy_port" --upstream "redis://127.0.0.1:$redis_port" "$@" \
  >"$work/proxy.out" 2>"$work/proxy.err" &
proxy_pid=$!; pids+=($proxy_pid)
fwd_port=""
if [ "${FORWARD:-0}" = 1 ]; then
  fwd_port=$(free_port)
  java ${JAVA_OPTS:-} -jar "$JAR" --listen "127.0.0.1:$fwd_port" --upstream "redis://127.0.0.1:$redis_port" "$@" \
    --set 'rules=[]' >"$work/fwd.out" 2>"$work/fwd.err" &
  fwd_pid=$!; pids+=($fwd_pid)
fi
for port in "$redis_port" "$proxy_port" $fwd_port; do
  for _ in $(seq 100); do redis-cli -p "$port" PING >/dev/null 2>&1 && break; sleep 0.1; done
done

ticks() { awk '{print $14, $15}' "/proc/$1/stat"; }   # utime stime, in clock ticks
hz=$(getconf CLK_TCK)
# prints requests/s; the benchmark's own user + system seconds go to $work/bench-cpu
bench() {
  local TIMEFORMAT='%U %S'
  { time run -h 127.0.0.1 -p "$1" -c "$CLIENTS" -n "$REQUESTS" -d "$DATA_SIZE" "${RANDOM_KEYS[@]}" -P "$PIPELINE" --csv \
      2>/dev/null >"$work/bench.csv"; } 2>"$work/bench-cpu"
  awk -F, 'NR > 1 {gsub(/"/, "", $2); if ($2 + 0 > 0) print $2}' "$work/bench.csv" | tail -1
}
bench_us() { awk -v n="$REQUESTS" '{printf "%.2f", ($1 + $2) * 1e6 / n}' "$work/bench-cpu"; }

echo "warming up the proxy..." >&2
if [ "$TEST" = get ]; then # something to read: the same keys, written through the proxy (so rules apply)
  preload() { if [ ${#TEXT_ARGS[@]} -gt 0 ]; then redis-benchmark "$@" SET "key:__rand_int__" "$value"; else redis-benchmark "$@" -t set; fi; }
  preload -h 127.0.0.1 -p "$proxy_port" -c "$CLIENTS" -n "${KEYSPACE:-1}" -d "$DATA_SIZE" "${RANDOM_KEYS[@]}" -q >/dev/null 2>&1
  [ -z "${KEYSPACE:-}" ] || preload -h 127.0.0.1 -p "$proxy_port" -c "$CLIENTS" -n $(( KEYSPACE * 5 )) -d "$DATA_SIZE" \
    "${RANDOM_KEYS[@]}" -q >/dev/null 2>&1
fi
# Two runs per proxy: the JIT is still busy in the second (after the first run's 50 clients closed and
# 50 new ones connected, code compiled for the first is thrown away and compiled again). Bucketed SETs,
# -XX:+PrintCompilation: 3,600 compilations and 25 us of proxy CPU per SET in the first run, 1,500-1,700
# and 17-19 us in the second, about 100 and 12-13 us in every run after it (2026-12-08).
for port in "$proxy_port" $fwd_port; do
  for n in 300000 200000; do
    run -h 127.0.0.1 -p "$port" -c "$CLIENTS" -n "$n" -d "$DATA_SIZE" "${RANDOM_KEYS[@]}" -P "$PIPELINE" -q >/dev/null 2>&1
  done
done

# one line per target: round name req/s bench-us redis-us proxy-user-us proxy-sys-us
measure() { # round name port pid-or-empty
  local ru0 rs0 ru1 rs1 pu0=0 ps0=0 pu1=0 ps1=0 rps
  read -r ru0 rs0 < <(ticks "$redis_pid")
  [ -z "$4" ] || read -r pu0 ps0 < <(ticks "$4")
  rps=$(bench "$3")
  [ -z "$4" ] || read -r pu1 ps1 < <(ticks "$4")
  read -r ru1 rs1 < <(ticks "$redis_pid")
  awk -v round="$1" -v name="$2" -v rps="$rps" -v b="$(bench_us)" -v r=$(( ru1 - ru0 + rs1 - rs0 )) -v pu=$(( pu1 - pu0 )) \
      -v ps=$(( ps1 - ps0 )) -v n="$REQUESTS" -v hz="$hz" \
      'BEGIN { us = 1e6 / hz / n; printf "%s %s %s %s %.2f %.2f %.2f\n", round, name, rps, b, r * us, pu * us, ps * us }'
}
targets=("direct $redis_port" "proxy $proxy_port $proxy_pid")
[ -z "$fwd_port" ] || targets+=("forwarding $fwd_port $fwd_pid")
: >"$work/results"
for (( round = 1; round <= ROUNDS; round++ )); do
  # each round starts at another target, so a machine getting faster or slower favours none of them
  for (( i = 0; i < ${#targets[@]}; i++ )); do
    read -r name port pid <<<"${targets[$(( (i + round - 1) % ${#targets[@]} ))]}"
    measure "$round" "$name" "$port" "${pid:-}" >>"$work/results"
  done
done
[ -z "${OUT:-}" ] || cp "$work/results" "$OUT"

awk -v test="$TEST" -v n="$REQUESTS" -v rounds="$ROUNDS" '
function median(a, k,   i, j, t) { # sorts a[1..k] in place
  for (i = 2; i <= k; i++) { t = a[i]; for (j = i - 1; j >= 1 && a[j] > t; j--) a[j + 1] = a[j]; a[j + 1] = t }
  return k % 2 ? a[(k + 1) / 2] : (a[k / 2] + a[k / 2 + 1]) / 2
}
BEGIN {
  printf "%s x %d, %s clients, -P %s, %d round(s); CPU in us per request\n", toupper(test), n, ENVIRON["CLIENTS"] ? ENVIRON["CLIENTS"] : 50, ENVIRON["PIPELINE"] ? ENVIRON["PIPELINE"] : 1, rounds
  printf "%-14s %9s %7s %10s %7s %12s %12s %8s\n", "", "req/s", "ratio", "benchmark", "redis", "proxy user", "proxy sys", "ceiling"
}
{ key = $1 SUBSEP $2; rps[key] = $3; b[key] = $4; r[key] = $5; pu[key] = $6; ps[key] = $7
  if (!($2 in seen)) { seen[$2] = 1; names[++nn] = $2 } }
END {
  for (t = 1; t <= nn; t++) {
    name = names[t]
    for (k = 1; k <= rounds; k++) {
      d = k SUBSEP "direct"; x = k SUBSEP name
      R[k] = rps[x]; B[k] = b[x]; C[k] = r[x]; U[k] = pu[x]; S[k] = ps[x]
      Q[k] = rps[x] / rps[d]; L[k] = (b[d] + r[d]) / (b[x] + r[x] + pu[x] + ps[x])
      if (rounds > 1 && name != "direct") all[name] = all[name] sprintf(" %.2f", Q[k])
    }
    if (name == "direct") {
      printf "%-14s %9.0f %7s %10.2f %7.2f %12s %12s %8s\n", name ":", median(R, rounds), "", median(B, rounds), median(C, rounds), "", "", ""
    } else {
      printf "%-14s %9.0f %7.2f %10.2f %7.2f %12.2f %12.2f %8.2f\n", name ":", median(R, rounds), median(Q, rounds), median(B, rounds), median(C, rounds), median(U, rounds), median(S, rounds), median(L, rounds)
    }
  }
  if (rounds > 1) {
    print "medians over the rounds; each round'"'"'s ratio to direct in that round:"
    for (t = 1; t <= nn; t++) if (names[t] != "direct") printf "  %-12s%s\n", names[t], all[names[t]]
  }
}' "$work/results"
