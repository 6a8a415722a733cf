package io.compactor.metrics;

import static java.nio.charset.StandardCharsets.US_ASCII;
import static org.assertj.core.api.Assertions.assertThat;

import io.compactor.it.RespClient;
import io.compactor.it.ServerKind;
import io.compactor.it.TestServer;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.function.BiFunction;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.EnumSource;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * {@link RedisCost} against a real redis-server 7.0 and valkey-server 8.0, each with the model {@link
 * RedisCost.Server#fromInfo} picks from its {@code INFO server}: for each shape of plain string keys, the growth
 * of {@code used_memory} (less {@code mem_clients_normal}, where query and reply buffers are counted) from an
 * empty, settled server to N keys loaded and settled must be within 1 % of the model, and {@code MEMORY USAGE}
 * must match the model's parts exactly. The model assumes jemalloc's default 16-byte quantum (Debian's
 * packages); a server built with its bundled jemalloc (8-byte quantum) fails here, by design.
 *
 * <p>Databases are emptied with {@code FLUSHALL SYNC}: Valkey 8.0 flushes asynchronously by default
 * ({@code lazyfree-lazy-user-flush yes}), which swaps in new kvstores whose dicts are only allocated with the
 * first key, so the first key would also pay for a dict struct (fixed, per dict, outside the per-key model).
 */
class RedisCostIT {
  /** One server under test and what the tests learn about it. */
  static final class Target {
    final ServerKind kind;
    final TestServer server;
    final RespClient control;
    final boolean sharedIntegers;
    final RedisCost.Server model;
    final List<String> table = new ArrayList<>();

    Target(ServerKind kind) throws Exception {
      this.kind = kind;
      server = TestServer.start(kind, List.of());
      control = new RespClient(server.port(), 60_000);
      Map<String, String> config = new HashMap<>();
      List<String> pairs = RespClient.flatten(control.call("CONFIG", "GET", "maxmemory*"));
      for (int i = 0; i + 1 < pairs.size(); i += 2) {
        config.put(pairs.get(i), pairs.get(i + 1));
      }
      // tryObjectEncoding: shared 0..9999 unless maxmemory is set with an LRU or LFU policy
      sharedIntegers = "0".equals(config.get("maxmemory")) || !config.get("maxmemory-policy").matches(".*-l[rf]u");
      model = RedisCost.Server.fromInfo(RespClient.flatten(control.call("INFO", "server")).get(0));
    }
  }

  private static final Map<ServerKind, Target> TARGETS = new EnumMap<>(ServerKind.class);

  /** A family of keys: how many, and key and value of the i-th from a seeded random. */
  record Shape(String name, int keys, BiFunction<Integer, Random, byte[]> key,
      BiFunction<Integer, Random, byte[]> value) {
    @Override
    public String toString() {
      return name;
    }
  }

  static Stream<Arguments> shapes() {
    return Stream.of(ServerKind.values()).flatMap(k -> shapeList().stream()
        .flatMap(s -> Stream.of(Arguments.of(k, s, false), Arguments.of(k, s, true))));
  }

  static List<Shape> shapeList() {
    BiFunction<Integer, Random, byte[]> media = (i, r) -> ("media:" + i).getBytes(US_ASCII);
    List<Shape> shapes = List.of(
        new Shape("text 4-40 B", 20_000, media, (i, r) -> letters(r, 4 + r.nextInt(37))),
        new Shape("integers", 20_000, media, (i, r) -> Long.toString(switch (i % 3) {
          case 0 -> r.nextInt(10_000);
          case 1 -> 10_000 + (r.nextLong() & Long.MAX_VALUE) % 1_000_000_000_000L;
          default -> -1 - r.nextInt(Integer.MAX_VALUE);
        }).getBytes(US_ASCII)),
        new Shape("embstr 44 B", 20_000, media, (i, r) -> letters(r, 44)),
        new Shape("raw 45 B", 20_000, media, (i, r) -> letters(r, 45)),
        new Shape("raw 300-600 B", 20_000, media, (i, r) -> letters(r, 300 + r.nextInt(301))),
        new Shape("raw 2-8 KB", 5_000, media, (i, r) -> letters(r, 2048 + r.nextInt(6145))),
        new Shape("raw 40 KB", 500, media, (i, r) -> letters(r, 40_960 - 8 + r.nextInt(16))),
        new Shape("keys 24-40 B", 20_000,
            (i, r) -> padded("media:" + i + ":", 24 + r.nextInt(17)), (i, r) -> letters(r, 4 + r.nextInt(37))));
    return shapes;
  }

  private static byte[] letters(Random r, int n) {
    byte[] v = new byte[n];
    for (int i = 0; i < n; i++) {
      v[i] = (byte) ('a' + r.nextInt(26));
    }
    return v;
  }

  private static byte[] padded(String prefix, int length) {
    return (prefix + "k".repeat(Math.max(0, length - prefix.length()))).getBytes(US_ASCII);
  }

  @BeforeAll
  static void startServers() throws Exception {
    for (ServerKind kind : ServerKind.values()) {
      Target t = new Target(kind);
      TARGETS.put(kind, t);
      // first-use allocations (client memory buckets, lazily created structures such as Valkey's kvstore dicts
      // and shared query buffer) must not land in a measurement
      Random r = new Random(0);
      List<byte[][]> warmUp = new ArrayList<>();
      for (Shape s : shapeList()) {
        for (int i = 0; i < 20; i++) {
          warmUp.add(new byte[][] {s.key().apply(i, r), s.value().apply(i, r)});
        }
      }
      load(t, warmUp, false);
      load(t, warmUp, true);
      t.control.call("FLUSHALL", "SYNC");
      settledBytes(t);
    }
  }

  @AfterAll
  static void stopServers() throws IOException {
    for (Target t : TARGETS.values()) {
      org.slf4j.LoggerFactory.getLogger(RedisCostIT.class).info("RedisCost.{} model vs {} used_memory growth (bytes):\n{}",
          t.model, t.kind, String.join("\n", t.table));
      t.control.close();
      t.server.stop();
    }
  }

  @Test
  void fromInfo_detectsEachServer() {
    assertThat(TARGETS.get(ServerKind.REDIS).model).isEqualTo(RedisCost.Server.REDIS_7);
    assertThat(TARGETS.get(ServerKind.VALKEY).model).isEqualTo(RedisCost.Server.VALKEY_8);
  }

  @ParameterizedTest(name = "{0}: {1}, expiry {2}")
  @MethodSource("shapes")
  void bulkLoad_usedMemoryWithinOnePercent(ServerKind kind, Shape shape, boolean expiry) throws Exception {
    Target t = TARGETS.get(kind);
    RespClient control = t.control;
    Random r = new Random(shape.name().hashCode());
    List<byte[][]> pairs = new ArrayList<>(shape.keys());
    for (int i = 0; i < shape.keys(); i++) {
      pairs.add(new byte[][] {shape.key().apply(i, r), shape.value().apply(i, r)});
    }
    control.call("FLUSHALL", "SYNC");
    assertThat(new String(control.call("DBSIZE"), US_ASCII)).isEqualTo(":0\r\n");
    long before = settledBytes(t);
    load(t, pairs, expiry);
    long after = settledBytes(t);

    long model = RedisCost.dictTable(pairs.size()) - RedisCost.dictTable(0);
    if (expiry) {
      model += RedisCost.dictTable(pairs.size()) - RedisCost.dictTable(0);
    }
    for (byte[][] kv : pairs) {
      model += t.model.plainStringKey(kv[0].length, kv[1], expiry, t.sharedIntegers);
    }
    long measured = after - before;
    t.table.add(String.format("  %-14s %-9s %6d keys  model %,12d  measured %,12d  diff %+,8d (%+.3f %%)",
        shape.name(), expiry ? "EX 3600" : "no expiry", pairs.size(), model, measured, measured - model,
        100.0 * (measured - model) / model));
    assertThat(Math.abs(measured - model) / (double) model).as("|measured %d - model %d| / model", measured, model)
        .isLessThanOrEqualTo(0.01);

    // MEMORY USAGE (object.c memoryCommand) = objectComputeSize(value) + on Redis 7.0 sdsZmallocSize(key) +
    // sizeof(dictEntry) (24 bytes, not its 32-byte allocation), on Valkey 8.0 dictEntryMemUsage (the embedded
    // entry's zmalloc_size); both count a shared integer's robj (16) as if the key owned it, and leave out the
    // expire entry and the table slot.
    for (int i = 0; i < pairs.size(); i += pairs.size() / 50) {
      byte[] key = pairs.get(i)[0];
      byte[] value = pairs.get(i)[1];
      long expected = t.model.keyEntry(key.length) - t.model.memoryUsageSlack() + RedisCost.stringValue(value, false);
      assertThat(new String(control.call("MEMORY".getBytes(US_ASCII), "USAGE".getBytes(US_ASCII), key), US_ASCII))
          .as("MEMORY USAGE of a %d-byte key with a %d-byte value", key.length, value.length)
          .isEqualTo(":" + expected + "\r\n");
    }
  }

  @ParameterizedTest(name = "{0}")
  @EnumSource(ServerKind.class)
  void memoryUsage_sharedIntegerCountedAsPrivate(ServerKind kind) throws Exception {
    Target t = TARGETS.get(kind);
    RespClient control = t.control;
    assertThat(t.sharedIntegers).as("default config: maxmemory 0").isTrue();
    control.call("SET", "memory:shared", "42");
    assertThat(new String(control.call("OBJECT", "REFCOUNT", "memory:shared"), US_ASCII))
        .isEqualTo(":2147483647\r\n"); // OBJ_SHARED_REFCOUNT: shared.integers[42] itself
    assertThat(RedisCost.stringValue("42".getBytes(US_ASCII), t.sharedIntegers)).isZero();
    // Redis 7.0: 24 + sds of 13 (16) + 16; Valkey 8.0: the embedded entry, 17 + 3 + 13 + 1 in 48, + 16
    long entry = kind == ServerKind.REDIS ? 24 + RedisCost.sdsAlloc("memory:shared".length()) : 48;
    assertThat(new String(control.call("MEMORY", "USAGE", "memory:shared"), US_ASCII))
        .isEqualTo(":" + (entry + 16) + "\r\n");
    assertThat(t.model.keyEntry("memory:shared".length()) - t.model.memoryUsageSlack()).isEqualTo(entry);
    control.call("DEL", "memory:shared");
  }

  /** SETs every {key, value} over a fresh connection, pipelined in batches of up to 1000 or ~1 MB. */
  private static void load(Target t, List<byte[][]> pairs, boolean expiry) throws IOException {
    byte[] set = "SET".getBytes(US_ASCII);
    byte[] ex = "EX".getBytes(US_ASCII);
    byte[] ttl = "3600".getBytes(US_ASCII);
    try (RespClient loader = new RespClient(t.server.port(), 60_000)) {
      ByteArrayOutputStream batch = new ByteArrayOutputStream();
      int pending = 0;
      for (int i = 0; i < pairs.size(); i++) {
        byte[][] kv = pairs.get(i);
        batch.writeBytes(
            expiry ? RespClient.encode(set, kv[0], kv[1], ex, ttl) : RespClient.encode(set, kv[0], kv[1]));
        pending++;
        if (pending == 1000 || batch.size() > 1 << 20 || i == pairs.size() - 1) {
          loader.write(batch.toByteArray());
          for (byte[] reply : loader.readReplies(pending)) {
            assertThat(new String(reply, US_ASCII)).isEqualTo("+OK\r\n");
          }
          batch.reset();
          pending = 0;
        }
      }
    }
  }

  /**
   * {@code used_memory - mem_clients_normal} once three readings 250 ms apart agree: dict rehashing (serverCron)
   * has finished and the closed loader connection is gone.
   */
  private static long settledBytes(Target t) throws Exception {
    long deadline = System.nanoTime() + 30_000_000_000L;
    long last = -1;
    int same = 0;
    while (System.nanoTime() < deadline) {
      Thread.sleep(250);
      Map<String, String> info = new HashMap<>();
      for (String line : RespClient.flatten(t.control.call("INFO", "memory")).get(0).split("\r\n")) {
        int colon = line.indexOf(':');
        if (colon > 0) {
          info.put(line.substring(0, colon), line.substring(colon + 1));
        }
      }
      long now = Long.parseLong(info.get("used_memory")) - Long.parseLong(info.get("mem_clients_normal"));
      same = now == last ? same + 1 : 0;
      if (same == 2) {
        return now;
      }
      last = now;
    }
    throw new AssertionError("used_memory did not settle within 30 s; last reading " + last);
  }
}
