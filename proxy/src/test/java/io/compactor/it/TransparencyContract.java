package io.compactor.it;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;

/**
 * The pass-through contract: every command family sent to Redis directly and through the proxy gets the
 * same reply, byte for byte, errors included. Concrete classes pick the server and proxy mode.
 */
abstract class TransparencyContract {
  abstract ProxyEnvironment env();

  @Test
  void strings_sameReplies() throws IOException {
    try (Differential d = env().differential()) {
      d.exact("SET", "k", "v");
      d.exact("GET", "k");
      d.exact("GET", "missing");
      d.exact("SET", "k", "v2", "XX", "GET");
      d.exact("SET", "k", "v3", "NX");
      d.exact("SETNX", "k2", "a");
      d.exact("APPEND", "k2", "bc");
      d.exact("STRLEN", "k2");
      d.exact("GETRANGE", "k2", "0", "1");
      d.exact("SETRANGE", "k2", "5", "zz");
      d.exact("GET", "k2");
      d.exact("INCR", "n");
      d.exact("INCRBY", "n", "41");
      d.exact("DECRBY", "n", "2");
      d.exact("INCRBYFLOAT", "f", "1.5");
      d.exact("INCRBYFLOAT", "f", "1e3");
      d.exact("INCR", "k");
      d.exact("MSET", "a", "1", "b", "2");
      d.exact("MGET", "a", "b", "nope");
      d.exact("MSETNX", "a", "9", "c", "3");
      d.exact("GETDEL", "a");
      d.exact("GETEX", "b", "PERSIST");
      d.exact("GETSET", "b", "new");
      d.exact("LCS", "k", "k2");
      d.exact("SETEX", "e", "1000", "v");
      d.exact("TTL", "e");
      d.exact("PSETEX", "e", "1000000", "v");
      d.exact("SET", "e", "v", "EX", "0");
      d.exact("SET", "e", "v", "PX", "-1");
      d.exact("GETBIT", "k", "3");
      d.exact("SETBIT", "bits", "7", "1");
      d.exact("BITCOUNT", "bits");
      d.exact("BITPOS", "bits", "1");
      d.exact("BITFIELD", "bf", "INCRBY", "u8", "0", "200", "GET", "u8", "0");
      d.exact("BITOP", "OR", "dest", "bits", "k");
    }
  }

  @Test
  void binaryValues_roundTripExactly() throws IOException {
    byte[] all = new byte[256];
    for (int i = 0; i < 256; i++) {
      all[i] = (byte) i;
    }
    byte[] crlf = "a\r\nb\r\n$3\r\n*1\r\n\0".getBytes(StandardCharsets.ISO_8859_1);
    try (Differential d = env().differential()) {
      d.exact("SET".getBytes(), all, all);
      d.exact("GET".getBytes(), all);
      d.exact("SET".getBytes(), crlf, crlf);
      d.exact("GET".getBytes(), crlf);
      d.exact("SET".getBytes(), "empty".getBytes(), new byte[0]);
      d.exact("GET".getBytes(), "empty".getBytes());
      d.exact("STRLEN".getBytes(), "empty".getBytes());
      Random random = new Random(42);
      for (int size : new int[] {1, 63, 64, 65, 8191, 8192, 65535, 65536, 1 << 20}) {
        byte[] v = new byte[size];
        random.nextBytes(v);
        d.exact("SET".getBytes(), ("r" + size).getBytes(), v);
        d.exact("GET".getBytes(), ("r" + size).getBytes());
      }
    }
  }

  @Test
  void collections_sameReplies() throws IOException {
    try (Differential d = env().differential()) {
      d.exact("RPUSH", "l", "a", "b", "c");
      d.exact("LPUSH", "l", "z");
      d.exact("LRANGE", "l", "0", "-1");
      d.exact("LINDEX", "l", "1");
      d.exact("LPOP", "l", "2");
      d.exact("LMOVE", "l", "l2", "LEFT", "RIGHT");
      d.exact("LPOS", "l", "c");
      d.exact("LLEN", "l");
      d.exact("LMPOP", "2", "nope", "l", "LEFT");
      d.exact("HSET", "h", "f1", "v1", "f2", "v2");
      d.exact("HGET", "h", "f1");
      d.exact("HMGET", "h", "f1", "nope");
      d.exact("HGETALL", "h");
      d.exact("HINCRBY", "h", "n", "5");
      d.exact("HINCRBYFLOAT", "h", "x", "0.25");
      d.exact("HKEYS", "h");
      d.exact("HVALS", "h");
      d.exact("HSCAN", "h", "0");
      d.exact("HDEL", "h", "f1");
      d.exact("SADD", "s", "1", "2", "3");
      d.exact("SMEMBERS", "s");
      d.exact("SISMEMBER", "s", "2");
      d.exact("SMISMEMBER", "s", "2", "9");
      d.exact("SINTER", "s", "s");
      d.exact("SCARD", "s");
      d.exact("ZADD", "z", "1", "a", "2.5", "b", "-3", "c");
      d.exact("ZRANGE", "z", "0", "-1", "WITHSCORES");
      d.exact("ZSCORE", "z", "b");
      d.exact("ZINCRBY", "z", "1.25", "a");
      d.exact("ZRANGEBYSCORE", "z", "-inf", "+inf", "LIMIT", "0", "2");
      d.exact("ZRANK", "z", "a");
      d.exact("ZPOPMIN", "z");
      d.exact("ZMSCORE", "z", "a", "zz");
      d.exact("XADD", "st", "1-1", "f", "v");
      d.exact("XADD", "st", "2-1", "f", "w");
      d.exact("XRANGE", "st", "-", "+");
      d.exact("XLEN", "st");
      d.exact("XGROUP", "CREATE", "st", "g", "0");
      d.exact("XREADGROUP", "GROUP", "g", "c", "COUNT", "1", "STREAMS", "st", ">");
      d.exact("XREAD", "COUNT", "5", "STREAMS", "st", "0");
      d.exact("XACK", "st", "g", "1-1");
      d.exact("PFADD", "hll", "a", "b", "c");
      d.exact("PFCOUNT", "hll");
      d.exact("GEOADD", "g", "13.361389", "38.115556", "Palermo");
      d.exact("GEOPOS", "g", "Palermo");
      d.exact("SORT", "l", "ALPHA");
    }
  }

  @Test
  void keyspace_sameReplies() throws IOException {
    try (Differential d = env().differential()) {
      d.exact("SET", "k", "v");
      d.exact("EXPIRE", "k", "1000");
      d.exact("TTL", "k");
      d.shape("PTTL", "k");
      d.exact("EXPIRE", "k", "2000", "GT");
      d.exact("EXPIRE", "k", "10", "GT");
      d.exact("PERSIST", "k");
      d.exact("TTL", "k");
      d.exact("EXPIRETIME", "k");
      d.exact("TYPE", "k");
      d.exact("EXISTS", "k", "k", "nope");
      d.exact("OBJECT", "ENCODING", "k");
      d.exact("DUMP", "k");
      byte[] dump = d.lastDirect();
      d.exact("RENAME", "k", "k2");
      d.exact("RENAME", "nope", "x");
      d.exact("COPY", "k2", "k3");
      d.exact("SCAN", "0", "MATCH", "k2");
      d.exact("KEYS", "k3");
      d.exact("DBSIZE");
      d.exact("DEL", "k2", "k3", "nope");
      d.exact("RANDOMKEY");
      d.exact("UNLINK", "nothing");
      assertThat(dump[0]).isEqualTo((byte) '$');
      d.exact("TOUCH", "k");
      d.exact("OBJECT", "FREQ", "k");
    }
  }

  @Test
  void errors_passThroughVerbatim() throws IOException {
    try (Differential d = env().differential()) {
      d.exact("NOSUCHCOMMAND", "a");
      d.exact("GET");
      d.exact("SET", "k");
      d.exact("SET", "k", "v", "EX", "abc");
      d.exact("LPUSH", "l", "x");
      d.exact("GET", "l");
      d.exact("INCR", "l");
      d.exact("EXEC");
      d.exact("DISCARD");
      d.exact("UNWATCH");
      d.exact("CONFIG", "GET");
      d.exact("OBJECT", "NOPE", "k");
      d.exact("ZADD", "z", "nan", "a");
      d.exact("EVAL", "return redis.call('nope')", "0");
      d.exact("SELECT", "999");
      d.exact("AUTH", "nopass");
      d.exact("HELLO", "4");
      d.exact("PING");
    }
  }

  @Test
  void pipeline_tenThousandCommandsInOneWrite() throws IOException {
    List<String[]> commands = new ArrayList<>();
    for (int i = 0; i < 10_000; i++) {
      switch (i % 5) {
        case 0 -> commands.add(new String[] {"SET", "p" + (i % 97), "v" + i});
        case 1 -> commands.add(new String[] {"GET", "p" + (i % 97)});
        case 2 -> commands.add(new String[] {"INCR", "counter"});
        case 3 -> commands.add(new String[] {"LPUSH", "plist", "x" + i});
        default -> commands.add(new String[] {"HGET", "p" + (i % 97), "f"});
      }
    }
    try (Differential d = env().differential()) {
      d.pipeline(commands);
      d.exact("LLEN", "plist");
    }
  }

  @Test
  void transactions_multiExecDiscardWatch() throws IOException {
    try (Differential d = env().differential();
        Differential other = env().differential()) {
      d.exact("MULTI");
      d.exact("SET", "t", "1");
      d.exact("INCR", "t");
      d.exact("LPUSH", "t", "x");
      d.exact("EXEC");
      d.exact("MULTI");
      d.exact("SET", "t", "2");
      d.exact("DISCARD");
      d.exact("GET", "t");
      d.exact("MULTI");
      d.exact("NOSUCH");
      d.exact("EXEC");
      d.exact("WATCH", "w");
      other.exact("SET", "w", "changed");
      d.exact("MULTI");
      d.exact("SET", "w", "mine");
      d.exact("EXEC");
      d.exact("GET", "w");
      d.exact("WATCH", "w");
      d.exact("MULTI");
      d.exact("SET", "w", "mine");
      d.exact("EXEC");
      d.pipeline(List.of(
          new String[] {"MULTI"}, new String[] {"INCR", "pc"}, new String[] {"INCR", "pc"},
          new String[] {"GET", "pc"}, new String[] {"EXEC"}, new String[] {"GET", "pc"}));
    }
  }

  @Test
  void select_keepsTheClientsDatabase() throws IOException {
    try (Differential d = env().differential()) {
      d.exact("SET", "k", "db0");
      d.exact("SELECT", "1");
      d.exact("GET", "k");
      d.exact("SET", "k", "db1");
      d.exact("SELECT", "0");
      d.exact("GET", "k");
      d.exact("SELECT", "1");
      d.exact("GET", "k");
      d.exact("SWAPDB", "0", "1");
      d.exact("GET", "k");
      d.exact("SELECT", "0");
    }
    try (Differential d = env().differential()) {
      d.exact("GET", "k"); // a new connection starts in database 0 again
    }
  }

  @Test
  void auth_passwordAndAclUserReachRedis() throws IOException {
    for (TestServer s : List.of(env().direct(), env().upstream())) {
      try (RespClient admin = new RespClient(s.port())) {
        assertThat(admin.callString("ACL", "SETUSER", "alice", "on", ">s3cret", "~app:*", "+get", "+set", "+acl|whoami"))
            .isEqualTo("+OK\r\n");
      }
    }
    try (Differential d = env().differential()) {
      d.exact("AUTH", "alice", "wrong");
      d.exact("AUTH", "alice", "s3cret");
      d.exact("ACL", "WHOAMI");
      d.exact("SET", "app:1", "x");
      d.exact("SET", "other", "x");
      d.exact("GET", "app:1");
      d.exact("HELLO", "2", "AUTH", "alice", "bad");
    }
    try (Differential d = env().differential()) {
      d.exact("ACL", "WHOAMI"); // a new connection is the default user again
      d.shape("HELLO", "3", "AUTH", "alice", "s3cret");
      d.exact("ACL", "WHOAMI");
    }
    for (TestServer s : List.of(env().direct(), env().upstream())) {
      try (RespClient admin = new RespClient(s.port())) {
        admin.call("ACL", "DELUSER", "alice");
      }
    }
  }

  @Test
  void hello_resp3RepliesPassThrough() throws IOException {
    try (Differential d = env().differential()) {
      d.exact("HSET", "h", "a", "1", "b", "2");
      d.exact("SADD", "s", "2", "1"); // an intset: ordered on every server (string sets are hashtables on 7.0)
      d.exact("ZADD", "z", "1.5", "m");
      d.shape("HELLO", "3");
      d.exact("HGETALL", "h");
      d.exact("SMEMBERS", "s");
      d.exact("ZSCORE", "z", "m");
      d.exact("ZRANGE", "z", "0", "-1", "WITHSCORES");
      d.exact("GET", "missing");
      d.exact("EXISTS", "h");
      d.exact("CONFIG", "GET", "maxmemory");
      d.exact("EVAL", "return {1, 'two', {3}}", "0");
      d.exact("EVAL", "redis.setresp(3); return redis.call('HGETALL', KEYS[1])", "1", "h");
      d.exact("NOSUCH");
      d.shape("CLIENT", "INFO");
      d.shape("HELLO", "2");
      d.exact("GET", "missing");
      d.exact("HGETALL", "h");
    }
  }

  @Test
  void clientCommands_keepTheirMeaning() throws IOException {
    try (Differential d = env().differential()) {
      d.exact("CLIENT", "GETNAME");
      d.exact("CLIENT", "SETNAME", "app-1");
      d.exact("CLIENT", "GETNAME");
      d.shape("CLIENT", "ID");
      d.shape("CLIENT", "INFO");
      d.exact("CLIENT", "SETINFO", "LIB-NAME", "mylib");
      d.exact("CLIENT", "NO-EVICT", "on");
      d.send("CLIENT", "REPLY", "OFF"); // no reply, by definition
      d.send("SET", "quiet", "1");
      d.send("INCR", "quiet");
      d.exact("CLIENT", "REPLY", "ON");
      d.exact("GET", "quiet");
      d.send("CLIENT", "REPLY", "SKIP");
      d.send("SET", "skipped", "1");
      d.exact("GET", "skipped");
      d.exact("CLIENT", "REPLY", "BAD");
    }
  }

  @Test
  void clientKill_byIdClosesThatClient() throws IOException {
    for (boolean viaProxy : new boolean[] {false, true}) {
      try (RespClient killer = viaProxy ? env().proxyClient() : env().directClient();
          RespClient victim = viaProxy ? env().proxyClient() : env().directClient()) {
        String id = victim.callString("CLIENT", "ID").substring(1).trim();
        assertThat(killer.callString("CLIENT", "KILL", "ID", id)).as("via proxy: %s", viaProxy).isEqualTo(":1\r\n");
        assertThat(victim.isClosedWithin(5000)).as("victim closed, via proxy: %s", viaProxy).isTrue();
        assertThat(killer.callString("PING")).isEqualTo("+PONG\r\n");
      }
    }
  }

  @Test
  void scripting_evalEvalshaFunction() throws IOException {
    try (Differential d = env().differential()) {
      d.exact("EVAL", "return redis.call('SET', KEYS[1], ARGV[1])", "1", "sk", "sv");
      d.exact("EVAL", "return {KEYS[1], ARGV[1], 3, {4, 'five'}, false, true}", "1", "a", "b");
      d.exact("EVAL", "return redis.error_reply('my error')", "0");
      d.exact("EVAL", "return redis.status_reply('FINE')", "0");
      d.exact("SCRIPT", "LOAD", "return ARGV[1]");
      String sha = new String(d.lastDirect(), StandardCharsets.US_ASCII).split("\r\n")[1];
      d.exact("EVALSHA", sha, "0", "hello");
      d.exact("EVALSHA", "0000000000000000000000000000000000000000", "0");
      d.exact("SCRIPT", "EXISTS", sha);
      d.exact("FUNCTION", "LOAD", "#!lua name=mylib\nredis.register_function('echo1', function(keys, args) return args[1] end)");
      d.exact("FCALL", "echo1", "0", "hi");
      d.exact("FUNCTION", "LIST");
      d.exact("FCALL", "nosuch", "0");
    }
  }

  @Test
  void serverCommands_infoConfigCommandDebug() throws IOException {
    try (Differential d = env().differential()) {
      d.shape("INFO");
      d.shape("INFO", "server");
      d.exact("CONFIG", "GET", "maxmemory-policy");
      d.exact("CONFIG", "SET", "maxmemory-policy", "allkeys-lru");
      d.exact("CONFIG", "GET", "maxmemory-policy");
      d.exact("CONFIG", "SET", "maxmemory-policy", "noeviction");
      d.exact("COMMAND", "COUNT");
      d.exact("COMMAND", "INFO", "GET", "SET");
      d.exact("COMMAND", "DOCS", "GET");
      d.exact("COMMAND", "GETKEYS", "MSET", "a", "1", "b", "2");
      d.exact("SET", "dbg", "12345");
      d.exact("DEBUG", "SLEEP", "0");
      d.exact("DEBUG", "NOPE");
      d.exact("OBJECT", "ENCODING", "dbg");
      d.exact("MEMORY", "USAGE", "dbg");
      d.shape("TIME");
      d.exact("ECHO", "hello");
      d.exact("PING", "msg");
      d.exact("DBSIZE");
      d.exact("FLUSHALL");
      d.exact("DBSIZE");
      d.shape("SLOWLOG", "LEN");
      d.shape("LATENCY", "LATEST");
      d.exact("LOLWUT", "VERSION", "5", "1", "1", "1");
    }
  }

  @Test
  void inlineCommands_likeTelnet() throws IOException {
    try (Differential d = env().differential()) {
      d.raw("PING\r\n", 1);
      d.raw("PING\n", 1);
      d.raw("SET \"a b\" 'c d'\r\n", 1);
      d.raw("GET \"a b\"\r\n", 1);
      d.raw("\r\n\r\nECHO \"\\x41\\n\"\r\n", 1);
      d.raw("nosuch x\r\n", 1);
      d.raw("SET k v\r\n*2\r\n$3\r\nGET\r\n$1\r\nk\r\n", 2);
    }
  }

  @Test
  void quit_repliesThenCloses() throws IOException {
    try (Differential d = env().differential()) {
      d.exact("SET", "q", "1");
      d.raw("*1\r\n$4\r\nQUIT\r\n*1\r\n$4\r\nPING\r\n", 1);
      assertThat(d.direct().isClosedWithin(5000)).isTrue();
      assertThat(d.proxied().isClosedWithin(5000)).isTrue();
    }
  }

  @Test
  void reset_restoresConnectionDefaults() throws IOException {
    try (Differential d = env().differential()) {
      d.exact("SET", "r", "db0");
      d.exact("SELECT", "2");
      d.exact("CLIENT", "SETNAME", "n");
      d.exact("MULTI");
      d.exact("RESET");
      d.exact("GET", "r");
      d.exact("CLIENT", "GETNAME");
      d.exact("RESET");
      d.exact("PING");
    }
  }

  @Test
  void largeValues_upToTensOfMegabytes() throws IOException {
    byte[] big = new byte[24 * 1024 * 1024];
    new Random(7).nextBytes(big);
    try (Differential d = env().differential()) {
      d.exact("SET".getBytes(), "big".getBytes(), big);
      byte[] got = d.exact("GET".getBytes(), "big".getBytes());
      assertThat(got.length).isGreaterThan(big.length);
      d.exact("STRLEN", "big");
      d.exact("GETRANGE", "big", "1000", "1100");
      d.exact("APPEND", "big", "tail");
    }
  }
}
