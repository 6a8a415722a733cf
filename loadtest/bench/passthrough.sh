#!/usr/bin/env bash
# Pass-through throughput: redis-benchmark straight at Redis and through redis-compactor (and, when
# NUTCRACKER points at a twemproxy binary, through twemproxy), interleaved in one run against one
# throwaway redis-server, so every figure is a ratio measured side by side on the same machine.
#
#   loadtest/bench/passthrough.sh                 # defaults below
#   ROUNDS=5 REQUESTS=200000 loadtest/bench/passthrough.sh --set upstream.multiplex=false
#   NUTCRACKER=/path/to/nutcracker loadtest/bench/passthrough.sh
#   TESTS=set,get KEYSPACE=100000 loadtest/bench/passthrough.sh --set "rules=[{name: key, pattern: 'key:*', strategy: bucket}]"
#                                                 # bucketed keys through the proxy vs plain keys direct
#   ALT_ARGS="--set metrics.enabled=false" loadtest/bench/passthrough.sh
#                                                 # adds a second proxy (column compactor-alt): metrics on vs off
#   ALT_JAR=/tmp/before.jar ALT_ARGS=" " loadtest/bench/passthrough.sh
#                                                 # the second proxy runs another build: before vs after
#
# Extra arguments are passed to the proxy (e.g. --set server.io-threads=1).
# Environment: ROUNDS (3), REQUESTS (200000), CLIENTS (50), TESTS (set,get,incr,lpush,mset),
# PIPELINES ("1 16"), KEYSPACE (redis-benchmark -r: random keys key:NNNNNNNNNNNN from this many; unset =
# one key per test), DATA_SIZE (redis-benchmark -d: value bytes, default 3), TEXT_VALUES (1: instead of
# redis-benchmark's own values, which are random characters no codec shrinks, SET and GET one value of
# DATA_SIZE bytes of seeded English-like words, which compress like prose; TESTS is then set,get),
# WARMUP (300000 requests through the proxy before measuring), OUT (result file, markdown), ALT_ARGS and
# ALT_JAR (a second proxy with these arguments added, or running this jar),
# JAVA_OPTS (JVM options for the proxy).
set -euo pipefail
cd "$(dirname "$0")/../.."

ROUNDS=${ROUNDS:-3}
REQUESTS=${REQUESTS:-200000}
CLIENTS=${CLIENTS:-50}
TESTS=${TESTS:-set,get,incr,lpush,mset}
PIPELINES=${PIPELINES:-1 16}
WARMUP=${WARMUP:-300000}
KEYSPACE=${KEYSPACE:-}
RANDOM_KEYS=()
[ -n "$KEYSPACE" ] && RANDOM_KEYS=(-r "$KEYSPACE")
[ -n "${DATA_SIZE:-}" ] && RANDOM_KEYS+=(-d "$DATA_SIZE")
OUT=${OUT:-loadtest/results/passthrough-$(date +%Y%m%d-%H%M%S).md}
TEXT_VALUE=""
if [ "${TEXT_VALUES:-0}" = 1 ]; then
  TESTS=set,get
  TEXT_VALUE=$(python3 loadtest/bench/text-value.py "${DATA_SIZE:-4096}")
fi
# redis-benchmark at one port and pipeline depth: CSV lines "TEST","rps",... (header first)
bench() {
  local port=$1 pipeline=$2; shift 2
  if [ -n "$TEXT_VALUE" ]; then
    redis-benchmark -h 127.0.0.1 -p "$port" -c "$CLIENTS" -n "$REQUESTS" "${RANDOM_KEYS[@]}" -P "$pipeline" "$@" \
      SET "key:__rand_int__" "$TEXT_VALUE" | sed 's/^"SET [^"]*"/"SET"/'
    redis-benchmark -h 127.0.0.1 -p "$port" -c "$CLIENTS" -n "$REQUESTS" "${RANDOM_KEYS[@]}" -P "$pipeline" "$@" \
      GET "key:__rand_int__" | sed 's/^"GET [^"]*"/"GET"/' | tail -n +2
  else
    redis-benchmark -h 127.0.0.1 -p "$port" -c "$CLIENTS" -n "$REQUESTS" -t "$TESTS" "${RANDOM_KEYS[@]}" -P "$pipeline" "$@"
  fi
}
JAR=proxy/target/redis-compactor.jar

for tool in redis-server redis-benchmark redis-cli java; do
  command -v "$tool" >/dev/null || { echo "passthrough.sh: $tool not found (run .ci/install-servers)" >&2; exit 1; }
done
[ -f "$JAR" ] || mvn -q -DskipTests package

free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])' 2>/dev/null \
  || echo $(( 20000 + RANDOM % 20000 )); }

work=$(mktemp -d)
pids=()
cleanup() { for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done; wait 2>/dev/null || true; rm -rf "$work"; }
trap cleanup EXIT

redis_port=$(free_port)
redis-server --port "$redis_port" --bind 127.0.0.1 --save "" --appendonly no --dir "$work" \
  --logfile "$work/redis.log" & pids+=($!)
proxy_port=$(free_port)
java ${JAVA_OPTS:-} -jar "$JAR" --listen "127.0.0.1:$proxy_port" --upstream "redis://127.0.0.1:$redis_port" "$@" \
  >"$work/proxy.out" 2>"$work/proxy.err" & pids+=($!)
proxy_pid=$!

targets=("direct:$redis_port" "compactor:$proxy_port")
if [ -n "${ALT_ARGS:-}" ]; then
  # a second proxy on the same Redis with these arguments added (e.g. --set metrics.enabled=false), as
  # column compactor-alt, interleaved with the others: compactor / compactor-alt is the cost of the difference
  alt_port=$(free_port)
  # shellcheck disable=SC2086
  java ${JAVA_OPTS:-} -jar "${ALT_JAR:-$JAR}" --listen "127.0.0.1:$alt_port" --upstream "redis://127.0.0.1:$redis_port" "$@" $ALT_ARGS \
    >"$work/alt.out" 2>"$work/alt.err" & pids+=($!)
  targets+=("compactor-alt:$alt_port")
fi
if [ -n "${NUTCRACKER:-}" ]; then
  tw_port=$(free_port)
  cat >"$work/nutcracker.yml" <<YML
bench:
  listen: 127.0.0.1:$tw_port
  redis: true
  preconnect: true
  server_connections: 1
  servers:
   - 127.0.0.1:$redis_port:1
YML
  "$NUTCRACKER" -c "$work/nutcracker.yml" -o "$work/nutcracker.log" & pids+=($!)
  targets+=("twemproxy:$tw_port")
fi

for t in "${targets[@]}"; do
  port=${t#*:}
  for _ in $(seq 100); do redis-cli -p "$port" PING >/dev/null 2>&1 && break; sleep 0.1; done
  redis-cli -p "$port" PING >/dev/null || { echo "passthrough.sh: ${t%%:*} on $port is not answering" >&2; cat "$work"/*.err >&2 || true; exit 1; }
done

echo "warming up the proxy's JIT with $WARMUP requests..." >&2
for wp in "$proxy_port" ${alt_port:-}; do
  REQUESTS=$WARMUP bench "$wp" 16 -q >/dev/null 2>&1
  REQUESTS=$WARMUP bench "$wp" 1 -q >/dev/null 2>&1
done

raw="$work/raw.csv"   # name,pipeline,round,test,rps
: >"$raw"
for round in $(seq "$ROUNDS"); do
  for p in $PIPELINES; do
    # alternate the order each round so neither side always runs first
    order=("${targets[@]}")
    if (( round % 2 == 0 )); then order=($(printf '%s\n' "${targets[@]}" | tac)); fi
    for t in "${order[@]}"; do
      name=${t%%:*}; port=${t#*:}
      redis-cli -p "$redis_port" FLUSHALL >/dev/null
      bench "$port" "$p" --csv 2>/dev/null \
        | tr -d '"' | awk -F, -v n="$name" -v p="$p" -v r="$round" 'NR>1 && $2+0>0 {print n","p","r","$1","$2}' >>"$raw"
      echo "round $round P$p $name done" >&2
    done
  done
done

cpu_ticks=$(awk '{print $14+$15}' "/proc/$proxy_pid/stat" 2>/dev/null || echo 0)

mkdir -p "$(dirname "$OUT")"
{
  echo "# Pass-through throughput, $(date -u +%Y-%m-%dT%H:%MZ)"
  echo
  echo "redis-benchmark -c $CLIENTS -n $REQUESTS -t $TESTS${KEYSPACE:+ -r $KEYSPACE}${DATA_SIZE:+ -d $DATA_SIZE}${TEXT_VALUE:+ (text values)}, $ROUNDS interleaved rounds, median requests/s;"
  echo "ratio = through the proxy / direct, same run, same redis-server ($(redis-server --version | awk '{print $3}'))."
  echo "Proxy arguments: ${*:-(defaults)}; machine: $(nproc) cores."
  [ -n "${ALT_ARGS:-}" ] && echo "compactor-alt: ${ALT_JAR:-the same jar}, arguments added: ${ALT_ARGS}"
  echo
  awk -F, -v targets="$(printf '%s ' "${targets[@]%%:*}")" '
    { key=$1","$2","$4; vals[key]=vals[key]" "$5; tests[$4]=1; pipes[$2]=1 }
    function median(s,   a, n, i, j, t) { n=split(s, a, " "); for(i=1;i<=n;i++)for(j=i+1;j<=n;j++)if(a[j]<a[i]){t=a[i];a[i]=a[j];a[j]=t}
      return (n%2)? a[(n+1)/2] : (a[n/2]+a[n/2+1])/2 }
    END {
      nt=split(targets, names, " ")
      for (p in pipes) {
        printf "\n## -P %s\n\n| test |", p
        for (i=1;i<=nt;i++) printf " %s rps |", names[i]
        for (i=2;i<=nt;i++) printf " %s / direct |", names[i]
        printf "\n|---|"; for (i=1;i<2*nt;i++) printf "---|"; printf "\n"
        for (i=2;i<=nt;i++) { logsum[i]=0; cnt[i]=0 }
        for (t in tests) {
          d=median(vals["direct,"p","t]); printf "| %s | %.0f |", t, d
          for (i=2;i<=nt;i++) { m[i]=median(vals[names[i]","p","t]); printf " %.0f |", m[i] }
          for (i=2;i<=nt;i++) { r=m[i]/d; printf " %.2f |", r; logsum[i]+=log(r); cnt[i]++ }
          printf "\n"
        }
        printf "| **geometric mean** | |"; for (i=2;i<=nt;i++) printf " |"
        for (i=2;i<=nt;i++) printf " **%.2f** |", exp(logsum[i]/cnt[i]); printf "\n"
      }
    }' "$raw"
  echo
  echo "Proxy CPU time over the whole run (warm-up included): $(awk -v t="$cpu_ticks" -v hz="$(getconf CLK_TCK)" 'BEGIN{printf "%.1f s", t/hz}')"
} | tee "$OUT"
echo "written: $OUT" >&2
