package io.compactor.loadtest;

import io.compactor.loadtest.dataset.Entry;
import io.lettuce.core.ClientOptions;
import io.lettuce.core.LettuceFutures;
import io.lettuce.core.RedisClient;
import io.lettuce.core.RedisFuture;
import io.lettuce.core.RedisURI;
import io.lettuce.core.SetArgs;
import io.lettuce.core.api.StatefulRedisConnection;
import io.lettuce.core.api.async.RedisAsyncCommands;
import io.lettuce.core.codec.ByteArrayCodec;
import io.lettuce.core.protocol.ProtocolVersion;
import io.lettuce.core.resource.ClientResources;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.function.LongConsumer;

/**
 * Drives one endpoint with {@code clients} connections, each sending pipelines of {@code pipeline}
 * commands and waiting for them (Lettuce, byte-array codec). Latency is the round trip of the pipeline a
 * command was in, recorded once per command. Every reply is checked: an error reply or a value read back
 * that differs from what was written is counted, never ignored.
 */
final class Driver implements AutoCloseable {
  private static final Duration TIMEOUT = Duration.ofSeconds(60);

  private final Endpoint endpoint;
  private final RedisClient client;
  private final List<StatefulRedisConnection<byte[], byte[]>> connections = new ArrayList<>();
  private final ExecutorService workers;
  private final int pipeline;

  Driver(ClientResources resources, Endpoint endpoint, int clients, int pipeline, ProtocolVersion protocol) {
    this.endpoint = endpoint;
    this.pipeline = pipeline;
    this.client = RedisClient.create(resources, RedisURI.create(endpoint.host(), endpoint.clientPort()));
    client.setOptions(ClientOptions.builder().protocolVersion(protocol).autoReconnect(false).build());
    client.setDefaultTimeout(TIMEOUT);
    try {
      for (int i = 0; i < clients; i++) {
        StatefulRedisConnection<byte[], byte[]> c = client.connect(ByteArrayCodec.INSTANCE);
        c.setAutoFlushCommands(false);
        connections.add(c);
      }
    } catch (RuntimeException e) {
      close();
      throw new IllegalStateException(endpoint.mode() + ": cannot connect to " + endpoint.host() + ":"
          + endpoint.clientPort() + " (" + rootMessage(e) + ")", e);
    }
    this.workers = Executors.newFixedThreadPool(clients, r -> {
      Thread t = new Thread(r, endpoint.mode() + "-client");
      t.setDaemon(true);
      return t;
    });
  }

  Endpoint endpoint() {
    return endpoint;
  }

  /** A source of entries shared by the workers; each takes a batch at a time. */
  private static final class Source {
    private final Iterator<Entry> it;
    private long left;

    Source(Iterator<Entry> it, long max) {
      this.it = it;
      this.left = max;
    }

    synchronized List<Entry> next(int n) {
      List<Entry> batch = new ArrayList<>(n);
      while (batch.size() < n && left > 0 && it.hasNext()) {
        batch.add(it.next());
        left--;
      }
      return batch;
    }
  }

  /** Writes up to {@code max} entries. */
  Phase load(Iterator<Entry> entries, long max, LongConsumer progress) {
    Source source = new Source(entries, max);
    return run((async, phase) -> {
      for (List<Entry> batch; !(batch = source.next(pipeline)).isEmpty(); ) {
        List<RedisFuture<?>> futures = new ArrayList<>(batch.size() * 2);
        long start = System.nanoTime();
        for (Entry e : batch) {
          futures.add(e.ttlSeconds() > 0
              ? async.set(e.key(), e.value(), SetArgs.Builder.ex(e.ttlSeconds()))
              : async.set(e.key(), e.value()));
          if (e.incrBy() != 0) {
            futures.add(async.incrby(e.key(), e.incrBy()));
          }
        }
        await(async, futures, start, phase);
        progress.accept(batch.size());
      }
    });
  }

  /** Reads back up to {@code max} entries and compares each with what was written. */
  Phase verify(Iterator<Entry> entries, long max, LongConsumer progress) {
    Source source = new Source(entries, max);
    return run((async, phase) -> {
      for (List<Entry> batch; !(batch = source.next(pipeline)).isEmpty(); ) {
        List<RedisFuture<?>> futures = new ArrayList<>(batch.size());
        long start = System.nanoTime();
        for (Entry e : batch) {
          futures.add(async.get(e.key()));
        }
        await(async, futures, start, phase);
        for (int i = 0; i < batch.size(); i++) {
          byte[] got = (byte[]) futures.get(i).get();
          byte[] want = batch.get(i).expectedValue();
          if (!Arrays.equals(got, want)) {
            phase.mismatches++;
            if (phase.mismatchSamples.size() < 5) {
              phase.mismatchSamples.add(describe(batch.get(i).key(), want, got));
            }
          }
        }
        progress.accept(batch.size());
      }
    });
  }

  /**
   * A mixed workload over existing entries: {@code readFraction} of operations are GETs of random
   * entries, the rest SETs writing the entry's value again. With {@code churnTtlMillis > 0} the writes
   * create new keys that expire after that many milliseconds, and reads target those keys, counting
   * the ones that had expired.
   */
  Phase workload(List<Entry> pool, long operations, double readFraction, long churnTtlMillis, long seed) {
    int n = connections.size();
    return run((async, phase) -> {
      int me = (int) (Thread.currentThread().getId() % 100_000);
      Random random = new Random(seed * 31 + me);
      long mine = operations / n;
      List<byte[]> churnKeys = new ArrayList<>();
      for (long done = 0; done < mine; ) {
        int size = (int) Math.min(pipeline, mine - done);
        List<RedisFuture<?>> futures = new ArrayList<>(size);
        List<Boolean> isRead = new ArrayList<>(size);
        long start = System.nanoTime();
        for (int i = 0; i < size; i++) {
          Entry e = pool.get(random.nextInt(pool.size()));
          boolean read = random.nextDouble() < readFraction;
          if (churnTtlMillis > 0) {
            if (read && !churnKeys.isEmpty()) {
              futures.add(async.get(churnKeys.get(random.nextInt(churnKeys.size()))));
            } else {
              read = false;
              byte[] key = ("churn:" + me + ":" + churnKeys.size()).getBytes(StandardCharsets.US_ASCII);
              churnKeys.add(key);
              futures.add(async.set(key, e.value(), SetArgs.Builder.px(churnTtlMillis)));
            }
          } else if (read) {
            futures.add(async.get(e.key()));
          } else {
            futures.add(async.set(e.key(), e.expectedValue()));
          }
          isRead.add(read);
        }
        await(async, futures, start, phase);
        for (int i = 0; i < size; i++) {
          if (isRead.get(i) && futures.get(i).get() == null) {
            phase.misses++;
          }
        }
        done += size;
      }
    });
  }

  /** Flushes all of the given keys' memory: FLUSHALL on the connection's server. */
  void flushAll() {
    var async = connections.get(0).async();
    RedisFuture<String> f = async.flushall();
    connections.get(0).flushCommands();
    try {
      f.get();
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException(e);
    } catch (ExecutionException e) {
      throw new IllegalStateException(endpoint.mode() + ": FLUSHALL failed: " + rootMessage(e), e);
    }
  }

  private interface Work {
    void run(RedisAsyncCommands<byte[], byte[]> async, Phase phase) throws Exception;
  }

  private Phase run(Work work) {
    long cpu0 = endpoint.proxyCpuNanos();
    long t0 = System.nanoTime();
    List<Future<Phase>> futures = new ArrayList<>();
    for (StatefulRedisConnection<byte[], byte[]> c : connections) {
      futures.add(workers.submit(() -> {
        Phase p = new Phase();
        work.run(c.async(), p);
        return p;
      }));
    }
    Phase total = new Phase();
    for (Future<Phase> f : futures) {
      try {
        total.add(f.get());
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        throw new IllegalStateException(e);
      } catch (ExecutionException e) {
        throw new IllegalStateException(endpoint.mode() + ": " + rootMessage(e), e);
      }
    }
    total.nanos = System.nanoTime() - t0;
    total.cpuNanos = endpoint.proxyCpuNanos() - cpu0;
    return total;
  }

  private void await(RedisAsyncCommands<byte[], byte[]> async, List<RedisFuture<?>> futures, long start, Phase phase)
      throws Exception {
    async.getStatefulConnection().flushCommands();
    if (!LettuceFutures.awaitAll(TIMEOUT, futures.toArray(new RedisFuture[0]))) {
      throw new IllegalStateException("no reply within " + TIMEOUT.toSeconds() + " s");
    }
    long micros = Math.max(1, (System.nanoTime() - start) / 1000);
    phase.latencyMicros.recordValueWithCount(Math.min(micros, phase.latencyMicros.getHighestTrackableValue()),
        futures.size());
    phase.operations += futures.size();
  }

  /**
   * {@link #memory} once it has settled: after a flush Redis gives back buffers on its own schedule
   * (server cron), hundreds of KB that would otherwise count against the keys loaded next. Polls every
   * 200 ms until two readings agree within 1 %, for at most 5 s.
   */
  static Map<String, Long> settledMemory(ClientResources resources, Endpoint endpoint) {
    Map<String, Long> last = memory(resources, endpoint, true);
    for (int i = 0; i < 25; i++) {
      try {
        Thread.sleep(200);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        return last;
      }
      Map<String, Long> now = memory(resources, endpoint, true);
      long a = last.get("used_memory");
      long b = now.get("used_memory");
      last = now;
      if (Math.abs(a - b) <= Math.max(a, b) / 100) {
        break;
      }
    }
    return last;
  }

  /**
   * {@code used_memory} (less {@code mem_clients_normal}) and {@code used_memory_rss} of the endpoint's
   * Redis (behind the proxy for the proxy).
   */
  static Map<String, Long> memory(ClientResources resources, Endpoint endpoint, boolean purgeFirst) {
    RedisClient c = RedisClient.create(resources, RedisURI.create(endpoint.host(), endpoint.memoryPort()));
    try (StatefulRedisConnection<String, String> conn = c.connect()) {
      if (purgeFirst) {
        conn.sync().dispatch(io.lettuce.core.protocol.CommandType.MEMORY,
            new io.lettuce.core.output.StatusOutput<>(io.lettuce.core.codec.StringCodec.UTF8),
            new io.lettuce.core.protocol.CommandArgs<>(io.lettuce.core.codec.StringCodec.UTF8).add("PURGE"));
      }
      String info = conn.sync().info("memory");
      // client buffers are in used_memory but belong to connections, not keys: the proxy's few upstream
      // connections carry every command, and their query buffers shrink on Redis's own schedule
      long clients = info.contains("mem_clients_normal:") ? field(info, "mem_clients_normal") : 0;
      return Map.of("used_memory", field(info, "used_memory") - clients,
          "used_memory_rss", field(info, "used_memory_rss"));
    } finally {
      c.shutdown(Duration.ZERO, Duration.ofSeconds(2));
    }
  }

  /**
   * The proxy's dictionary keys ({@code __rc:d:*}: trained dictionaries, models and their counter) on the
   * server behind {@code endpoint}; empty for a direct endpoint.
   */
  static List<String> dictionaryKeys(ClientResources resources, Endpoint endpoint) {
    RedisClient c = RedisClient.create(resources, RedisURI.create(endpoint.host(), endpoint.memoryPort()));
    try (StatefulRedisConnection<String, String> conn = c.connect()) {
      return conn.sync().keys("__rc:d:*");
    } finally {
      c.shutdown(Duration.ZERO, Duration.ofSeconds(2));
    }
  }

  /**
   * After a FLUSHALL, waits (at most {@code max}) until the proxy has written {@code keys} back: it
   * restores its dictionaries within about a second, and a baseline read before that would count them
   * against the keys loaded next (64 KB for one zstd dictionary: 21 B per key of a 3,000-key dataset).
   */
  static void awaitKeys(ClientResources resources, Endpoint endpoint, List<String> keys, Duration max) {
    if (keys.isEmpty()) {
      return;
    }
    RedisClient c = RedisClient.create(resources, RedisURI.create(endpoint.host(), endpoint.memoryPort()));
    try (StatefulRedisConnection<String, String> conn = c.connect()) {
      long deadline = System.nanoTime() + max.toNanos();
      while (conn.sync().exists(keys.toArray(new String[0])) < keys.size() && System.nanoTime() < deadline) {
        try {
          Thread.sleep(50);
        } catch (InterruptedException e) {
          Thread.currentThread().interrupt();
          return;
        }
      }
    } finally {
      c.shutdown(Duration.ZERO, Duration.ofSeconds(2));
    }
  }

  /** The Redis version of the endpoint's server. */
  static String redisVersion(ClientResources resources, Endpoint endpoint) {
    RedisClient c = RedisClient.create(resources, RedisURI.create(endpoint.host(), endpoint.memoryPort()));
    try (StatefulRedisConnection<String, String> conn = c.connect()) {
      String info = conn.sync().info("server");
      for (String line : info.split("\r\n")) {
        if (line.startsWith("redis_version:")) {
          return line.substring("redis_version:".length());
        }
      }
      return "unknown";
    } finally {
      c.shutdown(Duration.ZERO, Duration.ofSeconds(2));
    }
  }

  private static long field(String info, String name) {
    for (String line : info.split("\r\n")) {
      if (line.startsWith(name + ":")) {
        return Long.parseLong(line.substring(name.length() + 1).trim());
      }
    }
    throw new IllegalStateException("INFO memory has no " + name);
  }

  private static String describe(byte[] key, byte[] want, byte[] got) {
    return new String(key, StandardCharsets.UTF_8) + ": expected " + want.length + " bytes "
        + preview(want) + ", read " + (got == null ? "nil" : got.length + " bytes " + preview(got));
  }

  private static String preview(byte[] b) {
    String s = new String(b, 0, Math.min(b.length, 24), StandardCharsets.UTF_8);
    return "'" + s + (b.length > 24 ? "…'" : "'");
  }

  static String rootMessage(Throwable t) {
    Throwable root = t;
    while (root.getCause() != null && root.getCause() != root) {
      root = root.getCause();
    }
    return root.getClass().getSimpleName() + ": " + root.getMessage();
  }

  @Override
  public void close() {
    for (StatefulRedisConnection<byte[], byte[]> c : connections) {
      c.close();
    }
    if (workers != null) {
      workers.shutdownNow();
    }
    client.shutdown(Duration.ZERO, Duration.ofSeconds(2));
  }
}
