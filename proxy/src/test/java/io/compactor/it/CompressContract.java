package io.compactor.it;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;

/**
 * Compression rules against plain Redis as the oracle: the same commands on keys whose values the proxy
 * stores compressed get the replies the plain values get directly, byte for byte, for values below and
 * above every codec's threshold, values that imitate the envelope, and values written around the proxy;
 * and what reaches the server is the compressed form. Concrete classes pick the server.
 */
abstract class CompressContract {
  static final String RULES = "[{name: blob, pattern: 'blob:*', strategy: compress, codec: lz4},"
      + " {name: doc, pattern: 'doc:*', strategy: compress, codec: zstd, level: 3},"
      + " {name: sess, pattern: 'sess:*', strategy: compress, codec: zstd-dict, train-after: 200},"
      + " {name: json, pattern: 'json:*', strategy: compress, codec: msgpack},"
      + " {name: media, pattern: 'media:*', strategy: bucket},"
      + " {name: bz, pattern: 'bz:*', strategy: bucket, codec: zstd, buckets: 8},"
      + " {name: nm, pattern: 'nm:*', strategy: bucket, codec: fsst, train-after: 100},"
      + " {name: js, pattern: 'js:*', strategy: compress, codec: json, train-after: 100}]";

  abstract ProxyEnvironment env();

  static byte[] b(String s) {
    return s.getBytes(StandardCharsets.UTF_8);
  }

  /** About {@code n} bytes of text that compresses well. */
  static String text(int n, int seed) {
    String[] words = {"redis", "proxy", "bucket", "value", "compress", "dictionary", "listpack", "memory", "key"};
    Random r = new Random(seed);
    StringBuilder sb = new StringBuilder();
    while (sb.length() < n) {
      sb.append(words[r.nextInt(words.length)]).append(r.nextInt(10) < 2 ? ". " : " ");
    }
    return sb.substring(0, n);
  }

  /** The body of a bulk-string reply. */
  static byte[] body(byte[] reply) {
    int eol = 0;
    while (reply[eol] != '\n') {
      eol++;
    }
    return Arrays.copyOfRange(reply, eol + 1, reply.length - 2);
  }

  static String json(int i) {
    return "{\"id\":" + i + ",\"user\":\"user" + i + "@example.com\",\"roles\":[\"reader\",\"writer\"],"
        + "\"cart\":[{\"sku\":\"SKU-" + (i * 7 % 1000) + "\",\"qty\":" + (i % 5 + 1) + ",\"price\":19.90}],"
        + "\"locale\":\"en-US\",\"theme\":\"dark\",\"created\":1732147200,\"active\":true,\"note\":null}";
  }

  @Test
  void overTheMemoryLimit_writesRefusedReadsAnswered() throws IOException {
    // reads of a compressed value's bytes run the command on a scratch copy: not refused over maxmemory,
    // as Redis never refuses the read itself; writes are refused before they change anything
    try (Differential d = env().differential(); RespClient up = env().upstreamClient();
        RespClient direct = env().directClient()) {
      for (String k : List.of("doc:oom", "bz:1")) {
        d.exact("SET", k, text(300, 4));
      }
      try {
        for (RespClient c : List.of(up, direct)) {
          c.call("CONFIG", "SET", "maxmemory-policy", "noeviction");
          c.call("CONFIG", "SET", "maxmemory", "1");
        }
        for (String k : List.of("doc:oom", "bz:1")) {
          d.exact("APPEND", k, "more");
          d.exact("SETRANGE", k, "2", "x");
          d.exact("SET", k, text(300, 5));
          d.exact("STRLEN", k);
          d.exact("GETRANGE", k, "0", "9");
          d.exact("BITCOUNT", k);
          d.exact("GET", k);
        }
      } finally {
        for (RespClient c : List.of(up, direct)) {
          c.call("CONFIG", "SET", "maxmemory", "0");
        }
      }
      d.exact("APPEND", "doc:oom", "more");
      d.exact("GET", "doc:oom");
    }
  }

  @Test
  void stringCommands_sameReplies_smallAndLargeValues() throws IOException {
    try (Differential d = env().differential()) {
      for (String k : List.of("blob:1", "doc:1", "sess:1", "json:1", "plain:1")) {
        for (String v : List.of("v", text(40, 1), text(300, 2), text(5000, 3))) {
          d.exact("SET", k, v);
          d.exact("GET", k);
          d.exact("STRLEN", k);
          d.exact("GETRANGE", k, "0", "9");
          d.exact("GETRANGE", k, "-5", "-1");
          d.exact("SUBSTR", k, "3", "100");
          d.exact("GETBIT", k, "13");
          d.exact("BITCOUNT", k);
          d.exact("BITCOUNT", k, "1", "3");
          d.exact("BITPOS", k, "0");
          d.exact("BITFIELD_RO", k, "GET", "u8", "0");
          d.exact("APPEND", k, "!tail");
          d.exact("GET", k);
          d.exact("SET", k, v);
          d.exact("SETRANGE", k, "2", "XY");
          d.exact("GET", k);
          d.exact("SET", k, v);
          d.exact("SETBIT", k, "5", "1");
          d.exact("GET", k);
          d.exact("SET", k, v, "GET");
          d.exact("GETSET", k, v);
          d.exact("SET", k, v, "NX", "GET");
          d.exact("SET", k, v, "XX", "EX", "100", "GET");
          d.exact("TTL", k);
          d.exact("GETEX", k, "PERSIST");
          d.exact("TTL", k);
          d.exact("INCR", k);
          d.exact("BITFIELD", k, "INCRBY", "u8", "8", "3", "GET", "u8", "8");
          d.exact("GETDEL", k);
          d.exact("GETDEL", k);
          d.exact("SETNX", k, v);
          d.exact("SETNX", k, v);
          d.exact("GET", k);
          d.exact("SETEX", k, "100", v);
          d.exact("PSETEX", k, "100000", v);
          d.exact("GET", k);
          d.exact("TYPE", k);
          d.exact("EXISTS", k);
          d.exact("DEL", k);
        }
        d.exact("SET", k, "41");
        d.exact("INCR", k);
        d.exact("INCRBY", k, "9223372036854775000");
        d.exact("INCRBY", k, "1000");
        d.exact("DECRBY", k, "5");
        d.exact("INCRBYFLOAT", k, "1.5");
        d.exact("SET", k, "9007199254740993");
        d.exact("INCR", k);
        d.exact("GET", k);
        d.exact("BITFIELD", k, "GET", "i32", "0");
        d.exact("LPUSH", k, "x");
        d.exact("DEL", k);
      }
    }
  }

  @Test
  void lcs_andMultiKeyCommands_sameReplies() throws IOException {
    try (Differential d = env().differential()) {
      String a = text(3000, 7);
      String b2 = text(2000, 7) + "different ending";
      d.exact("MSET", "doc:a", a, "doc:b", b2, "plain:c", "xyz", "blob:d", text(900, 8), "media:5", "m5");
      d.exact("MGET", "doc:a", "plain:c", "doc:missing", "blob:d", "doc:b", "media:5");
      d.exact("LCS", "doc:a", "doc:b", "LEN");
      d.exact("LCS", "doc:a", "blob:d", "LEN");
      d.exact("MSETNX", "doc:a", "x", "doc:new", "y");
      d.exact("MSETNX", "doc:n1", text(500, 9), "doc:n2", text(600, 9));
      d.exact("MGET", "doc:n1", "doc:n2", "doc:a");
      d.exact("EXISTS", "doc:a", "doc:b", "plain:c", "media:5", "doc:none");
      d.exact("RENAME", "doc:a", "doc:renamed");
      d.exact("GET", "doc:renamed");
      d.exact("COPY", "doc:renamed", "blob:copy");
      d.exact("GET", "blob:copy");
      d.exact("DEL", "doc:renamed", "blob:copy", "plain:c", "media:5");
      d.exact("DBSIZE");
    }
  }

  @Test
  void pipelinesAndTransactions_sameReplies() throws IOException {
    try (Differential d = env().differential()) {
      String big = text(4000, 11);
      List<String[]> pipeline = new ArrayList<>();
      for (int i = 0; i < 200; i++) {
        String k = (i % 2 == 0 ? "doc:" : "blob:") + (i % 17);
        pipeline.add(new String[] {"SET", k, big.substring(i, 1000 + i * 10)});
        pipeline.add(new String[] {"GET", k});
        pipeline.add(new String[] {"APPEND", k, "+" + i});
        pipeline.add(new String[] {"STRLEN", k});
        pipeline.add(new String[] {"MGET", k, "plain:" + i, "doc:0"});
      }
      d.pipeline(pipeline);
      d.exact("MULTI");
      d.exact("SET", "doc:t", big);
      d.exact("GET", "doc:t");
      d.exact("MGET", "doc:t", "doc:0");
      d.exact("SET", "doc:small", "5");
      d.exact("INCR", "doc:small");
      d.exact("APPEND", "doc:small", "0");
      d.exact("GETDEL", "doc:t");
      d.exact("EXEC");
      d.exact("SET", "doc:w", big);
      d.exact("WATCH", "doc:w");
      d.exact("MULTI");
      d.exact("GET", "doc:w");
      d.exact("EXEC");
    }
  }

  @Test
  void anyClientBytes_roundTrip_includingEnvelopeImitations() throws IOException {
    List<byte[]> values = new ArrayList<>();
    values.add(new byte[0]);
    values.add(new byte[] {(byte) 0xFC});
    values.add(new byte[] {(byte) 0xFC, 0x10, 0x01, 'a'}); // a valid RAW envelope's bytes
    values.add(new byte[] {(byte) 0xFC, 0x11, 0x05, 0x50, 'h', 'e', 'l', 'l', 'o'});
    values.add(new byte[] {(byte) 0xFC, (byte) 0xFF, 0, 0, 0});
    Random r = new Random(42);
    for (int n : new int[] {1, 2, 31, 32, 33, 127, 128, 129, 1000, 16384, 70_000}) {
      byte[] v = new byte[n];
      r.nextBytes(v);
      values.add(v);
      byte[] w = b(text(n, n)); // compressible
      w[0] = (byte) 0xFC;
      values.add(w);
    }
    try (Differential d = env().differential()) {
      int i = 0;
      for (byte[] v : values) {
        for (String prefix : List.of("blob:", "doc:", "sess:", "json:")) {
          byte[] k = b(prefix + "bin" + i);
          d.exact(b("SET"), k, v);
          d.exact(b("GET"), k);
          d.exact(b("STRLEN"), k);
          d.exact(b("APPEND"), k, new byte[] {(byte) 0xFC, 1});
          d.exact(b("GET"), k);
          d.exact(b("SETRANGE"), k, b("0"), new byte[] {(byte) 0xFC});
          d.exact(b("GET"), k);
          d.exact(b("SETBIT"), b(prefix + "bits" + i), b("0"), b("1"));
          d.exact(b("SETBIT"), b(prefix + "bits" + i), b("1"), b("1"));
          d.exact(b("SETBIT"), b(prefix + "bits" + i), b("2"), b("1"));
          d.exact(b("SETBIT"), b(prefix + "bits" + i), b("3"), b("1"));
          d.exact(b("SETBIT"), b(prefix + "bits" + i), b("4"), b("1"));
          d.exact(b("SETBIT"), b(prefix + "bits" + i), b("5"), b("1"));
          d.exact(b("SETBIT"), b(prefix + "bits" + i), b("9"), b("1"));
          d.exact(b("GET"), b(prefix + "bits" + i)); // 0xFC 0x40: starts like an envelope
        }
        i++;
      }
    }
  }

  @Test
  void storedForm_isSmaller_andValuesWrittenAroundTheProxyReadAsTheyAre() throws IOException {
    String big = text(4096, 5);
    try (RespClient proxy = env().proxyClient(); RespClient upstream = env().upstreamClient()) {
      for (String k : List.of("blob:s", "doc:s", "json:s")) {
        proxy.call("SET", k, k.startsWith("json") ? json(1) : big);
        byte[] stored = body(upstream.call("GET", k));
        assertThat(stored[0]).as("%s stored with an envelope", k).isEqualTo((byte) 0xFC);
        assertThat(stored.length).as("%s stored smaller", k)
            .isLessThan(k.startsWith("json") ? json(1).length() : big.length() / 2);
      }
      // a value written before the rule (or around the proxy) has no envelope: it reads as it is
      upstream.call("SET", "doc:legacy", big);
      assertThat(body(proxy.call("GET", "doc:legacy"))).isEqualTo(b(big));
      assertThat(new String(proxy.call("STRLEN", "doc:legacy"), StandardCharsets.US_ASCII)).isEqualTo(":4096\r\n");
      // small values are stored as they are
      proxy.call("SET", "doc:tiny", "hello");
      assertThat(body(upstream.call("GET", "doc:tiny"))).isEqualTo(b("hello"));
    }
  }

  @Test
  void corruptOrForgedEnvelope_clearError_connectionLives() throws IOException {
    try (RespClient proxy = env().proxyClient(); RespClient upstream = env().upstreamClient()) {
      upstream.call(b("SET"), b("doc:bad1"), new byte[] {(byte) 0xFC, 0x19, 0x05, 1, 2}); // unknown codec
      upstream.call(b("SET"), b("doc:bad2"), new byte[] {(byte) 0xFC, 0x12, (byte) 0xFF, (byte) 0xFF, (byte) 0xFF,
          (byte) 0xFF, 0x07, 1, 2, 3}); // declares 2 GB
      upstream.call(b("SET"), b("doc:bad3"), new byte[] {(byte) 0xFC, 0x13, 0x63, 0x10, 1, 2, 3}); // dictionary 99
      upstream.call(b("SET"), b("doc:bad4"), new byte[] {(byte) 0xFC, 0x11, 0x20, 9, 9, 9}); // lz4 garbage
      for (String k : List.of("doc:bad1", "doc:bad2", "doc:bad3", "doc:bad4")) {
        String reply = new String(proxy.call("GET", k), StandardCharsets.UTF_8);
        assertThat(reply).as(k).startsWith("-ERR redis-compactor: the value of key '" + k + "' (rule 'doc') can't be decoded: ");
        String append = new String(proxy.call("APPEND", k, "x"), StandardCharsets.UTF_8);
        assertThat(append).as(k).startsWith("-ERR redis-compactor: the value of key '" + k);
        assertThat(proxy.callString("PING")).isEqualTo("+PONG\r\n");
      }
      String mget = new String(proxy.call("MGET", "doc:bad1", "plain:x"), StandardCharsets.UTF_8);
      assertThat(mget).startsWith("*2\r\n-ERR redis-compactor: the value of key 'doc:bad1'").endsWith("$-1\r\n");
    }
  }

  @Test
  void refusals_nameTheRule() throws IOException {
    try (RespClient proxy = env().proxyClient()) {
      assertThat(proxy.callString("EVAL", "return redis.call('GET', KEYS[1])", "1", "doc:1"))
          .startsWith("-ERR EVAL can't name key 'doc:1': rule 'doc' stores its value compressed");
      assertThat(proxy.callString("RENAME", "doc:1", "plain:1"))
          .startsWith("-ERR RENAME can't move a value between a key of compression rule 'doc'");
      assertThat(proxy.callString("BITOP", "AND", "plain:d", "doc:1"))
          .startsWith("-ERR BITOP can't be used on key 'doc:1': rule 'doc'");
      assertThat(proxy.callString("BITFIELD", "doc:1", "GET", "i64", "0"))
          .startsWith("-ERR BITFIELD with integer types wider than 53 bits");
      proxy.call("SET", "doc:m", text(3000, 1));
      proxy.call("MULTI");
      proxy.call("APPEND", "doc:m", "x");
      proxy.call("GET", "doc:m");
      String exec = new String(proxy.call("EXEC"), StandardCharsets.UTF_8);
      assertThat(exec).startsWith("*2\r\n-ERR APPEND on key 'doc:m' needs its compressed value expanded first "
          + "(rule 'doc'), which can't be done inside MULTI");
      assertThat(RespClient.flatten(exec.getBytes(StandardCharsets.UTF_8))).containsExactly(text(3000, 1));
    }
  }

  @Test
  void dictionary_trainedFromWrites_sharedWithAnotherProxy() throws Exception {
    List<String> early = new ArrayList<>();
    try (RespClient proxy = env().proxyClient(); RespClient upstream = env().upstreamClient()) {
      for (int i = 0; i < 300; i++) {
        early.add(json(i));
        proxy.call("SET", "sess:" + i, json(i));
      }
      env().awaitUpstream(s -> s.startsWith("$") && !s.startsWith("$-1"), "a dictionary for rule sess", "GET", "__rc:d:rule:sess");
      String current = new String(body(upstream.call("GET", "__rc:d:rule:sess")), StandardCharsets.US_ASCII);
      assertThat(current).matches("[0-9]+ zstd-dict");
      int id = Integer.parseInt(current.split(" ")[0]);
      long before = 0;
      long after = 0;
      for (int i = 0; i < 300; i++) {
        byte[] r = upstream.call("GET", "sess:" + i);
        assertThat(r[0]).as("sess:%d stored: %s", i, RespClient.show(r)).isEqualTo((byte) '$');
        before += body(r).length;
        proxy.call("SET", "sess:new" + i, json(i));
        byte[] stored = body(upstream.call("GET", "sess:new" + i));
        after += stored.length;
        assertThat(stored[1]).as("codec byte").isEqualTo((byte) 0x13);
        assertThat(stored[2]).as("dictionary id").isEqualTo((byte) id);
      }
      assertThat(after).as("bytes stored with the dictionary vs zstd alone").isLessThan(before * 7 / 10);
      // the logical keyspace does not show the dictionaries
      assertThat(new String(proxy.call("DBSIZE"), StandardCharsets.US_ASCII)).isEqualTo(":600\r\n");
      assertThat(RespClient.flatten(proxy.call("KEYS", "__rc*"))).isEmpty();
      assertThat(proxy.callString("GET", "__rc:d:rule:sess")).startsWith("-ERR key '__rc:d:rule:sess' is in");
    }
    // a proxy that never saw the dictionary reads every value (it loads the dictionary from Redis)
    env().proxy().close();
    env().startProxy();
    try (RespClient proxy = env().proxyClient()) {
      for (int i = 0; i < 300; i += 7) {
        assertThat(body(proxy.call("GET", "sess:new" + i))).isEqualTo(b(json(i)));
        assertThat(body(proxy.call("GET", "sess:" + i))).isEqualTo(b(early.get(i)));
      }
    }
  }

  @Test
  void msgpack_packsExactJson_andLeavesOtherJsonToTheCompressor() throws IOException {
    ByteArrayOutputStream spaced = new ByteArrayOutputStream();
    spaced.writeBytes(b("{ \"a\": 1.50, \"b\": \"\\u00e9\" }"));
    try (Differential d = env().differential()) {
      for (String v : List.of(json(5), "{\"price\":1.50,\"big\":123456789012345678901234567890,\"e\":1e3,\"u\":\"é\"}",
          spaced.toString(StandardCharsets.UTF_8), "[1,2,3]", "not json at all, but long enough to compress well")) {
        d.exact("SET", "json:x", v);
        d.exact("GET", "json:x");
        d.exact("STRLEN", "json:x");
      }
    }
  }

  /**
   * Sends {@code args} to both; the replies must hold the same strings in any order (a hash of long values
   * is a hashtable, whose order depends on each server's random hash seed). Returns the proxy's reply.
   */
  static byte[] unordered(Differential d, String... args) throws IOException {
    byte[] proxied = d.shape(args);
    List<String> a = new ArrayList<>(RespClient.flatten(d.lastDirect()));
    List<String> b = new ArrayList<>(RespClient.flatten(proxied));
    java.util.Collections.sort(a);
    java.util.Collections.sort(b);
    assertThat(b).as("strings in the reply to %s", String.join(" ", args)).isEqualTo(a);
    return proxied;
  }

  @Test
  void hashesAndLists_sameReplies_inBothProtocols() throws IOException {
    for (String hello : List.of("2", "3")) {
      try (Differential d = env().differential()) {
        d.shape("HELLO", hello); // carries the connection id
        for (String k : List.of("doc:h", "plain:h")) {
          String big = text(2000, 3);
          d.exact("HSET", k, "a", big, "b", "small", "c", text(500, 4), "n", "12345678901234567890123456789012345");
          d.exact("HSETNX", k, "d", text(700, 5));
          d.exact("HSETNX", k, "d", "x");
          d.exact("HMSET", k, "e", text(300, 6), "f", "");
          d.exact("HGET", k, "a");
          d.exact("HGET", k, "missing");
          d.exact("HMGET", k, "a", "b", "missing", "c");
          unordered(d, "HGETALL", k);
          unordered(d, "HVALS", k);
          unordered(d, "HKEYS", k);
          d.exact("HLEN", k);
          d.exact("HSTRLEN", k, "a");
          d.exact("HSTRLEN", k, "b");
          d.exact("HSTRLEN", k, "missing");
          d.exact("HINCRBY", k, "n", "1");
          d.exact("HINCRBYFLOAT", k, "n", "0.5");
          d.exact("HEXISTS", k, "a");
          d.exact("HDEL", k, "c");
          unordered(d, "HSCAN", k, "0", "COUNT", "100");
          // a negative count repeats fields in a random order: compare the shape, then what the proxy said
          List<String> members = RespClient.flatten(unordered(d, "HGETALL", k));
          assertThat(RespClient.flatten(d.shape("HRANDFIELD", k, "-20", "WITHVALUES"))).hasSize(40)
              .allMatch(members::contains);
          d.exact("DEL", k);
          d.exact("HSET", k, "only", big);
          d.exact("HRANDFIELD", k, "1", "WITHVALUES");
          d.exact("HRANDFIELD", k);
          d.exact("HSTRLEN", "plain:str", "f");
        }
        for (String k : List.of("doc:l", "plain:l")) {
          String big = text(3000, 8);
          d.exact("RPUSH", k, big, "small", text(100, 9), big);
          d.exact("LPUSH", k, text(40, 10));
          d.exact("LPUSHX", k, text(41, 10));
          d.exact("RPUSHX", k, text(42, 10));
          d.exact("LRANGE", k, "0", "-1");
          d.exact("LINDEX", k, "1");
          d.exact("LINDEX", k, "99");
          d.exact("LLEN", k);
          d.exact("LSET", k, "2", text(800, 11));
          d.exact("LPOS", k, "small");
          d.exact("LREM", k, "0", "small");
          d.exact("LINSERT", k, "BEFORE", "x", text(600, 12));
          d.exact("LPOP", k);
          d.exact("RPOP", k, "2");
          d.exact("LMPOP", "1", k, "LEFT", "COUNT", "2");
          d.exact("RPUSH", k, big, big);
          d.exact("BLPOP", k, "1");
          d.exact("BRPOP", k, "1");
          d.exact("LMPOP", "1", k, "RIGHT");
          d.exact("RPUSH", k, big, text(90, 1));
          d.exact("LMOVE", k, k, "LEFT", "RIGHT");
          d.exact("RPOPLPUSH", k, k);
          d.exact("LRANGE", k, "0", "-1");
          d.exact("DEL", k);
        }
      }
    }
    try (RespClient proxy = env().proxyClient(); RespClient upstream = env().upstreamClient()) {
      proxy.call("RPUSH", "doc:l2", text(3000, 1));
      assertThat(body(upstream.call("LINDEX", "doc:l2", "0"))[0]).as("stored compressed").isEqualTo((byte) 0xFC);
      proxy.call("HSET", "doc:h2", "f", text(3000, 1));
      assertThat(body(upstream.call("HGET", "doc:h2", "f"))[0]).as("stored compressed").isEqualTo((byte) 0xFC);
      assertThat(proxy.callString("LPOS", "doc:l2", text(100, 1)))
          .startsWith("-ERR LPOS can't compare an element of 100 bytes on key 'doc:l2': rule 'doc'");
      assertThat(proxy.callString("SORT", "doc:l2")).startsWith("-ERR SORT can't be used on key 'doc:l2'");
      assertThat(proxy.callString("LMOVE", "doc:l2", "plain:l", "LEFT", "LEFT"))
          .startsWith("-ERR LMOVE can't move an element between a key of compression rule 'doc'");
      assertThat(proxy.callString("BLPOP", "doc:l2", "plain:l", "1"))
          .startsWith("-ERR BLPOP can't name keys of compression rule 'doc' together with keys");
    }
  }

  /** A person's name or e-mail address, as an application keeps under {@code user:{id}:name}. */
  static String person(int i) {
    String[] first = {"Ada", "Grace", "Alan", "Barbara", "Donald", "Margaret", "Leslie", "Radia", "Shafi", "Frances"};
    String[] last = {"Lovelace", "Hopper", "Turing", "Liskov", "Knuth", "Hamilton", "Lamport", "Perlman", "Allen"};
    String f = first[i % first.length];
    String l = last[(i / first.length) % last.length];
    return i % 2 == 0 ? f + " " + l : f.toLowerCase() + "." + l.toLowerCase() + (i % 97) + "@example.com";
  }

  /**
   * A session-like compact JSON document with every kind of value the json codec has a form for (times,
   * an address, a UUID, a token, decimals) and some it keeps as text.
   */
  static String session(int i) {
    Random r = new Random(i);
    byte[] token = new byte[18];
    r.nextBytes(token);
    String[] names = {"Ada Lovelace", "Grace Hopper", "Alan Turing", "Barbara Liskov", "Donald Knuth"};
    StringBuilder sb = new StringBuilder("{\"userId\":").append(1_000_000 + r.nextInt(9_000_000))
        .append(",\"name\":\"").append(names[r.nextInt(names.length)]).append('"')
        .append(",\"email\":\"user").append(r.nextInt(100_000)).append("@example.com\"")
        .append(",\"roles\":[\"user\"").append(r.nextBoolean() ? ",\"admin\"]" : "]")
        .append(",\"createdAt\":\"2026-11-").append(10 + r.nextInt(18)).append("T0").append(r.nextInt(10))
        .append(":1").append(r.nextInt(10)).append(":2").append(r.nextInt(10)).append("Z\"")
        .append(",\"seen\":\"2026-12-01T10:00:0").append(r.nextInt(10)).append('.').append(100 + r.nextInt(900)).append("Z\"")
        .append(",\"ip\":\"10.").append(r.nextInt(256)).append('.').append(r.nextInt(256)).append('.').append(r.nextInt(256)).append('"')
        .append(",\"device\":\"").append(new java.util.UUID(r.nextLong(), r.nextLong())).append('"')
        .append(",\"csrf\":\"").append(java.util.Base64.getUrlEncoder().withoutPadding().encodeToString(token))
        .append("\",\"cart\":{\"total\":").append(r.nextInt(50_000)).append('.').append(10 + r.nextInt(90))
        .append(",\"rate\":1.5e-3,\"note\":null,\"gift\":").append(r.nextBoolean()).append("}}");
    return sb.toString();
  }

  @Test
  void jsonCodec_trainedModel_sameReplies_storedAsShapes() throws Exception {
    try (RespClient proxy = env().proxyClient()) {
      for (int i = 0; i < 150; i++) {
        proxy.call("SET", "js:train" + i, session(i));
      }
      env().awaitUpstream(s -> s.contains(" json\r\n"), "a json model for rule js", "GET", "__rc:d:rule:js");
    }
    List<String> values = new ArrayList<>();
    for (int i = 1000; i < 1010; i++) {
      values.add(session(i));
    }
    values.add(json(3)); // a shape the model has not seen: carried inline
    values.add("{ \"spaced\": \"" + text(200, 1) + "\" }"); // not compact: zstd
    values.add(text(300, 2));
    values.add("{\"short\":1}");
    values.add("[]");
    values.add("42");
    try (Differential d = env().differential()) {
      int n = 0;
      for (String v : values) {
        String k = "js:" + n++;
        d.exact("SET", k, v);
        d.exact("GET", k);
        d.exact("STRLEN", k);
        d.exact("GETRANGE", k, "3", "40");
        d.exact("BITCOUNT", k);
        d.exact("APPEND", k, " ");
        d.exact("GET", k);
        d.exact("SET", k, v, "EX", "100", "GET");
        d.exact("TTL", k);
        d.exact("SETRANGE", k, "1", "\"");
        d.exact("GETEX", k, "PERSIST");
        d.exact("SET", k, v);
        d.exact("MGET", k, "js:none", "js:0");
        d.exact("HSET", "js:h", "f" + n, v);
        d.exact("RPUSH", "js:l", v);
      }
      unordered(d, "HGETALL", "js:h"); // the proxy's compressed hash is a listpack, the direct one a hashtable
      List<String> fields = new ArrayList<>(List.of("HMGET", "js:h", "nope"));
      for (int i = 1; i <= n; i++) {
        fields.add("f" + i);
      }
      d.exact(fields.toArray(new String[0]));
      d.exact("LRANGE", "js:l", "0", "-1");
      d.exact("LPOP", "js:l");
      List<String[]> pipeline = new ArrayList<>();
      for (int i = 0; i < 40; i++) {
        pipeline.add(new String[] {"SET", "js:p" + (i % 7), session(2000 + i)});
        pipeline.add(new String[] {"GET", "js:p" + ((i + 3) % 7)});
      }
      d.pipeline(pipeline);
      d.exact("MULTI");
      d.exact("SET", "js:t", session(3000));
      d.exact("GET", "js:t");
      d.exact("GETDEL", "js:0");
      d.exact("EXEC");
    }
    try (RespClient proxy = env().proxyClient(); RespClient upstream = env().upstreamClient()) {
      long logical = 0;
      long stored = 0;
      for (int i = 4000; i < 4050; i++) {
        String v = session(i);
        proxy.call("SET", "js:s" + i, v);
        byte[] s = body(upstream.call("GET", "js:s" + i));
        assertThat(s[1]).as("codec byte of %s", RespClient.show(s)).isEqualTo((byte) 0x17);
        logical += v.length();
        stored += s.length;
      }
      assertThat(stored).as("json-coded bytes vs the documents").isLessThan(logical * 35 / 100);
    }
    // a proxy that never saw the model loads it from Redis and reads every value
    env().proxy().close();
    env().startProxy();
    try (RespClient proxy = env().proxyClient()) {
      for (int i = 4000; i < 4050; i += 7) {
        assertThat(body(proxy.call("GET", "js:s" + i))).isEqualTo(b(session(i)));
      }
    }
  }

  /** Writes 150 names and e-mail addresses through rule nm and waits for its symbol table. */
  private void trainNameTable() throws Exception {
    try (RespClient proxy = env().proxyClient()) {
      for (int i = 0; i < 150; i++) {
        proxy.call("SET", "nm:" + i, person(i));
      }
      env().awaitUpstream(s -> s.contains(" fsst\r\n"), "a symbol table for rule nm", "GET", "__rc:d:rule:nm");
    }
  }

  @Test
  void fsstInBuckets_sameReplies_storedAsSymbolCodes() throws Exception {
    trainNameTable();
    try (Differential d = env().differential()) {
      for (int i = 0; i < 20; i++) {
        String k = "nm:x" + i;
        String v = person(i * 7 + 1);
        d.exact("SET", k, v);
        d.exact("GET", k);
        d.exact("STRLEN", k);
        d.exact("GETRANGE", k, "2", "6");
        d.exact("SUBSTR", k, "-4", "-1");
        d.exact("GETBIT", k, "9");
        d.exact("BITCOUNT", k, "1", "-2");
        d.exact("BITPOS", k, "1", "2");
        d.exact("BITFIELD_RO", k, "GET", "u8", "8");
        d.exact("APPEND", k, " Jr.");
        d.exact("SETRANGE", k, "1", "XY");
        d.exact("SETBIT", k, "3", "1");
        d.exact("GET", k);
        d.exact("SET", k, v, "PX", "100000");
        d.exact("APPEND", k, "!");
        d.exact("TTL", k);
        d.exact("SET", k, person(i), "EX", "100", "GET");
        d.exact("TTL", k);
        d.exact("MGET", k, "nm:none", "nm:x0");
        d.exact("GETEX", k, "PERSIST");
        d.exact("COPY", k, "nm:copy", "REPLACE");
        d.exact("GETDEL", "nm:copy");
        d.exact("SET", k, "12345678901", "GET");
        d.exact("INCR", k);
        d.exact("GETSET", k, v);
        d.exact("EXISTS", k, "nm:x0");
      }
      d.exact("DEL", "nm:x0", "nm:x1", "nm:x2");
      // consecutive plain GETs and SETs in a pipeline go as one script call: values encoded, replies decoded
      List<String[]> run = new ArrayList<>();
      for (int i = 0; i < 12; i++) {
        run.add(new String[] {"SET", "nm:p" + (i % 5), person(i + 3)});
        run.add(new String[] {"GET", "nm:p" + ((i + 2) % 5)});
      }
      run.add(new String[] {"GET", "nm:none"});
      d.pipeline(run);
      d.exact("MGET", "nm:p0", "nm:p1", "nm:p2", "nm:p3", "nm:p4");
      // SETs alone go as one transaction: values encoded by the proxy (one starting like the bucket's field
      // envelope, 0xFF, which the codec leaves as it is and the proxy escapes), sent as their bytes
      List<String[]> sets = new ArrayList<>();
      for (int i = 0; i < 12; i++) {
        String v = i == 7 ? "\u00ff\u00fe starts like an envelope" : latin1OfUtf8(person(i + 11));
        sets.add(new String[] {"SET", "nm:p" + (i % 6), v});
      }
      d.pipelineLatin1(sets);
      d.exact("MGET", "nm:p0", "nm:p1", "nm:p2", "nm:p3", "nm:p4", "nm:p5");
    }
    try (RespClient proxy = env().proxyClient(); RespClient upstream = env().upstreamClient()) {
      String v = "margaret.hamilton42@example.com";
      proxy.call("SET", "nm:stored", v);
      String report = proxy.callString("COMPACTOR", "KEY", "nm:stored");
      java.util.regex.Matcher m = java.util.regex.Pattern.compile("of hash '([^']+)'").matcher(report);
      assertThat(m.find()).as(report).isTrue();
      String bucket = m.group(1);
      assertThat(report).contains("fsst");
      boolean found = false;
      for (String field : RespClient.flatten(upstream.call("HKEYS", bucket))) {
        byte[] stored = body(upstream.call(b("HGET"), b(bucket), b(field)));
        if (stored.length > 1 && stored[0] == (byte) 0xFC && stored[1] == 0x16 && stored[3] == v.length()) {
          assertThat(stored.length).as("symbol codes: %s", RespClient.show(stored)).isLessThan(v.length() * 6 / 10);
          found = true;
        }
      }
      assertThat(found).as("an fsst envelope for %s in %s", v, bucket).isTrue();
      assertThat(body(proxy.call("GET", "nm:stored"))).isEqualTo(b(v));
      // a read on the bytes decodes on the proxy and leaves the value stored compressed
      assertThat(proxy.callString("STRLEN", "nm:stored")).isEqualTo(":" + v.length() + "\r\n");
      assertThat(RespClient.flatten(upstream.call("HVALS", bucket))).as("still compressed")
          .noneMatch(s -> s.equals(v));
      // inside MULTI there is no second round trip: an error in place, the rest of the transaction runs
      proxy.call("MULTI");
      proxy.call("STRLEN", "nm:stored");
      proxy.call("GET", "nm:stored");
      String exec = new String(proxy.call("EXEC"), StandardCharsets.UTF_8);
      assertThat(exec).startsWith("*2\r\n-ERR STRLEN on key 'nm:stored' needs its compressed value expanded first "
          + "(rule 'nm'), which can't be done inside MULTI; run it outside the transaction\r\n$" + v.length()
          + "\r\n" + v + "\r\n");
      // a write stores its result as it is
      assertThat(proxy.callString("APPEND", "nm:stored", "x")).isEqualTo(":" + (v.length() + 1) + "\r\n");
      assertThat(RespClient.flatten(upstream.call("HVALS", bucket))).contains(v + "x");
    }
  }

  /**
   * Seeded random byte-level string commands, alone and pipelined, on keys of a bucket rule with fsst
   * (values stored as symbol codes, decoded by the proxy and written back uncompressed) and on plain keys:
   * every reply as plain Redis gives it.
   */
  @Test
  void fsstInBuckets_randomByteCommands_sameReplies() throws Exception {
    trainNameTable();
    Random r = new Random(0xF55);
    String[] keys = {"nm:r0", "nm:r1", "nm:r2", "nm:r3", "plain:r4"};
    try (Differential d = env().differential()) {
      for (int op = 0; op < 1500; op++) {
        int batch = r.nextInt(4) == 0 ? 2 + r.nextInt(6) : 1;
        List<String[]> cmds = new ArrayList<>();
        for (int j = 0; j < batch; j++) {
          String k = keys[r.nextInt(keys.length)];
          String n = Integer.toString(r.nextInt(40) - 8);
          cmds.add(switch (r.nextInt(16)) {
            case 0, 1, 2 -> new String[] {"SET", k, person(r.nextInt(500))};
            case 3 -> new String[] {"SET", k, person(r.nextInt(500)), "EX", "100", "GET"};
            case 4 -> new String[] {"APPEND", k, r.nextBoolean() ? "x" : person(r.nextInt(50))};
            case 5 -> new String[] {"SETRANGE", k, Integer.toString(r.nextInt(30)), "ab"};
            case 6 -> new String[] {"GETRANGE", k, n, Integer.toString(r.nextInt(40) - 8)};
            case 7 -> new String[] {"STRLEN", k};
            case 8 -> new String[] {"SETBIT", k, Integer.toString(r.nextInt(200)), Integer.toString(r.nextInt(2))};
            case 9 -> new String[] {"GETBIT", k, Integer.toString(r.nextInt(300))};
            case 10 -> new String[] {"BITCOUNT", k, "0", n};
            case 11 -> new String[] {"BITPOS", k, Integer.toString(r.nextInt(2)), n};
            case 12 -> new String[] {"GET", k};
            case 13 -> new String[] {"GETDEL", k};
            case 14 -> new String[] {"BITFIELD", k, "INCRBY", "u8", Integer.toString(8 * r.nextInt(4)), "1"};
            default -> new String[] {"SUBSTR", k, "0", n};
          });
        }
        if (batch == 1) {
          d.exact(cmds.get(0));
        } else {
          d.pipeline(cmds);
        }
      }
      for (String k : keys) {
        d.exact("GET", k);
      }
    }
  }

  /** A string whose ISO-8859-1 bytes are the UTF-8 bytes of {@code s}. */
  private static String latin1OfUtf8(String s) {
    return new String(s.getBytes(java.nio.charset.StandardCharsets.UTF_8), java.nio.charset.StandardCharsets.ISO_8859_1);
  }

  @Test
  void bucketRuleWithCodec_sameReplies_storedCompressedInTheBucket() throws IOException {
    String big = text(3000, 21);
    try (Differential d = env().differential()) {
      for (String k : List.of("bz:1", "bz:abc", "plain:z")) {
        for (String v : List.of("v", text(40, 1), big, "12345678901234567890123456789012345678901234567890")) {
          d.exact("SET", k, v);
          d.exact("GET", k);
          d.exact("SET", k, v, "EX", "100");
          d.exact("GET", k);
          d.exact("TTL", k);
          d.exact("GETEX", k, "PERSIST");
          d.exact("SET", k, v, "XX", "GET");
          d.exact("GETSET", k, v);
          d.exact("MSET", k, v, "bz:other", v, "media:1", "m");
          d.exact("MGET", k, "bz:other", "media:1", "bz:none");
          d.exact("SETEX", k, "100", v);
          d.exact("PSETEX", k, "100000", v);
          d.exact("SETNX", k, v);
          d.exact("INCR", k);
          if (k.startsWith("bz:")) { // moving across storage kinds is refused (below)
            d.exact("COPY", k, "bz:copy", "REPLACE");
            d.exact("GET", "bz:copy");
            d.exact("RENAME", "bz:copy", "bz:renamed");
            d.exact("GET", "bz:renamed");
          }
          d.exact("GETDEL", k);
          d.exact("EXISTS", k, "bz:renamed");
        }
        List<String[]> sets = new ArrayList<>(); // SETs alone: one transaction, values encoded by the proxy
        for (int i = 0; i < 6; i++) {
          sets.add(new String[] {"SET", k + ":" + i % 4, i % 2 == 0 ? text(40, i) : "s" + i});
        }
        d.pipeline(sets);
        d.exact("MGET", k + ":0", k + ":1", k + ":2", k + ":3");
        // byte-level commands on values the rule leaves uncompressed
        d.exact("SET", k, "short");
        d.exact("APPEND", k, "er");
        d.exact("STRLEN", k);
        d.exact("GETRANGE", k, "1", "3");
        d.exact("SETRANGE", k, "0", "\u00fc");
        d.exact("SETBIT", k, "0", "1");
        d.exact("GET", k);
        d.exact("BITCOUNT", k);
        d.exact("DEL", k, "bz:renamed");
      }
    }
    try (RespClient proxy = env().proxyClient(); RespClient upstream = env().upstreamClient()) {
      proxy.call("SET", "bz:7", big);
      List<String> buckets = RespClient.flatten(upstream.call("KEYS", "__rc:*"));
      assertThat(buckets).as("a long compressed value goes to an overflow key").anyMatch(b -> b.startsWith("__rc:o:"));
      proxy.call("SET", "bz:8", text(200, 3));
      assertThat(proxy.callString("STRLEN", "bz:7")).isEqualTo(":" + big.length() + "\r\n");
      assertThat(proxy.callString("APPEND", "bz:7", "x")).isEqualTo(":" + (big.length() + 1) + "\r\n");
      assertThat(proxy.callString("RENAME", "bz:7", "plain:1")).startsWith("-ERR RENAME can't move a value between a "
          + "key whose bucket rule compresses values (rule 'bz')");
      assertThat(body(proxy.call("GET", "bz:7"))).isEqualTo(b(big + "x"));
    }
  }
}
