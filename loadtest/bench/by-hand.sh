#!/usr/bin/env bash
# The proxy's bucketing against the same technique done by hand, on the same data: loads the `small`
# dataset through the proxy (load driver, default bucket rules), reads every logical key back through the
# proxy (SCAN + MGET), and writes it by hand into a second fresh redis-server as a field of a plain hash:
# `media:{id}` -> HSET media:{id/N} {id%N} value, `user:{id}:name` -> HSET user::name:{id/N} {id%N} value.
# Prints used_memory per key for both, for N = each of FIELDS. Environment: KEYS, FIELDS, RULES.
#
#   loadtest/bench/by-hand.sh                 # 1,000,000 keys, N = 100 and 128
#   KEYS=200000 FIELDS="64 100 128" loadtest/bench/by-hand.sh
set -euo pipefail
cd "$(dirname "$0")/../.."
KEYS=${KEYS:-1000000}
FIELDS=${FIELDS:-"100 128"}
# the load driver's default rules for this dataset (LoadTestMain.defaultRules)
RULES=${RULES:-"[{name: media, pattern: 'media:*', strategy: bucket}, {name: uname, pattern: 'user:*:name', strategy: bucket}, {name: uemail, pattern: 'user:*:email', strategy: bucket}]"}
JAR=loadtest/target/redis-compactor-loadtest.jar
[ -f "$JAR" ] || mvn -q -DskipTests package

free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }
work=$(mktemp -d); pids=()
cleanup() { for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done; wait 2>/dev/null || true; rm -rf "$work"; }
trap cleanup EXIT

upstream=$(free_port); byhand=$(free_port); proxy=$(free_port)
for port in "$upstream" "$byhand"; do
  redis-server --port "$port" --bind 127.0.0.1 --save "" --appendonly no --dir "$work" --logfile "$work/redis-$port.log" &
  pids+=($!)
done
for port in "$upstream" "$byhand"; do
  for _ in $(seq 100); do redis-cli -p "$port" PING >/dev/null 2>&1 && break; sleep 0.1; done
done

echo "loading $KEYS keys of 'small' through the proxy..." >&2
java -jar "$JAR" --datasets small --keys "$KEYS" --workloads none --upstream-port "$upstream" --no-progress \
  --proxy-set "rules=$RULES" --json "$work/run.json" --html "$work/run.html" | sed -n '/^Memory/,/^$/p'

# a proxy on the loaded Redis with the same rules, to read the logical keys back
java -jar proxy/target/redis-compactor.jar --listen "127.0.0.1:$proxy" --upstream "redis://127.0.0.1:$upstream" \
  --set "rules=$RULES" >"$work/proxy.out" 2>&1 & pids+=($!)
for _ in $(seq 100); do redis-cli -p "$proxy" PING >/dev/null 2>&1 && break; sleep 0.1; done

python3 - "$proxy" "$byhand" "$KEYS" $FIELDS <<'PY'
import re, socket, sys

proxy_port, byhand_port, keys = int(sys.argv[1]), int(sys.argv[2]), int(sys.argv[3])
fields = [int(n) for n in sys.argv[4:]]

class Conn:
    def __init__(self, port):
        self.s = socket.create_connection(("127.0.0.1", port))
        self.f = self.s.makefile("rb")
    def send(self, cmds):
        out = bytearray()
        for c in cmds:
            c = [x if isinstance(x, bytes) else str(x).encode() for x in c]
            out += b"*%d\r\n" % len(c) + b"".join(b"$%d\r\n%s\r\n" % (len(x), x) for x in c)
        self.s.sendall(out)
    def read(self):
        line = self.f.readline(); kind, rest = line[:1], line[1:-2]
        if kind == b"-": raise RuntimeError(rest.decode())
        if kind in b"+:": return rest if kind == b"+" else int(rest)
        if kind == b"$":
            n = int(rest)
            return None if n < 0 else self.f.read(n + 2)[:-2]
        return [self.read() for _ in range(int(rest))]
    def call(self, *c):
        self.send([c]); return self.read()

def used_memory(c):
    info = c.call("INFO", "memory").decode()
    return int(re.search(r"used_memory:(\d+)", info).group(1))

proxy, byhand = Conn(proxy_port), Conn(byhand_port)
entries, cursor = [], b"0"
while True:
    cursor, batch = proxy.call("SCAN", cursor, "COUNT", 1000)
    if batch:
        values = proxy.call("MGET", *batch)
        entries += [(k, v) for k, v in zip(batch, values) if v is not None]
    if cursor == b"0":
        break
if len(entries) != keys:
    sys.exit("by-hand.sh: read %d keys back through the proxy, expected %d" % (len(entries), keys))

pattern = re.compile(rb"^([^0-9]*)([0-9]+)(.*)$")
for n in fields:
    byhand.call("FLUSHALL")
    before = used_memory(byhand)
    for i in range(0, len(entries), 1000):
        cmds = []
        for key, value in entries[i:i + 1000]:
            prefix, digits, suffix = pattern.match(key).groups()
            ident = int(digits)
            cmds.append((b"HSET", b"%s:%s:%d" % (prefix.rstrip(b":"), suffix.lstrip(b":"), ident // n), ident % n, value))
        byhand.send(cmds)
        for _ in cmds:
            byhand.read()
    after = used_memory(byhand)
    print("by hand, %3d fields per hash: %6.1f B/key (%d hashes)" % (n, (after - before) / len(entries), byhand.call("DBSIZE")))
PY
