package io.compactor.it;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * Bucket rules against plain Redis as the oracle: the same commands on keys the proxy stores as hash
 * fields get the replies a plain string key gets directly, byte for byte; and what reaches the server is
 * the compact form. Concrete classes pick the server.
 */
abstract class BucketContract {
  /** The rules every concrete class configures. */
  static final String RULES = "[{name: media, pattern: 'media:*', strategy: bucket},"
      + " {name: uname, pattern: 'user:*:name', strategy: bucket},"
      + " {name: sess, pattern: 'sess:*', strategy: bucket, buckets: 4},"
      + " {name: tok, pattern: 'tok:*', strategy: bucket, buckets: 4, binary-ids: true},"
      + " {name: tagged, pattern: 'sid:*:{data}', strategy: bucket, buckets: 4, binary-ids: true}]";

  abstract ProxyEnvironment env();

  private static byte[] b(String s) {
    return s.getBytes(StandardCharsets.UTF_8);
  }

  private static String[] with(String command, String... args) {
    String[] out = new String[args.length + 1];
    out[0] = command;
    System.arraycopy(args, 0, out, 1, args.length);
    return out;
  }

  private static String ascii(byte[] b) {
    return new String(b, StandardCharsets.UTF_8);
  }

  @Test
  void strings_sameReplies() throws IOException {
    try (Differential d = env().differential()) {
      for (String k : List.of("media:1155315", "user:7:name", "sess:abc", "plain:1")) {
        d.exact("GET", k);
        d.exact("SET", k, "v");
        d.exact("GET", k);
        d.exact("SET", k, "v2", "XX", "GET");
        d.exact("SET", k, "v3", "NX");
        d.exact("SET", k, "v3", "NX", "GET");
        d.exact("SET", k, "v4", "BADOPTION");
        d.exact("SET", k, "v4", "EX", "0");
        d.exact("SET", k, "v4", "PX", "-1");
        d.exact("SET", k, "v4", "EX", "notanumber");
        d.exact("SETNX", k, "x");
        d.exact("APPEND", k, "bc");
        d.exact("STRLEN", k);
        d.exact("GETRANGE", k, "0", "1");
        d.exact("GETRANGE", k, "-2", "-1");
        d.exact("SUBSTR", k, "1", "100");
        d.exact("SETRANGE", k, "8", "zz");
        d.exact("GET", k);
        d.exact("INCR", k);
        d.exact("SET", k, "41");
        d.exact("INCR", k);
        d.exact("INCRBY", k, "-50");
        d.exact("DECR", k);
        d.exact("DECRBY", k, "9223372036854775807");
        d.exact("SET", k, "9223372036854775806");
        d.exact("INCR", k);
        d.exact("INCR", k);
        d.exact("INCRBYFLOAT", k, "1.5");
        d.exact("SET", k, "10.5");
        d.exact("INCRBYFLOAT", k, "0.1");
        d.exact("INCRBYFLOAT", k, "1e3");
        d.exact("GETSET", k, "new");
        d.exact("GETDEL", k);
        d.exact("GETDEL", k);
        d.exact("GETEX", k, "PERSIST");
        d.exact("SETBIT", k, "7", "1");
        d.exact("GETBIT", k, "7");
        d.exact("BITCOUNT", k);
        d.exact("BITPOS", k, "1");
        d.exact("BITFIELD", k, "INCRBY", "u8", "0", "200", "GET", "u8", "0");
        d.exact("TYPE", k);
        d.exact("DEL", k);
        d.exact("TYPE", k);
        d.exact("SETRANGE", k, "0", "");
        d.exact("EXISTS", k);
      }
    }
  }

  @Test
  void binaryAndLongValues_roundTrip() throws IOException {
    byte[][] values = {
        {}, {(byte) 0xFF}, {(byte) 0xFF, 0, 1}, {(byte) 0xFF, 1, 0, 0, 0, 0, 0, 1, 'x'}, {0, '\r', '\n'},
        {(byte) 0xFE, 1, 2, 3, 4, 5, 6}, {(byte) 0xFD, 1, 2, 3, 4, 5, 6}, {(byte) 0xFC}, b("0"), b("-0"), b("-5"),
        b("007"), b("123456789012345"), b("-12345678901234"), b("1234567890123456"), b("9007199254740993"),
        b("12.5"), b(" 1"), b("+1"),
        "x".repeat(62).getBytes(StandardCharsets.US_ASCII), "x".repeat(64).getBytes(StandardCharsets.US_ASCII),
        "x".repeat(65).getBytes(StandardCharsets.US_ASCII), "y".repeat(10_000).getBytes(StandardCharsets.US_ASCII)};
    try (Differential d = env().differential()) {
      byte[] key = "media:42".getBytes(StandardCharsets.US_ASCII);
      for (byte[] v : values) {
        d.exact("SET".getBytes(StandardCharsets.US_ASCII), key, v);
        d.exact("GET".getBytes(StandardCharsets.US_ASCII), key);
        d.exact("STRLEN".getBytes(StandardCharsets.US_ASCII), key);
        d.exact("SET".getBytes(StandardCharsets.US_ASCII), key, v, "EX".getBytes(StandardCharsets.US_ASCII),
            "1000".getBytes(StandardCharsets.US_ASCII));
        d.exact("GET".getBytes(StandardCharsets.US_ASCII), key);
        d.exact("APPEND".getBytes(StandardCharsets.US_ASCII), key, v);
        d.exact("GET".getBytes(StandardCharsets.US_ASCII), key);
        d.exact("TTL".getBytes(StandardCharsets.US_ASCII), key);
      }
    }
  }

  @Test
  void severalKeys_mixBucketedAndPlain() throws IOException {
    try (Differential d = env().differential()) {
      d.exact("MSET", "media:1", "a", "plain:1", "b", "user:2:name", "c", "media:1", "d");
      d.exact("MGET", "media:1", "plain:1", "user:2:name", "media:2", "nothing", "media:1");
      d.exact("LPUSH", "plain:list", "x");
      d.exact("MGET", "plain:list", "media:1");
      d.exact("MSETNX", "media:3", "x", "media:1", "y");
      d.exact("MSETNX", "media:3", "x", "sess:q", "y");
      d.exact("MGET", "media:3", "sess:q");
      d.exact("EXISTS", "media:1", "media:1", "plain:1", "media:9", "sess:q");
      d.exact("TOUCH", "media:1", "plain:1", "media:9");
      d.exact("DEL", "media:1", "plain:1", "media:9", "media:1");
      d.exact("UNLINK", "media:3", "sess:q");
      d.exact("EXISTS", "media:1", "media:3", "sess:q");
      d.exact("MSET", "media:1", "a", "media:2"); // an odd count: Redis's own arity error
      d.exact("MSETNX", "media:1", "a", "media:2");
      // a rewritten INCR reply right behind a forwarded one, in one read (found by the random test)
      d.pipeline(List.of(new String[] {"GET", "plain:1"}, new String[] {"INCR", "media:7"},
          new String[] {"GET", "media:7"}, new String[] {"INCRBY", "media:7", "5"}, new String[] {"GET", "plain:1"}));
    }
  }

  @Test
  void ttl_family_sameReplies() throws IOException {
    try (Differential d = env().differential()) {
      String k = "media:77";
      for (String[] c : new String[][] {
          {"TTL", k}, {"PTTL", k}, {"EXPIRE", k, "100"}, {"PERSIST", k}, {"EXPIRETIME", k},
          {"SET", k, "v"}, {"TTL", k}, {"PERSIST", k}, {"EXPIRETIME", k}, {"PEXPIRETIME", k},
          {"EXPIRE", k, "100", "XX"}, {"EXPIRE", k, "100", "NX"}, {"EXPIRE", k, "100", "NX"},
          {"EXPIRE", k, "50", "GT"}, {"EXPIRE", k, "50", "LT"}, {"EXPIRE", k, "200", "LT"},
          {"EXPIRE", k, "100", "NX", "XX"}, {"EXPIRE", k, "abc"}, {"EXPIRE", k, "9223372036854775807"},
          {"PEXPIRE", k, "100000000", "GT"}, {"EXPIREAT", k, "4102444800"}, {"EXPIRETIME", k},
          {"PEXPIREAT", k, "4102444800123"}, {"PEXPIRETIME", k}, {"EXPIRETIME", k}, {"PERSIST", k},
          {"PERSIST", k}, {"SETEX", k, "1000", "v"}, {"PSETEX", k, "0", "v"}, {"SETEX", k, "-1", "v"},
          {"SET", k, "v", "EXAT", "4102444800"}, {"EXPIRETIME", k}, {"SET", k, "w", "KEEPTTL"},
          {"EXPIRETIME", k}, {"SET", k, "w", "PXAT", "4102444800999"}, {"PEXPIRETIME", k},
          {"GETEX", k, "EXAT", "4102444801"}, {"EXPIRETIME", k}, {"GETEX", k, "PERSIST"}, {"TTL", k},
          {"EXPIRE", k, "0"}, {"GET", k}, {"TTL", k}, {"SET", k, "v", "PXAT", "1"}, {"GET", k}}) {
        d.exact(c);
      }
    }
  }

  @Test
  void ttl_beyondTwoToThe53Ms_refusedAndNothingChanged() throws IOException {
    try (RespClient proxy = env().proxyClient()) {
      proxy.call("SET", "media:6", "kept", "EX", "1000");
      for (String[] c : new String[][] {{"SET", "media:6", "v", "PXAT", "9007199254740993"},
          {"EXPIREAT", "media:6", "9223372036854775"}, {"PEXPIRE", "media:6", "9007199254740993"}}) {
        assertThat(ascii(proxy.call(c))).as(String.join(" ", c))
            .startsWith("-ERR redis-compactor: an expiry after 2^53 ms (year 287396) cannot be kept exactly");
      }
      assertThat(ascii(proxy.call("GET", "media:6"))).isEqualTo("$4\r\nkept\r\n");
      assertThat(ascii(proxy.call("TTL", "media:6"))).isIn(":1000\r\n", ":999\r\n");
      assertThat(ascii(proxy.call("SET", "media:6", "v", "PXAT", "9007199254740991"))).isEqualTo("+OK\r\n");
      assertThat(ascii(proxy.call("PEXPIRETIME", "media:6"))).isEqualTo(":9007199254740991\r\n");
    }
  }

  @Test
  void ttl_relativeAgreeWithinASecond() throws IOException {
    try (RespClient direct = env().directClient(); RespClient proxy = env().proxyClient()) {
      for (RespClient c : List.of(direct, proxy)) {
        c.call("SET", "media:5", "v", "EX", "3600");
      }
      long d = Long.parseLong(ascii(direct.call("PTTL", "media:5")).trim().substring(1));
      long p = Long.parseLong(ascii(proxy.call("PTTL", "media:5")).trim().substring(1));
      assertThat(p).isBetween(d - 1000, d + 1000).isLessThanOrEqualTo(3_600_000);
      assertThat(ascii(proxy.call("TTL", "media:5"))).isEqualTo(ascii(direct.call("TTL", "media:5")));
    }
  }

  @Test
  void expiry_lazyAndActive() throws Exception {
    try (RespClient proxy = env().proxyClient(); RespClient up = env().upstreamClient()) {
      proxy.call("SET", "media:1", "a", "PX", "200");
      proxy.call("SET", "media:2", "b", "PX", "200");
      proxy.call("SET", "media:3", "c");
      assertThat(ascii(proxy.call("EXISTS", "media:1"))).isEqualTo(":1\r\n");
      up.call("SET", "clock", "x", "PX", "200"); // expires after the fields: Redis's own clock says when
      env().awaitUpstream(r -> r.equals(":0\r\n"), "the 200 ms expiry passed", "EXISTS", "clock");
      assertThat(ascii(proxy.call("GET", "media:1"))).isEqualTo("$-1\r\n"); // lazy: the read drops it
      assertThat(ascii(proxy.call("TTL", "media:2"))).isEqualTo(":-2\r\n");
      assertThat(ascii(proxy.call("EXISTS", "media:1", "media:2", "media:3"))).isEqualTo(":1\r\n");
      // active: the maintenance pass reclaims what nobody reads
      proxy.call("SET", "media:4", "d", "PX", "100");
      env().awaitUpstream(r -> r.equals(":1\r\n"), "the maintenance pass dropped media:4's field",
          "HLEN", "__rc:b:{media:n0}");
      assertThat(ascii(proxy.call("DBSIZE"))).isEqualTo(":1\r\n");
    }
  }

  @Test
  void expiry_activeReclaimsAcrossManyBuckets() throws Exception {
    // more buckets than one reap call takes (8): the maintenance pass sends a page's calls together
    try (RespClient proxy = env().proxyClient(); RespClient up = env().upstreamClient()) {
      for (int i = 0; i < 40; i++) {
        proxy.call("SET", "media:" + (128 * i), "gone", "PX", "100");
        proxy.call("SET", "media:" + (128 * i + 1), "kept");
      }
      assertThat(ascii(up.call("DBSIZE"))).isEqualTo(":40\r\n");
      env().awaitUpstream(r -> r.equals(":40\r\n"), "the maintenance pass dropped every expired field",
          "EVAL", "local n = 0 for _, k in ipairs(redis.call('KEYS', '__rc:b:*')) do n = n + redis.call('HLEN', k) end"
              + " return n", "0");
      assertThat(ascii(proxy.call("DBSIZE"))).isEqualTo(":40\r\n");
      assertThat(ascii(proxy.call("GET", "media:129"))).isEqualTo("$4\r\nkept\r\n");
    }
  }

  @Test
  void storage_isBucketedAndStaysListpack() throws IOException {
    try (RespClient proxy = env().proxyClient(); RespClient up = env().upstreamClient()) {
      for (int i = 0; i < 100; i++) {
        proxy.call("SET", "media:" + (1024 + i), Integer.toString(i * 7919));
      }
      proxy.call("SET", "media:1025", "z".repeat(500)); // too long for a listpack: goes to its own key
      proxy.call("SET", "media:1026", "short", "EX", "1000");
      assertThat(ascii(up.call("DBSIZE"))).isEqualTo(":2\r\n"); // the bucket and one overflow key
      assertThat(ascii(up.call("OBJECT", "ENCODING", "__rc:b:{media:n8}"))).contains("listpack");
      assertThat(ascii(up.call("HLEN", "__rc:b:{media:n8}"))).isEqualTo(":99\r\n");
      assertThat(ascii(up.call("STRLEN", "__rc:o:{media:n8}:1"))).isEqualTo(":500\r\n");
      assertThat(ascii(up.call("EXISTS", "media:1024"))).isEqualTo(":0\r\n");
      assertThat(ascii(proxy.call("GET", "media:1025"))).isEqualTo("$500\r\n" + "z".repeat(500) + "\r\n");
      proxy.call("SET", "media:1025", "back");
      assertThat(ascii(up.call("EXISTS", "__rc:o:{media:n8}:1"))).isEqualTo(":0\r\n");
      assertThat(ascii(proxy.call("DBSIZE"))).isEqualTo(":100\r\n");
    }
  }

  @Test
  void listpackLimit_raisedOnTheServer_isFollowedWithoutARestart() throws Exception {
    try (RespClient proxy = env().proxyClient(); RespClient up = env().upstreamClient()) {
      String before = ascii(up.call("CONFIG", "GET", "hash-max-listpack-value")).split("\r\n")[4];
      String value = "y".repeat(200);
      try {
        proxy.call("SET", "media:4096", value);
        assertThat(ascii(up.call("EXISTS", "__rc:o:{media:n32}:0"))).as("over the limit: an overflow key").isEqualTo(":1\r\n");
        up.call("CONFIG", "SET", "hash-max-listpack-value", "256");
        // the proxy reads the server's limits again every few seconds; once it has, the value fits a field
        long deadline = System.nanoTime() + java.util.concurrent.TimeUnit.SECONDS.toNanos(15);
        while (ascii(up.call("EXISTS", "__rc:o:{media:n32}:0")).equals(":1\r\n")) {
          assertThat(System.nanoTime()).as("the proxy never used the raised limit").isLessThan(deadline);
          Thread.sleep(100);
          proxy.call("SET", "media:4096", value);
        }
        assertThat(ascii(up.call("HGET", "__rc:b:{media:n32}", "0"))).isEqualTo("$200\r\n" + value + "\r\n");
        assertThat(ascii(up.call("OBJECT", "ENCODING", "__rc:b:{media:n32}"))).contains("listpack");
        assertThat(ascii(proxy.call("GET", "media:4096"))).isEqualTo("$200\r\n" + value + "\r\n");
      } finally {
        up.call("CONFIG", "SET", "hash-max-listpack-value", before);
        // and back: the other tests expect the server's own limit
        long deadline = System.nanoTime() + java.util.concurrent.TimeUnit.SECONDS.toNanos(15);
        do {
          Thread.sleep(100);
          proxy.call("SET", "media:4096", value);
        } while (ascii(up.call("EXISTS", "__rc:o:{media:n32}:0")).equals(":0\r\n") && System.nanoTime() < deadline);
        proxy.call("DEL", "media:4096");
      }
    }
  }

  @Test
  void keyspace_showsLogicalKeys() throws IOException {
    try (RespClient proxy = env().proxyClient()) {
      List<String> expected = new ArrayList<>();
      for (int i = 0; i < 30; i++) {
        proxy.call("SET", "media:" + i, "v");
        proxy.call("SET", "user:" + i + ":name", "n");
        proxy.call("SET", "sess:s" + i, "s");
        expected.addAll(List.of("media:" + i, "user:" + i + ":name", "sess:s" + i));
      }
      proxy.call("SET", "media:big", "b".repeat(300));
      proxy.call("RPUSH", "plain:list", "x");
      proxy.call("SET", "media:gone", "x", "PX", "1");
      try (RespClient up = env().upstreamClient()) {
        up.call("SET", "clock", "x", "PX", "1");
        env().awaitUpstream(r -> r.equals(":0\r\n"), "media:gone expired", "EXISTS", "clock");
        up.call("DEL", "clock");
      } catch (InterruptedException e) {
        throw new IOException(e);
      }
      expected.addAll(List.of("media:big", "plain:list"));
      assertThat(ascii(proxy.call("DBSIZE"))).isIn(":" + expected.size() + "\r\n", ":" + (expected.size() + 1) + "\r\n");

      assertThat(RespClient.flatten(proxy.call("KEYS", "*"))).containsExactlyInAnyOrderElementsOf(expected);
      assertThat(RespClient.flatten(proxy.call("KEYS", "media:1?"))).containsExactlyInAnyOrder(
          "media:10", "media:11", "media:12", "media:13", "media:14", "media:15", "media:16", "media:17",
          "media:18", "media:19");
      assertThat(RespClient.flatten(proxy.call("KEYS", "__rc:*"))).isEmpty();

      List<String> scanned = new ArrayList<>();
      String cursor = "0";
      do {
        List<String> page = RespClient.flatten(proxy.call("SCAN", cursor, "COUNT", "3"));
        cursor = page.get(0);
        scanned.addAll(page.subList(1, page.size()));
      } while (!cursor.equals("0"));
      assertThat(scanned).containsAll(expected).allMatch(expected::contains);

      List<String> lists = RespClient.flatten(proxy.call("SCAN", "0", "TYPE", "list", "COUNT", "1000"));
      assertThat(lists.subList(1, lists.size())).containsExactly("plain:list");
      List<String> users = RespClient.flatten(proxy.call("SCAN", "0", "MATCH", "user:2*", "COUNT", "1000"));
      assertThat(users.subList(1, users.size())).containsExactlyInAnyOrder("user:2:name", "user:20:name",
          "user:21:name", "user:22:name", "user:23:name", "user:24:name", "user:25:name", "user:26:name",
          "user:27:name", "user:28:name", "user:29:name");
      for (int i = 0; i < 20; i++) {
        assertThat(expected).contains(ascii(proxy.call("RANDOMKEY")).split("\r\n")[1]);
      }
    }
    try (Differential d = env().differential()) {
      d.exact("SCAN", "0", "COUNT");
      d.exact("SCAN", "notacursor");
      d.exact("SCAN", "0", "COUNT", "0");
      d.exact("SCAN", "0", "BOGUS", "x");
    }
  }

  @Test
  void binaryIds_hexAndUuidKeys_storedAsBytes_sameReplies() throws IOException {
    String hex = "00ff7a3c9d0e1b2c3d4e5f60718293a4";
    String uuid = "550e8400-e29b-41d4-a716-446655440000";
    String[] keys = {"tok:" + hex, "tok:" + uuid, "tok:0123", "tok:ABCD", "tok:abc", "tok:" + "ab".repeat(18)};
    try (Differential d = env().differential()) {
      for (String k : keys) {
        d.exact("SET", k, "v-" + k);
        d.exact("GET", k);
      }
      d.exact("SET", "tok:" + uuid, "ttl", "EX", "1000");
      d.exact("TTL", "tok:" + uuid);
      d.exact("SET", "tok:" + hex, "x".repeat(300)); // too long for the listpack: the overflow key
      d.exact("GET", "tok:" + hex);
      d.exact(with("MGET", keys));
      d.exact(with("EXISTS", keys));
      d.exact("RENAME", "tok:" + hex, "tok:ffffffff");
      d.exact("GET", "tok:ffffffff");
      d.exact("GET", "tok:" + hex);
      d.exact("RENAME", "tok:0123", "tok:" + hex);
      d.exact("GET", "tok:" + hex);
      d.exact("INCR", "tok:beef");
      d.exact("APPEND", "tok:beef", "!");
      d.exact("GET", "tok:beef");
    }
    try (RespClient proxy = env().proxyClient(); RespClient up = env().upstreamClient()) {
      List<String> logical = List.of("tok:" + hex, "tok:" + uuid, "tok:ABCD", "tok:abc", "tok:" + "ab".repeat(18),
          "tok:ffffffff", "tok:beef");
      assertThat(RespClient.flatten(proxy.call("KEYS", "tok:*"))).containsExactlyInAnyOrderElementsOf(logical);
      List<String> matched = RespClient.flatten(proxy.call("SCAN", "0", "MATCH", "tok:550e*", "COUNT", "1000"));
      assertThat(matched.subList(1, matched.size())).containsExactly("tok:" + uuid);
      // what Redis holds: the UUID as a 16-byte field of a kind-u bucket, the hex as bytes of a kind-x one
      java.util.zip.CRC32 crc = new java.util.zip.CRC32();
      crc.update(b(uuid));
      byte[] uuidBytes = java.util.HexFormat.of().parseHex(uuid.replace("-", ""));
      String bucket = "__rc:b:{tok:u" + (crc.getValue() % 4) + "}";
      assertThat(ascii(up.call(b("HEXISTS"), b(bucket), uuidBytes))).isEqualTo(":1\r\n");
      assertThat(ascii(up.call("KEYS", "__rc:b:{tok:x*"))).isNotEqualTo("*0\r\n");
      assertThat(ascii(up.call("KEYS", "__rc:b:{tok:h*"))).isNotEqualTo("*0\r\n"); // ABCD, abc
      for (int i = 0; i < 20; i++) {
        String k = ascii(proxy.call("RANDOMKEY")).split("\r\n")[1];
        if (k.startsWith("tok:")) {
          assertThat(logical).contains(k);
        }
      }
      assertThat(proxy.callString("COMPACTOR", "KEY", "tok:" + uuid))
          .contains("field 0x550e8400e29b41d4a716446655440000 (the id's bytes) of hash '" + bucket + "'");
      proxy.call("SET", "tok:" + hex, "x".repeat(300));
      assertThat(proxy.callString("COMPACTOR", "KEY", "tok:" + hex))
          .contains("overflow string key '__rc:o:{tok:x").contains(":0x" + hex + "'");
    }
  }

  @Test
  void binaryIds_withTheHashTagInTheSuffix_keepTheirSlotAndReadBack() throws IOException {
    String uuid = "0f1e2d3c-4b5a-6978-8796-a5b4c3d2e1f0";
    String key = "sid:" + uuid + ":{data}";
    String other = "sid:beef:{data}";
    try (Differential d = env().differential()) {
      d.exact("SET", key, "y".repeat(300), "EX", "1000"); // the overflow key: binary field in its name
      d.exact("SET", other, "short");
      d.exact("GET", key);
      d.exact("MGET", key, other, "sid:404:{data}");
      d.exact("STRLEN", key);
      d.exact("RENAME", other, "sid:cafe:{data}");
      d.exact("GET", "sid:cafe:{data}");
    }
    try (RespClient proxy = env().proxyClient(); RespClient up = env().upstreamClient()) {
      assertThat(RespClient.flatten(proxy.call("KEYS", "sid:*"))).containsExactlyInAnyOrder(key, "sid:cafe:{data}");
      List<String> scanned = RespClient.flatten(proxy.call("SCAN", "0", "MATCH", "sid:0f1e*", "COUNT", "1000"));
      assertThat(scanned.subList(1, scanned.size())).containsExactly(key);
      // every physical key keeps the logical key's tag, so it lands in the logical key's cluster slot
      for (String physical : RespClient.flatten(up.call("KEYS", "*"))) {
        assertThat(physical).startsWith("__rc:").contains("{data}tagged:");
      }
    }
  }

  @Test
  void keyspace_emptyAsRedis() throws IOException {
    try (Differential d = env().differential()) {
      d.exact("DBSIZE");
      d.exact("RANDOMKEY");
      d.exact("KEYS", "*");
      d.exact("SET", "media:1", "x");
      d.exact("DEL", "media:1");
      d.exact("DBSIZE");
      d.exact("RANDOMKEY");
      d.exact("SCAN", "0");
    }
  }

  @Test
  void rename_copy_acrossPlacements() throws IOException {
    try (Differential d = env().differential()) {
      d.exact("RENAME", "media:1", "media:2");
      d.exact("SET", "media:1", "one", "EX", "1000");
      d.exact("RENAME", "media:1", "media:1");
      d.exact("RENAMENX", "media:1", "media:1");
      d.exact("RENAME", "media:1", "user:5:name");
      d.exact("GET", "media:1");
      d.exact("GET", "user:5:name");
      d.exact("TTL", "user:5:name");
      d.exact("RENAME", "user:5:name", "plain:x");
      d.exact("GET", "plain:x");
      d.exact("RENAME", "plain:x", "sess:y");
      d.exact("GET", "sess:y");
      d.exact("SET", "media:3", "three");
      d.exact("RENAMENX", "sess:y", "media:3");
      d.exact("RENAMENX", "sess:y", "media:4");
      d.exact("COPY", "media:4", "media:3");
      d.exact("COPY", "media:4", "media:3", "REPLACE");
      d.exact("COPY", "media:4", "plain:z");
      d.exact("COPY", "media:404", "plain:z");
      d.exact("COPY", "media:4", "plain:q", "BOGUS");
      d.exact("COPY", "media:4", "media:4");
      d.exact("COPY", "media:404", "media:404", "REPLACE");
      d.exact("MGET", "media:3", "media:4", "plain:z", "sess:y");
    }
  }

  @Test
  void transactionsAndPipelines_repliesInPlace() throws IOException {
    try (Differential d = env().differential()) {
      d.exact("MULTI");
      d.exact("SET", "media:1", "a");
      d.exact("INCR", "media:2");
      d.exact("GET", "media:1");
      d.exact("INCR", "media:1");
      d.exact("MGET", "media:1", "media:2", "plain:1");
      d.exact("EXEC");
      d.exact("MULTI");
      d.exact("SET", "media:1");
      d.exact("GET", "media:1");
      d.exact("EXEC");
      d.exact("SET", "media:5", "9223372036854775805");
      d.exact("MULTI");
      d.exact("INCR", "media:5");
      d.exact("GET", "plain:1");
      d.exact("WATCH", "media:1");
      d.exact("INCRBY", "media:5", "1");
      d.exact("INCR", "media:5");
      d.exact("DECRBY", "media:5", "-1");
      d.exact("EXEC");
      d.pipeline(List.of(new String[] {"MULTI"}, new String[] {"INCR", "media:6"}, new String[] {"EXEC"},
          new String[] {"INCRBY", "media:6", "9007199254740993"}, new String[] {"MULTI"},
          new String[] {"INCR", "media:6"}, new String[] {"DISCARD"}, new String[] {"GET", "media:6"}));
      List<String[]> pipeline = new ArrayList<>();
      for (int i = 0; i < 2000; i++) {
        String k = (i % 3 == 0 ? "media:" : i % 3 == 1 ? "sess:" : "plain:") + (i % 17);
        pipeline.add(switch (i % 5) {
          case 0 -> new String[] {"SET", k, "v" + i};
          case 1 -> new String[] {"GET", k};
          case 2 -> new String[] {"APPEND", k, "x"};
          case 3 -> new String[] {"DEL", k, "media:" + (i % 7)};
          default -> new String[] {"INCR", k};
        });
      }
      d.pipeline(pipeline);
    }
  }

  @Test
  void pipelinedGetsAndSets_goAsOneScriptCall_withEveryReplyInPlace() throws IOException {
    String envelopeLike = new String(new byte[] {(byte) 0xFE, 1, 2, 3, 4, 5, 'x'}, StandardCharsets.ISO_8859_1);
    try (RespClient up = env().upstreamClient(); RespClient direct = env().directClient()) {
      for (RespClient c : List.of(up, direct)) { // written before the rule, straight to Redis
        c.call("SET", "media:77", "legacy");
        c.call("LPUSH", "media:78", "a list");
      }
      String before = ascii(up.call("INFO", "commandstats"));
      for (String hello : List.of("2", "3")) {
        try (Differential d = env().differential()) {
          d.shape("HELLO", hello);
          List<String[]> pipeline = new ArrayList<>();
          for (int i = 0; i < 150; i++) {
            String k = i % 2 == 0 ? "media:" + (i % 40) : "sess:" + (i % 23);
            pipeline.add(switch (i % 6) {
              case 0 -> new String[] {"SET", k, "v" + i};
              case 1 -> i % 30 == 1
                  ? new String[] {"SET", k, "z".repeat(70 + i)} // too long for the bucket: overflow key, alone
                  : new String[] {"GET", k};
              case 2 -> new String[] {"SET", k, envelopeLike + i};
              default -> new String[] {"GET", k};
            });
            if (i % 50 == 49) {
              pipeline.add(new String[] {"GET", "media:77"}); // a plain key from before the rule
              pipeline.add(new String[] {"GET", "media:78"}); // ... of another type: WRONGTYPE
              pipeline.add(new String[] {"GET", "media:9999"}); // missing
              pipeline.add(new String[] {"SET", "media:77", "moved"});
            }
          }
          d.pipelineLatin1(pipeline); // envelopeLike as its bytes
        }
      }
      String after = ascii(up.call("INFO", "commandstats"));
      // 2 x 162 commands went out as far fewer script calls (runs of up to 16)
      assertThat(evalshaCalls(after) - evalshaCalls(before)).isLessThan(70);
    }
  }

  @Test
  void pipelinedSets_goAsOneTransaction_replacingOverflowLegacyAndExpiringValues() throws Exception {
    String envelopeLike = new String(new byte[] {(byte) 0xFD, 1, 2, 3, 4, 5, 'x'}, StandardCharsets.ISO_8859_1);
    try (RespClient up = env().upstreamClient(); RespClient direct = env().directClient()) {
      for (String hello : List.of("", "3")) { // a shared connection, then (HELLO) one of its own: script calls
        int base = hello.isEmpty() ? 170 : 270;
        for (RespClient c : List.of(up, direct)) { // written before the rule, straight to Redis
          c.call("SET", "media:" + (base + 7), "legacy");
          c.call("LPUSH", "media:" + (base + 8), "a list");
        }
        try (Differential d = env().differential(); RespClient proxy = env().proxyClient()) {
          awaitTransactions(up, proxy);
          if (!hello.isEmpty()) {
            d.shape("HELLO", hello);
          }
          d.exact("SET", "media:" + (base + 10), "o".repeat(200)); // in its overflow key
          d.exact("SET", "media:" + (base + 11), "expiring", "EX", "1000");
          d.exact("SET", "media:" + (base + 12), "in the bucket");
          long execs = calls(ascii(up.call("INFO", "commandstats")), "exec");
          List<String[]> sets = new ArrayList<>();
          for (int i = 0; i < 40; i++) {
            sets.add(new String[] {"SET", "media:" + (base + i % 20), "v" + hello + i});
            if (i == 25) {
              sets.add(new String[] {"SET", "media:" + (base + 20), envelopeLike}); // escaped (0xFF 0x00) by the proxy
            }
            if (i == 31) {
              sets.add(new String[] {"SET", "media:" + (base + 21), "z".repeat(100)}); // too long for the bucket: alone
            }
          }
          sets.add(new String[] {"SET", "sess:1", "not numeric" + hello});
          d.pipelineLatin1(sets); // envelopeLike as its bytes
          List<String[]> twoBuckets = new ArrayList<>(); // one run: keys set twice, two buckets, one DEL
          for (int i = 0; i < 16; i++) {
            twoBuckets.add(new String[] {"SET", "media:" + (i % 2 == 0 ? base + i % 5 : base + 200 + i % 3),
                "m" + hello + i});
          }
          d.pipeline(twoBuckets);
          long transactions = calls(ascii(up.call("INFO", "commandstats")), "exec") - execs;
          if (hello.isEmpty()) {
            assertThat(transactions).as("the runs of plain SETs went as transactions").isGreaterThanOrEqualTo(4);
          } else {
            assertThat(transactions).as("none on a connection of the client's own").isZero();
          }
          List<String[]> reads = new ArrayList<>();
          for (int i = base; i < base + 22; i++) {
            reads.add(new String[] {"GET", "media:" + i});
            reads.add(new String[] {"TTL", "media:" + i});
            reads.add(new String[] {"STRLEN", "media:" + i});
          }
          for (int i = base + 200; i < base + 203; i++) {
            reads.add(new String[] {"GET", "media:" + i});
          }
          reads.add(new String[] {"GET", "sess:1"});
          reads.add(new String[] {"DBSIZE"});
          d.pipelineLatin1(reads);
          assertThat(ascii(up.call("EXISTS", "media:" + (base + 7), "media:" + (base + 8))))
              .as("the plain keys from before the rule, replaced").isEqualTo(":0\r\n");
        }
      }
    }
  }

  @Test
  void pipelinedGets_endingARead_goAsPlainHgets_andTheScriptFromTheFirstMissOn() throws Exception {
    try (RespClient up = env().upstreamClient(); Differential d = env().differential()) {
      for (int i = 0; i < 10; i++) {
        d.exact("SET", "media:" + (700 + i), "v" + i);
      }
      d.exact("SET", "media:705", "expiring", "EX", "1000"); // an envelope: read by the script
      List<String[]> hits = new ArrayList<>();
      for (int i = 0; i < 10; i++) {
        hits.add(new String[] {"GET", "media:" + (700 + (i * 3) % 10)});
      }
      List<String[]> plainHits = hits.stream().filter(c -> !c[1].equals("media:705")).toList();
      String before = ascii(up.call("INFO", "commandstats"));
      d.pipeline(plainHits);
      String after = ascii(up.call("INFO", "commandstats"));
      // one HGET per GET and nothing else: a transaction or the script would also GET the overflow keys
      // (EVALSHA and EXEC are not counted: the maintenance connection sends them on its own schedule)
      assertThat(calls(after, "hget") - calls(before, "hget")).as("one HGET per GET").isEqualTo(plainHits.size());
      assertThat(calls(after, "get") - calls(before, "get")).as("no overflow-key reads").isZero();
      d.pipeline(hits); // media:705 in the middle: the script answers it and every GET after it
      List<String[]> misses = new ArrayList<>(hits);
      misses.add(3, new String[] {"GET", "media:799"});
      misses.add(new String[] {"GET", "media:798"});
      d.pipeline(misses);
      d.pipeline(List.of(new String[] {"GET", "media:701"}, new String[] {"GET", "media:797"})); // the last alone
    }
  }

  @Test
  void pipelinedGets_goAsOneTransaction_readingEveryFieldForm() throws Exception {
    String envelopeLike = new String(new byte[] {(byte) 0xFF, 0, 'x'}, StandardCharsets.ISO_8859_1);
    try (RespClient up = env().upstreamClient(); RespClient direct = env().directClient();
        Differential d = env().differential(); RespClient proxy = env().proxyClient()) {
      for (RespClient c : List.of(up, direct)) { // written before the rule, straight to Redis
        c.call("SET", "media:377", "legacy");
        c.call("LPUSH", "media:378", "a list");
      }
      awaitTransactions(up, proxy);
      d.exact("SET", "media:300", "plain");
      d.exact("SET", "media:301", "with a ttl", "EX", "1000"); // 0xFE: a short expiry
      d.exact("SET", "media:302", "-12345", "EX", "1000"); // 0xFD: an integer and a short expiry
      d.exactLatin1("SET", "media:303", envelopeLike); // 0xFF 0: a value that starts like an envelope
      d.exact("SET", "media:304", "far", "PXAT", "4102444800000"); // 0xFF 1: 2100-01-01, past the short form
      d.exact("SET", "media:305", "o".repeat(200)); // the overflow key
      d.exact("SET", "media:306", "o".repeat(200), "EX", "1000");
      d.exact("SET", "media:307", "gone", "PX", "1"); // expired by the time it is read
      d.exact("SET", "media:308", "");
      d.exactLatin1("SET", "media:309", envelopeLike, "EX", "1000");
      // media:307 expires 1 ms after it was written: wait on Redis's own clock (both servers run on this host)
      long written = redisMillis(up);
      while (redisMillis(up) <= written + 1) {
        Thread.onSpinWait();
      }
      long execs = calls(ascii(up.call("INFO", "commandstats")), "exec");
      List<String[]> gets = new ArrayList<>();
      for (int round = 0; round < 2; round++) {
        for (int i = 300; i < 312; i++) {
          gets.add(new String[] {"GET", "media:" + i});
        }
        gets.add(new String[] {"GET", "media:377"});
        gets.add(new String[] {"GET", "media:378"}); // WRONGTYPE, as Redis answers it
        gets.add(new String[] {"GET", "media:399"}); // missing
      }
      // in pipelines of 8 GETs and a PING (about 250 bytes, one read of the proxy's): the runs do not end
      // the read, so they go as transactions (a run that ends a read is read through, below)
      for (int from = 0; from < gets.size(); from += 8) {
        List<String[]> chunk = new ArrayList<>(gets.subList(from, Math.min(gets.size(), from + 8)));
        chunk.add(new String[] {"PING"});
        d.pipelineLatin1(chunk);
      }
      assertThat(calls(ascii(up.call("INFO", "commandstats")), "exec") - execs)
          .as("the runs of GETs went as transactions").isGreaterThanOrEqualTo(3);
      // the same GETs ending the read: read through (plain HGETs, the script from the first miss on)
      d.pipelineLatin1(gets);
      for (int end : new int[] {2, 3, 4, 5, 6, 10, 12, 13, 14}) { // ending at each form: expiry, envelope,
        d.pipelineLatin1(gets.subList(0, end)); // overflow, escaped with expiry, plain-key, WRONGTYPE
      }
      // GETs and SETs in one run: a script call, as before
      d.pipeline(List.of(new String[] {"GET", "media:301"}, new String[] {"SET", "media:310", "set in between"},
          new String[] {"GET", "media:310"}, new String[] {"GET", "media:302"}));
      List<String[]> after = new ArrayList<>();
      for (int i = 300; i < 312; i++) {
        after.add(new String[] {"TTL", "media:" + i});
        after.add(new String[] {"EXISTS", "media:" + i});
      }
      d.pipeline(after);
    }
  }

  /** Redis's clock ({@code TIME}) in milliseconds. */
  private static long redisMillis(RespClient c) throws IOException {
    List<String> t = RespClient.flatten(c.call("TIME"));
    return Long.parseLong(t.get(0)) * 1000 + Long.parseLong(t.get(1)) / 1000;
  }

  @Test
  void underAMemoryLimit_eachPipelinedSetIsItsOwnScriptCall() throws Exception {
    // a script that has written is no longer refused with -OOM, so with maxmemory set a SET never
    // follows other commands in one call: Redis can refuse each SET on its own, as it would plain SETs
    try (RespClient up = env().upstreamClient(); RespClient proxy = env().proxyClient()) {
      try {
        awaitTransactions(up, proxy); // the proxy's transactions allowed, so that only the limit decides below
        up.call("CONFIG", "SET", "maxmemory", "1gb");
        awaitSetsPerCall(up, proxy, n -> n == 10, "ten pipelined SETs as ten script calls");
        // and GETs as script calls too: over the limit Redis would refuse a transaction's reads
        long execs = calls(ascii(up.call("INFO", "commandstats")), "exec");
        java.io.ByteArrayOutputStream b = new java.io.ByteArrayOutputStream();
        for (int i = 0; i < 10; i++) {
          b.writeBytes(RespClient.encode(new String[] {"GET", "media:" + (500 + i)}));
        }
        proxy.write(b.toByteArray());
        for (int i = 0; i < 10; i++) {
          assertThat(ascii(proxy.readReply())).isEqualTo("$2\r\nm" + i + "\r\n");
        }
        assertThat(calls(ascii(up.call("INFO", "commandstats")), "exec")).as("no transaction of GETs").isEqualTo(execs);
      } finally {
        up.call("CONFIG", "SET", "maxmemory", "0");
        awaitSetsPerCall(up, proxy, n -> n < 10, "pipelined SETs sharing script calls again");
      }
    }
  }

  /** Pipelines ten SETs until the number of EVALSHA calls they cost satisfies {@code ok} (the proxy reads the limit every 5 s). */
  private static void awaitSetsPerCall(RespClient up, RespClient proxy, java.util.function.LongPredicate ok, String what)
      throws Exception {
    long deadline = System.nanoTime() + java.util.concurrent.TimeUnit.SECONDS.toNanos(15);
    while (true) {
      long before = evalshaCalls(ascii(up.call("INFO", "commandstats")));
      java.io.ByteArrayOutputStream b = new java.io.ByteArrayOutputStream();
      for (int i = 0; i < 10; i++) {
        b.writeBytes(RespClient.encode(new String[] {"SET", "media:" + (500 + i), "m" + i}));
      }
      proxy.write(b.toByteArray());
      for (int i = 0; i < 10; i++) {
        assertThat(ascii(proxy.readReply())).isEqualTo("+OK\r\n");
      }
      long calls = evalshaCalls(ascii(up.call("INFO", "commandstats"))) - before;
      if (ok.test(calls)) {
        return;
      }
      assertThat(System.nanoTime()).as("never saw %s (last: %d calls)", what, calls).isLessThan(deadline);
      Thread.sleep(200);
    }
  }

  /**
   * Waits until a lone SET through {@code proxy} goes as a transaction (the proxy checks that Redis allows
   * MULTI once its maintenance connection is up, and sends script calls until then).
   */
  static void awaitTransactions(RespClient up, RespClient proxy) throws Exception {
    awaitTransactions(up, proxy, "media:999");
  }

  /** Waits until a lone SET of {@code key} (a bucketed key, deleted after) goes as MULTI/EXEC. */
  static void awaitTransactions(RespClient up, RespClient proxy, String key) throws Exception {
    long deadline = System.nanoTime() + java.util.concurrent.TimeUnit.SECONDS.toNanos(10);
    while (true) {
      long before = calls(ascii(up.call("INFO", "commandstats")), "exec");
      assertThat(ascii(proxy.call("SET", key, "t"))).isEqualTo("+OK\r\n");
      if (calls(ascii(up.call("INFO", "commandstats")), "exec") > before) {
        proxy.call("DEL", key);
        return;
      }
      assertThat(System.nanoTime()).as("a lone bucketed SET never went as MULTI/EXEC").isLessThan(deadline);
      Thread.sleep(50);
    }
  }

  static long calls(String commandstats, String cmd) {
    String prefix = "cmdstat_" + cmd + ":calls=";
    for (String line : commandstats.split("\r\n")) {
      if (line.startsWith(prefix)) {
        return Long.parseLong(line.substring(prefix.length(), line.indexOf(',')));
      }
    }
    return 0;
  }

  /** Script calls and transactions (a lone SET goes as MULTI ... EXEC on a shared connection). */
  private static long evalshaCalls(String commandstats) {
    long n = 0;
    for (String line : commandstats.split("\r\n")) {
      for (String cmd : new String[] {"evalsha", "exec"}) {
        String prefix = "cmdstat_" + cmd + ":calls=";
        if (line.startsWith(prefix)) {
          n += Long.parseLong(line.substring(prefix.length(), line.indexOf(',')));
        }
      }
    }
    return n;
  }

  @Test
  void overTheMemoryLimit_setIsRefusedAsRedisRefusesIt() throws Exception {
    // a lone SET goes as MULTI/HSET/DEL/PERSIST/EXEC on the shared connection, and as a script call on a
    // connection of its own: either way the client gets Redis's own -OOM, and nothing is written
    try (Differential d = env().differential(); Differential pinned = env().differential();
        RespClient up = env().upstreamClient(); RespClient direct = env().directClient()) {
      d.exact("SET", "media:1", "before");
      awaitTransactions(up, d.proxied());
      pinned.exact("CLIENT", "SETNAME", "pinned");
      try {
        for (RespClient c : List.of(up, direct)) {
          c.call("CONFIG", "SET", "maxmemory-policy", "noeviction");
          c.call("CONFIG", "SET", "maxmemory", "1");
        }
        d.exact("SET", "media:1", "after");
        d.exact("SET", "media:2", "new");
        pinned.exact("SET", "media:1", "after");
        // every command Redis flags denyoom, whichever path it takes through the proxy: refused before it
        // changes anything, with Redis's own words (a script is refused only at its first write)
        d.exact("SET", "media:1", "x".repeat(300)); // an overflow value
        d.exact("SET", "media:1", "after", "EX", "100");
        d.exact("SET", "media:1", "after", "NX");
        d.exact("SETEX", "media:1", "100", "after");
        d.exact("GETSET", "media:1", "after");
        d.exact("INCR", "media:1");
        d.exact("INCRBYFLOAT", "media:1", "1.5");
        d.exact("APPEND", "media:1", "more");
        d.exact("SETRANGE", "media:1", "1", "x");
        d.exact("MSET", "media:1", "a", "media:3", "b");
        d.exact("COPY", "media:1", "media:4");
        pinned.exact("INCR", "media:1");
        // commands that may write but are not denyoom still run, as they do on Redis
        d.exact("GETDEL", "media:1");
        d.exact("GET", "media:1");
        d.exact("EXISTS", "media:2", "media:3", "media:4");
      } finally {
        for (RespClient c : List.of(up, direct)) {
          c.call("CONFIG", "SET", "maxmemory", "0");
        }
      }
      d.exact("SET", "media:2", "new");
      d.exact("GET", "media:2");
    }
  }

  @Test
  void watch_onBucketedKey_abortsLikeRedis() throws IOException {
    try (Differential d = env().differential(); Differential other = env().differential()) {
      d.exact("SET", "media:1", "a");
      d.exact("WATCH", "media:1");
      other.exact("SET", "media:1", "b");
      d.exact("MULTI");
      d.exact("GET", "media:1");
      d.exact("EXEC");
      d.exact("WATCH", "media:1");
      d.exact("MULTI");
      d.exact("GET", "media:1");
      d.exact("EXEC");
    }
  }

  @Test
  void resp3_sameReplies() throws IOException {
    try (Differential d = env().differential()) {
      d.shape("HELLO", "3");
      d.exact("GET", "media:1");
      d.exact("MGET", "media:1", "plain:1");
      d.exact("SET", "media:1", "x", "GET");
      d.exact("SET", "media:1", "y", "GET");
      d.exact("INCRBYFLOAT", "media:2", "2.5");
      d.exact("TTL", "media:1");
      d.exact("TYPE", "media:1");
      d.exact("GETDEL", "media:9");
    }
  }

  @Test
  void contract_refusesWhatABucketCannotKeep() throws IOException {
    try (RespClient proxy = env().proxyClient()) {
      assertThat(ascii(proxy.call("LPUSH", "media:1", "x"))).isEqualTo("-ERR 'LPUSH' can't be used on key "
          + "'media:1': rule 'media' stores it as a string in a bucket (bucket rules hold strings only)\r\n");
      assertThat(ascii(proxy.call("HSET", "user:1:name", "f", "v"))).startsWith("-ERR 'HSET' can't be used on key "
          + "'user:1:name': rule 'uname'");
      assertThat(ascii(proxy.call("EVAL", "return redis.call('GET', KEYS[1])", "1", "media:1")))
          .startsWith("-ERR EVAL can't name key 'media:1': rule 'media'");
      assertThat(ascii(proxy.call("SORT", "plain:list", "BY", "media:*"))).startsWith("-ERR 'SORT' names 'media:*'");
      assertThat(ascii(proxy.call("GET", "__rc:idx"))).startsWith("-ERR key '__rc:idx' is in redis-compactor's "
          + "reserved namespace");
      assertThat(ascii(proxy.call("OBJECT", "ENCODING", "media:1"))).startsWith("-ERR 'OBJECT|ENCODING'");
      assertThat(ascii(proxy.call("PING"))).isEqualTo("+PONG\r\n"); // the connection carries on
      // refused inside MULTI: the transaction fails as when Redis rejects a command while queueing
      assertThat(ascii(proxy.call("MULTI"))).isEqualTo("+OK\r\n");
      assertThat(ascii(proxy.call("SET", "plain:1", "x"))).isEqualTo("+QUEUED\r\n");
      assertThat(ascii(proxy.call("LPUSH", "media:1", "x"))).startsWith("-ERR 'LPUSH'");
      assertThat(ascii(proxy.call("EXEC"))).isEqualTo("-EXECABORT Transaction discarded because of previous errors.\r\n");
      assertThat(ascii(proxy.call("GET", "plain:1"))).isEqualTo("$-1\r\n");
      assertThat(ascii(proxy.call("MULTI"))).isEqualTo("+OK\r\n");
      assertThat(ascii(proxy.call("EXEC"))).isEqualTo("*0\r\n");
    }
  }

  @Test
  void legacyPlainKeys_readableThenMovedOnWrite() throws IOException {
    try (RespClient proxy = env().proxyClient(); RespClient up = env().upstreamClient()) {
      up.call("SET", "media:8", "old", "EX", "1000");
      up.call("RPUSH", "media:9", "a-list");
      assertThat(ascii(proxy.call("GET", "media:8"))).isEqualTo("$3\r\nold\r\n");
      assertThat(ascii(proxy.call("EXISTS", "media:8"))).isEqualTo(":1\r\n");
      assertThat(ascii(proxy.call("TTL", "media:8"))).isIn(":1000\r\n", ":999\r\n");
      assertThat(ascii(proxy.call("GET", "media:9"))).startsWith("-WRONGTYPE");
      assertThat(ascii(proxy.call("APPEND", "media:8", "er"))).isEqualTo(":5\r\n");
      assertThat(ascii(up.call("EXISTS", "media:8"))).isEqualTo(":0\r\n");
      assertThat(ascii(proxy.call("GET", "media:8"))).isEqualTo("$5\r\nolder\r\n");
      assertThat(ascii(proxy.call("TTL", "media:8"))).isIn(":1000\r\n", ":999\r\n");
      // finishing a migration: any string command through the scratch path (GETEX here) moves a plain key
      up.call("SET", "media:10", "legacy", "PX", "900000");
      assertThat(ascii(proxy.call("GETEX", "media:10"))).isEqualTo("$6\r\nlegacy\r\n");
      assertThat(ascii(up.call("EXISTS", "media:10"))).isEqualTo(":0\r\n");
      assertThat(ascii(proxy.call("GET", "media:10"))).isEqualTo("$6\r\nlegacy\r\n");
      assertThat(ascii(proxy.call("TTL", "media:10"))).isIn(":900\r\n", ":899\r\n");
    }
  }

  @Test
  void twoProxies_incrementsAreAtomic() throws Exception {
    io.compactor.ProxyServer second = io.compactor.ProxyServer.start(io.compactor.config.ConfigLoader.load(null,
        java.util.Map.of(), java.util.Map.of("server.listen", "127.0.0.1:0", "upstream.uri", env().upstream().uri(),
            "rules", RULES)));
    try {
      int perClient = 500;
      List<Thread> threads = new ArrayList<>();
      List<Throwable> errors = java.util.Collections.synchronizedList(new ArrayList<>());
      for (int port : new int[] {env().proxyPort(), second.localAddress().getPort(), env().proxyPort(),
          second.localAddress().getPort()}) {
        Thread t = new Thread(() -> {
          try (RespClient c = new RespClient(port)) {
            for (int i = 0; i < perClient; i++) {
              c.call("INCR", "media:" + (i % 3));
              c.call("APPEND", "sess:log", "x");
            }
          } catch (Throwable e) {
            errors.add(e);
          }
        });
        threads.add(t);
        t.start();
      }
      for (Thread t : threads) {
        t.join();
      }
      assertThat(errors).isEmpty();
      try (RespClient proxy = env().proxyClient()) {
        long total = 0;
        for (int i = 0; i < 3; i++) {
          total += Long.parseLong(ascii(proxy.call("GET", "media:" + i)).split("\r\n")[1]);
        }
        assertThat(total).isEqualTo(4L * perClient);
        assertThat(ascii(proxy.call("STRLEN", "sess:log"))).isEqualTo(":" + 4 * perClient + "\r\n");
      }
    } finally {
      second.close();
    }
  }

  @Test
  void scriptFlushThroughTheProxy_nextCommandStillWorks() throws IOException {
    try (RespClient proxy = env().proxyClient(); RespClient pinned = env().proxyClient()) {
      pinned.call("CLIENT", "SETNAME", "pinned"); // a connection of its own
      for (RespClient c : List.of(proxy, pinned)) {
        c.call("SET", "media:1", "a");
        c.send("SCRIPT", "FLUSH");
        c.send("GET", "media:1");
        c.send("INCR", "media:2");
        assertThat(c.readReplies(3).stream().map(BucketContract::ascii).toList())
            .containsExactly("+OK\r\n", "$1\r\na\r\n", c == proxy ? ":1\r\n" : ":2\r\n");
      }
    }
  }

  @Test
  void readThrough_lonelyGetTriesHgetFirst_andStaysInOrder() throws Exception {
    try (RespClient proxy = env().proxyClient(); RespClient up = env().upstreamClient();
        RespClient monitor = env().upstreamClient()) {
      proxy.call("SET", "media:1", "plain");
      proxy.call("SET", "media:2", "ttl", "EX", "1000");
      proxy.call("SET", "media:3", "x".repeat(100)); // overflow key
      up.call("SET", "media:4", "legacy");
      monitor.call("MONITOR");
      assertThat(ascii(proxy.call("GET", "media:1"))).isEqualTo("$5\r\nplain\r\n");
      String seen = ascii(monitor.readReply());
      while (seen.contains("\"SCAN\"") || seen.contains("\"SCRIPT\"") || seen.contains("\"GET\" \"__rc:d:")) {
        seen = ascii(monitor.readReply()); // the proxy's maintenance connection at work meanwhile
      }
      assertThat(seen).contains("\"HGET\"").contains("\"1\"");
      // a field with an expiry, an overflow value, a legacy key, a miss: the script answers after the HGET
      assertThat(ascii(proxy.call("GET", "media:2"))).isEqualTo("$3\r\nttl\r\n");
      assertThat(ascii(proxy.call("GET", "media:3"))).isEqualTo("$100\r\n" + "x".repeat(100) + "\r\n");
      assertThat(ascii(proxy.call("GET", "media:4"))).isEqualTo("$6\r\nlegacy\r\n");
      assertThat(ascii(proxy.call("GET", "media:5"))).isEqualTo("$-1\r\n");
      // the client writes on while a follow-up is outstanding: its next commands wait their turn
      for (int i = 0; i < 50; i++) {
        proxy.send("GET", "media:2");
        proxy.send("SET", "media:2", "v" + i, "EX", "1000");
        proxy.send("GET", "media:2");
        assertThat(proxy.readReplies(3).stream().map(BucketContract::ascii).toList()).containsExactly(
            i == 0 ? "$3\r\nttl\r\n" : "$" + ("v" + (i - 1)).length() + "\r\nv" + (i - 1) + "\r\n", "+OK\r\n",
            "$" + ("v" + i).length() + "\r\nv" + i + "\r\n");
      }
    }
  }

  @Test
  void serverRestart_scriptLoadedAgain() throws Exception {
    try (RespClient proxy = env().proxyClient()) {
      proxy.call("SET", "media:1", "a");
    }
    env().upstream().stop();
    env().upstream().restart();
    long deadline = System.currentTimeMillis() + 10_000;
    String reply = "";
    while (System.currentTimeMillis() < deadline) {
      try (RespClient proxy = env().proxyClient()) {
        reply = ascii(proxy.call("SET", "media:1", "b"));
        if (reply.equals("+OK\r\n")) {
          break;
        }
      } catch (IOException e) {
        reply = e.toString();
      }
      Thread.sleep(100);
    }
    assertThat(reply).isEqualTo("+OK\r\n");
    try (RespClient proxy = env().proxyClient()) {
      assertThat(ascii(proxy.call("GET", "media:1"))).isEqualTo("$1\r\nb\r\n");
    }
  }
}
