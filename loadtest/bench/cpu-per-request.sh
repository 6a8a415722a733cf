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
# Extra arguments go to the proxy. Environment: REQUESTS (1000000), CLIENTS (50), PIPELINE (1), TEST
# (get: a redis-benchmark test name), KEYSPACE (redis-benchmark -r: random keys key:NNNNNNNNNNNN from this
# many; unset = one key), DATA_SIZE (redis-benchmark -d: value bytes, 3), TEXT_VALUES (1: SET and GET
# one value of DATA_SIZE bytes of English-like words, which compress, instead of redis-benchmark's random
# characters; TEST must be set or get), JAR (the proxy jar to run), JAVA_OPTS.
set -euo pipefail
cd "$(dirname "$0")/../.."
REQUESTS=${REQUESTS:-1000000}
CLIENTS=${CLIENTS:-50}
PIPELINE=${PIPELINE:-1}
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
for port in "$redis_port" "$proxy_port"; do
  for _ in $(seq 100); do redis-cli -p "$port" PING >/dev/null 2>&1 && break; sleep 0.1; done
done

ticks() { awk '{print $14, $15}' "/proc/$1/stat"; }   # utime stime, in clock ticks
hz=$(getconf CLK_TCK)
bench() { run -h 127.0.0.1 -p "$1" -c "$CLIENTS" -n "$REQUESTS" -d "$DATA_SIZE" "${RANDOM_KEYS[@]}" -P "$PIPELINE" --csv 2>/dev/null \
  | awk -F, 'NR > 1 {gsub(/"/, "", $2); if ($2 + 0 > 0) print $2}' | tail -1; }

echo "warming up the proxy..." >&2
if [ "$TEST" = get ]; then # something to read: the same keys, written through the proxy (so rules apply)
  preload() { if [ ${#TEXT_ARGS[@]} -gt 0 ]; then redis-benchmark "$@" SET "key:__rand_int__" "$value"; else redis-benchmark "$@" -t set; fi; }
  preload -h 127.0.0.1 -p "$proxy_port" -c "$CLIENTS" -n "${KEYSPACE:-1}" -d "$DATA_SIZE" "${RANDOM_KEYS[@]}" -q >/dev/null 2>&1
  [ -z "${KEYSPACE:-}" ] || preload -h 127.0.0.1 -p "$proxy_port" -c "$CLIENTS" -n $(( KEYSPACE * 5 )) -d "$DATA_SIZE" \
    "${RANDOM_KEYS[@]}" -q >/dev/null 2>&1
fi
run -h 127.0.0.1 -p "$proxy_port" -c "$CLIENTS" -n 500000 -d "$DATA_SIZE" "${RANDOM_KEYS[@]}" -P "$PIPELINE" -q >/dev/null 2>&1

read -r ru0 rs0 < <(ticks "$redis_pid")
direct_rps=$(bench "$redis_port")
read -r ru1 rs1 < <(ticks "$redis_pid")
read -r pu0 ps0 < <(ticks "$proxy_pid")
proxy_rps=$(bench "$proxy_port")
read -r pu1 ps1 < <(ticks "$proxy_pid")
read -r ru2 rs2 < <(ticks "$redis_pid")

awk -v test="$TEST" -v n="$REQUESTS" -v hz="$hz" -v drps="$direct_rps" -v prps="$proxy_rps" \
    -v rd=$(( ru1 - ru0 + rs1 - rs0 )) -v rp=$(( ru2 - ru1 + rs2 - rs1 )) \
    -v pu=$(( pu1 - pu0 )) -v ps=$(( ps1 - ps0 )) 'BEGIN {
  us = 1e6 / hz / n
  printf "%s x %d, %s clients, -P %s\n", toupper(test), n, ENVIRON["CLIENTS"] ? ENVIRON["CLIENTS"] : 50, ENVIRON["PIPELINE"] ? ENVIRON["PIPELINE"] : 1
  printf "direct:        %9.0f req/s   redis CPU %.2f us/req\n", drps, rd * us
  printf "through proxy: %9.0f req/s   redis CPU %.2f us/req   proxy user %.2f + sys %.2f = %.2f us/req\n", prps, rp * us, pu * us, ps * us, (pu + ps) * us
  printf "ratio proxy/direct: %.2f\n", prps / drps
}'
