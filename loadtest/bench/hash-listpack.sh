#!/usr/bin/env bash
# Whether compressing hash field values brings hashes back into Redis's listpack encoding, and what that
# saves: HASHES hashes of FIELDS fields, each value a JSON record of 100-200 bytes (longer than Redis's
# hash-max-listpack-value of 64, so the hash is a hashtable when written directly). Written to one
# throwaway redis-server directly and to another through the proxy with a zstd-dict compression rule on
# `profile:*`; prints used_memory per hash, the encodings Redis chose, and a sample's MEMORY USAGE.
#
#   loadtest/bench/hash-listpack.sh                    # 20,000 hashes x 20 fields
#   HASHES=100000 loadtest/bench/hash-listpack.sh
set -euo pipefail
cd "$(dirname "$0")/../.."
HASHES=${HASHES:-20000}
FIELDS=${FIELDS:-20}
JAR=proxy/target/redis-compactor.jar
[ -f "$JAR" ] || mvn -q -DskipTests package

free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }
work=$(mktemp -d); pids=()
cleanup() { for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done; wait 2>/dev/null || true; rm -rf "$work"; }
trap cleanup EXIT

direct=$(free_port); upstream=$(free_port); proxy=$(free_port)
for p in "$direct" "$upstream"; do
  redis-server --port "$p" --bind 127.0.0.1 --save "" --appendonly no --dir "$work" --logfile "$work/redis-$p.log" &
  pids+=($!)
done
java -jar "$JAR" --listen "127.0.0.1:$proxy" --upstream "redis://127.0.0.1:$upstream" \
  --set "rules=[{name: profiles, pattern: 'profile:*', strategy: compress, codec: zstd-dict}]" \
  >"$work/proxy.out" 2>"$work/proxy.err" &
pids+=($!)
for p in "$direct" "$upstream" "$proxy"; do
  for _ in $(seq 100); do redis-cli -p "$p" PING >/dev/null 2>&1 && break; sleep 0.1; done
done

# HSET commands in RESP, fixed seed: records with a few repeated shapes, like real profile data
python3 - "$HASHES" "$FIELDS" >"$work/commands.resp" <<'PY'
import json, random, sys
hashes, fields = int(sys.argv[1]), int(sys.argv[2])
r = random.Random(42)
cities = ["Lisbon", "Porto", "Madrid", "Lyon", "Berlin", "Munich", "Oslo", "Turin", "Gdansk", "Leeds"]
plans = ["free", "pro", "team", "enterprise"]
def bulk(s):
    b = s.encode()
    return b"$%d\r\n%s\r\n" % (len(b), b)
out = sys.stdout.buffer
for h in range(hashes):
    args = [b"HSET", ("profile:%d" % h).encode()]
    for f in range(fields):
        rec = {"device": "d%d" % r.randrange(10**6), "city": r.choice(cities), "plan": r.choice(plans),
               "lastSeen": 1732147200 + r.randrange(10**7), "locale": r.choice(["en-US", "pt-PT", "de-DE"]),
               "flags": {"beta": r.random() < 0.3, "newsletter": r.random() < 0.5}}
        if r.random() < 0.5:
            rec["note"] = r.choice(["prefers email", "call after 6pm", "vip customer", "moved recently"])
        args += [("f%d" % f).encode(), json.dumps(rec, separators=(",", ":")).encode()]
    out.write(b"*%d\r\n" % len(args))
    for a in args:
        out.write(b"$%d\r\n%s\r\n" % (len(a), a))
PY
used() { redis-cli -p "$1" INFO memory | tr -d '\r' | awk -F: '/^used_memory:/ {print $2}'; }
d0=$(used "$direct"); u0=$(used "$upstream")
redis-cli -p "$direct" --pipe <"$work/commands.resp" >/dev/null
redis-cli -p "$proxy" --pipe <"$work/commands.resp" >/dev/null
sleep 1
# the first values were written before the dictionary was trained: write everything once more so every
# value is stored as the rule stores it once trained (as a long-running proxy would)
redis-cli -p "$proxy" --pipe <"$work/commands.resp" >/dev/null
d1=$(used "$direct"); u1=$(used "$upstream")
enc() { for i in 0 1 2 3 4 5 6 7 8 9; do redis-cli -p "$1" OBJECT ENCODING "profile:$(( i * HASHES / 10 ))"; done | sort | uniq -c | tr '\n' ' '; }
check=$(redis-cli -p "$proxy" HGET profile:7 f3); want=$(redis-cli -p "$direct" HGET profile:7 f3)
[ "$check" = "$want" ] || { echo "hash-listpack.sh: value read through the proxy differs" >&2; exit 3; }
awk -v n="$HASHES" -v f="$FIELDS" -v d=$(( d1 - d0 )) -v u=$(( u1 - u0 )) 'BEGIN {
  printf "%d hashes x %d fields of 100-200 B JSON\n", n, f
  printf "direct:        %8.0f B/hash  (%6.1f B/field)\n", d / n, d / n / f
  printf "through proxy: %8.0f B/hash  (%6.1f B/field)\n", u / n, u / n / f
  printf "ratio proxy/direct: %.2f\n", u / d
}'
echo "encodings of 10 sampled hashes: direct: $(enc "$direct")  through proxy (upstream): $(enc "$upstream")"
echo "MEMORY USAGE profile:7: direct $(redis-cli -p "$direct" MEMORY USAGE profile:7), upstream $(redis-cli -p "$upstream" MEMORY USAGE profile:7)"
