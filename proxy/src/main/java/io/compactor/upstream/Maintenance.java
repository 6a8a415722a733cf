package io.compactor.upstream;

import io.compactor.config.ProxyConfig;
import io.compactor.config.RedisUri;
import io.lettuce.core.ClientOptions;
import io.lettuce.core.KeyScanCursor;
import io.lettuce.core.RedisClient;
import io.lettuce.core.RedisURI;
import io.lettuce.core.ScanArgs;
import io.lettuce.core.ScanCursor;
import io.lettuce.core.ScriptOutputType;
import io.lettuce.core.SslOptions;
import io.lettuce.core.api.StatefulRedisConnection;
import io.lettuce.core.api.sync.RedisCommands;
import io.lettuce.core.codec.ByteArrayCodec;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Background work on one Lettuce connection of its own, off the proxy's event loops: reads the server's
 * listpack limits, keeps the bucket script loaded (so a {@code SCRIPT FLUSH} sent straight to Redis costs
 * at most one interval of NOSCRIPT errors), and actively reclaims expired bucket fields by walking the
 * keyspace (SCAN MATCH of the bucket namespace) a page at a time. Lettuce types stay in this class.
 */
public final class Maintenance implements AutoCloseable {
  private static final Logger log = LoggerFactory.getLogger(Maintenance.class);

  /** What the proxy needs to know of the server's hash encoding limits. */
  public interface Limits {
    /** Called with {@code hash-max-listpack-value} (64 when the server refuses CONFIG). */
    void maxListpackValue(int bytes);

    /** Called with the server's {@code maxmemory} (0: none; -1: unknown, CONFIG refused). */
    void maxmemory(long bytes);

    /** Called with whether the proxy's user may run MULTI and EXEC (an ACL may deny {@code @transaction}). */
    default void transactions(boolean allowed) {}
  }

  private final RedisClient client;
  private final ScheduledExecutorService executor;
  private final byte[] scriptBody;
  private final String scriptSha;
  private final Limits limits;
  private final int fieldsPerBucketMax;
  /** Keys each maintenance pass walks (SCAN COUNT); the MATCH keeps only buckets. */
  private static final int SCAN_COUNT = 1000;
  private final int reapBatch;
  private volatile StatefulRedisConnection<byte[], byte[]> connection;
  private final RedisURI uri;
  private final long connectTimeoutMillis;
  private java.util.concurrent.CompletableFuture<StatefulRedisConnection<byte[], byte[]>> dictionaryConnection;
  /** The longest a client's event loop waits for a dictionary it has not loaded. */
  static final long DICTIONARY_READ_MILLIS = 250;
  private ScanCursor reapCursor = ScanCursor.INITIAL;
  private boolean limitsKnown;
  /** When the server's listpack limits are read again (a CONFIG SET or a failover may change them). */
  private long nextLimitsRead;
  private int lastValue = -1;
  private int lastEntries = -1;
  /** The last CONFIG GET failure's message (warned once), or null after a success. */
  private String configRefusal;
  private boolean warned;
  private boolean checkedScript;
  private volatile long reaped;
  private io.compactor.compaction.compress.Dictionaries dictionaries;
  private long nextDictionaryCheck;
  private static final long LIMITS_INTERVAL_NANOS = TimeUnit.SECONDS.toNanos(5);
  /** Dictionary checks (and training) happen at most this often. */
  private static final long DICTIONARY_INTERVAL_NANOS = TimeUnit.SECONDS.toNanos(1);

  private Maintenance(ProxyConfig config, byte[] scriptBody, String scriptSha, Limits limits,
      int fieldsPerBucketMax, int reapBatch) {
    this.scriptBody = scriptBody;
    this.scriptSha = scriptSha;
    this.limits = limits;
    this.fieldsPerBucketMax = fieldsPerBucketMax;
    this.reapBatch = reapBatch;
    this.uri = lettuceUri(config.upstream().uri(), config.upstream().connectTimeout());
    this.connectTimeoutMillis = Math.max(1, config.upstream().connectTimeout().toMillis());
    this.client = RedisClient.create(uri);
    ClientOptions.Builder options = ClientOptions.builder().autoReconnect(true);
    if (config.upstream().tlsCaFile() != null) {
      options.sslOptions(SslOptions.builder().trustManager(config.upstream().tlsCaFile().toFile()).build());
    }
    client.setOptions(options.build());
    this.executor = Executors.newSingleThreadScheduledExecutor(r -> {
      Thread t = new Thread(r, "compactor-maintenance");
      t.setDaemon(true);
      return t;
    });
  }

  /**
   * Starts the background work: every {@code interval}, check the script, walk the next part of the
   * keyspace and reclaim the expired fields of the buckets found there, {@code reapBatch} buckets per call.
   *
   * @param fieldsPerBucketMax the largest fields-per-bucket of any rule, checked against the server's
   *     {@code hash-max-listpack-entries}
   */
  public static Maintenance start(ProxyConfig config, byte[] scriptBody, String scriptSha, Limits limits,
      int fieldsPerBucketMax, Duration interval, int reapBatch) {
    Maintenance m = new Maintenance(config, scriptBody, scriptSha, limits, fieldsPerBucketMax, reapBatch);
    long ms = Math.max(10, interval.toMillis());
    m.executor.scheduleWithFixedDelay(m::tick, 0, ms, TimeUnit.MILLISECONDS);
    return m;
  }

  /** Expired fields reclaimed so far. */
  public long reaped() {
    return reaped;
  }

  private void tick() {
    try {
      RedisCommands<byte[], byte[]> redis = commands();
      if (!limitsKnown || System.nanoTime() - nextLimitsRead >= 0) {
        readLimits(redis, limitsKnown);
        limitsKnown = true;
        nextLimitsRead = System.nanoTime() + LIMITS_INTERVAL_NANOS;
      }
      if (!redis.scriptExists(scriptSha).get(0)) {
        if (checkedScript) {
          log.warn("the bucket script was missing from the server (SCRIPT FLUSH or a new server): loading it");
        }
        redis.scriptLoad(scriptBody);
      }
      checkedScript = true;
      if (dictionaries != null && System.nanoTime() - nextDictionaryCheck >= 0) {
        checkDictionaries();
      }
      reap(redis);
      if (survey != null) {
        try {
          survey.step(redis, SURVEY_BUDGET_NANOS);
        } catch (RuntimeException e) {
          survey.fail(e);
          throw e;
        }
      }
      warned = false;
    } catch (RuntimeException e) {
      if (!warned) {
        warned = true;
        log.warn("maintenance: {} (retrying quietly until it works again)", e.getMessage());
      }
      limitsKnown = false; // a new server may have other limits
    }
  }

  /** Time a periodic survey may take per maintenance tick (an on-demand one runs to its end). */
  private static final long SURVEY_BUDGET_NANOS = TimeUnit.MILLISECONDS.toNanos(20);
  private Survey survey;

  /**
   * From now on, also surveys the keyspace for the saving estimate (see {@link Survey}), every
   * {@code period} (zero: only when asked), sampling {@code sample} keys per rule; each completed pass
   * goes to {@code publish}, on the maintenance thread.
   */
  public void survey(java.util.List<io.compactor.config.RuleConfig> rules, java.util.List<byte[]> rulesArgv, int sample,
      Duration period, java.util.function.Consumer<io.compactor.metrics.Savings.Estimate> publish) {
    Survey s = new Survey(rules, rulesArgv, scriptSha, sample, period.toNanos(), publish);
    executor.execute(() -> survey = s);
  }

  /** Runs a survey pass now (or joins the one under way); completes with its estimate. */
  public java.util.concurrent.CompletableFuture<io.compactor.metrics.Savings.Estimate> surveyNow() {
    java.util.concurrent.CompletableFuture<io.compactor.metrics.Savings.Estimate> f =
        new java.util.concurrent.CompletableFuture<>();
    executor.execute(() -> {
      if (survey == null) {
        f.completeExceptionally(new IllegalStateException("no survey configured (metrics.enabled is false)"));
      } else {
        survey.request(f);
      }
    });
    return f;
  }

  /**
   * From now on, also keeps compression rules' dictionaries (adopting and training them) on this
   * connection, about once a second.
   */
  public void manage(io.compactor.compaction.compress.Dictionaries dictionaries) {
    executor.execute(() -> this.dictionaries = dictionaries);
    dictionaryConnection(); // opened now, so a client's first read of an unknown dictionary finds it up
    dictionaries.onSampled(() -> executor.execute(this::checkDictionaries));
  }

  /** Trains rule {@code ruleName}'s dictionary now, on the maintenance thread; the outcome in words. */
  public java.util.concurrent.CompletableFuture<String> trainDictionary(String ruleName) {
    return java.util.concurrent.CompletableFuture.supplyAsync(() -> {
      if (dictionaries == null) {
        return "no compression rules";
      }
      try {
        return dictionaries.trainNow(store(commands()), ruleName);
      } catch (RuntimeException e) {
        return "training failed: " + e.getMessage();
      }
    }, executor);
  }

  private void checkDictionaries() {
    nextDictionaryCheck = System.nanoTime() + DICTIONARY_INTERVAL_NANOS;
    try {
      dictionaries.tick(store(commands()));
    } catch (RuntimeException e) {
      log.warn("dictionaries: {}", e.getMessage());
    }
  }

  /**
   * Dictionary {@code id} read from Redis now, on the caller's thread, or null when there is none, no
   * connection comes up within the upstream connect timeout (only right after start-up or after the
   * connection was lost), or Redis does not answer within {@link #DICTIONARY_READ_MILLIS}. For the rare
   * read of a value whose dictionary this proxy has not loaded yet (another proxy trained it moments
   * ago, or this proxy just started). The caller is a client's event loop, possibly the only one, so
   * both waits are bounded (a miss is remembered for about a second, see Dictionaries).
   */
  public byte[] dictionary(int id) {
    StatefulRedisConnection<byte[], byte[]> c = await(dictionaryConnection(), connectTimeoutMillis, id, "no connection");
    return c == null ? null : await(c.async().get(io.compactor.compaction.compress.Dictionaries.dictionaryKey(id)),
        DICTIONARY_READ_MILLIS, id, "no answer");
  }

  /** {@code f}'s value within {@code millis}, or null (logged) when it fails or takes longer. */
  private static <T> T await(java.util.concurrent.Future<T> f, long millis, int id, String late) {
    try {
      return f.get(millis, TimeUnit.MILLISECONDS);
    } catch (java.util.concurrent.TimeoutException e) {
      log.warn("dictionary {} could not be read: {} within {} ms", id, late, millis);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    } catch (java.util.concurrent.ExecutionException | RuntimeException e) {
      log.warn("dictionary {} could not be read: {}", id, e.getMessage());
    }
    return null;
  }

  /**
   * The connection event loops read dictionaries on: its own, opened without blocking the caller (a
   * loop waits on the future, bounded), and opened again when it was lost for good or never came up.
   */
  private synchronized java.util.concurrent.CompletableFuture<StatefulRedisConnection<byte[], byte[]>> dictionaryConnection() {
    java.util.concurrent.CompletableFuture<StatefulRedisConnection<byte[], byte[]>> f = dictionaryConnection;
    if (f == null || f.isCompletedExceptionally() || (f.isDone() && !f.join().isOpen())) {
      if (f != null && !f.isCompletedExceptionally()) {
        f.join().close(); // lost: stop its reconnecting, a new one takes its place
      }
      f = client.connectAsync(ByteArrayCodec.INSTANCE, uri).toCompletableFuture();
      dictionaryConnection = f;
    }
    return f;
  }

  private static io.compactor.compaction.compress.Dictionaries.Store store(RedisCommands<byte[], byte[]> redis) {
    return new io.compactor.compaction.compress.Dictionaries.Store() {
      @Override
      public byte[] get(byte[] key) {
        return redis.get(key);
      }

      @Override
      public void set(byte[] key, byte[] value) {
        redis.set(key, value);
      }

      @Override
      public boolean setIfAbsent(byte[] key, byte[] value) {
        return redis.setnx(key, value);
      }

      @Override
      public long incr(byte[] key) {
        return redis.incr(key);
      }
    };
  }

  private synchronized RedisCommands<byte[], byte[]> commands() {
    if (connection == null || !connection.isOpen()) {
      if (connection != null) {
        connection.close();
      }
      connection = client.connect(ByteArrayCodec.INSTANCE);
    }
    return connection.sync();
  }

  /**
   * Whether an empty transaction (MULTI, EXEC) goes through. Only an ACL refuses MULTI: it has
   * {@code allow_busy}, takes no key and is never refused for memory. A refused EXEC ends the
   * transaction in Redis. Without an answer (a timeout) the connection is closed, since Redis may still
   * open the transaction on it, and the tick fails as any other command's timeout makes it fail.
   */
  private boolean transactionsAllowed(RedisCommands<byte[], byte[]> redis) {
    try {
      redis.multi();
    } catch (io.lettuce.core.RedisCommandExecutionException e) {
      return refused("MULTI", e);
    } catch (RuntimeException e) {
      connection.close(); // no answer (a timeout): Redis may still open the transaction; reopened next tick
      throw e;
    }
    try {
      redis.time(); // pipelined GETs go as MULTI; TIME; ...: a TIME the ACL refuses discards the transaction
      redis.exec();
    } catch (io.lettuce.core.RedisCommandExecutionException e) {
      // an EXEC the ACL refuses ends the transaction; one renamed away does not: DISCARD ends it then, and
      // answers "DISCARD without MULTI" otherwise
      try {
        redis.discard();
      } catch (io.lettuce.core.RedisCommandExecutionException ignored) {
        // nothing was open
      } catch (RuntimeException timeout) {
        connection.close();
        throw timeout;
      }
      return refused("MULTI/TIME/EXEC", e);
    } catch (RuntimeException e) {
      connection.close();
      throw e;
    }
    transactionsRefused = false;
    return true;
  }

  private boolean refused(String command, RuntimeException e) {
    if (!transactionsRefused) {
      log.warn("{} refused ({}): bucketed SETs (and pipelined GETs) go as script calls, which cost Redis about twice as much", command,
          e.getMessage());
    }
    transactionsRefused = true;
    return false;
  }

  private boolean transactionsRefused;

  /**
   * Reads the server's listpack limits. When CONFIG GET fails, a periodic re-read ({@code again}) keeps
   * the values it had (a timeout or a loading server says nothing about the limits); a first read, or
   * one after a reconnect (possibly to another server), assumes Redis's defaults. Warns once per cause.
   */
  private void readLimits(RedisCommands<byte[], byte[]> redis, boolean again) {
    int value;
    int entries;
    long maxmemory;
    try {
      Map<String, String> cfg = redis.configGet("hash-max-listpack-value", "hash-max-listpack-entries", "maxmemory");
      value = Integer.parseInt(cfg.getOrDefault("hash-max-listpack-value", "64"));
      entries = Integer.parseInt(cfg.getOrDefault("hash-max-listpack-entries", "128"));
      maxmemory = Long.parseLong(cfg.getOrDefault("maxmemory", "-1"));
      configRefusal = null;
    } catch (RuntimeException e) {
      String cause = String.valueOf(e.getMessage());
      if (again && lastValue >= 0) {
        if (!cause.equals(configRefusal)) {
          log.warn("CONFIG GET failed ({}): keeping hash-max-listpack-value {} and entries {}", cause, lastValue,
              lastEntries);
        }
        configRefusal = cause;
        return;
      }
      if (!cause.equals(configRefusal)) {
        log.warn("CONFIG GET refused ({}): assuming Redis's defaults hash-max-listpack-value 64 and entries 128",
            cause);
      }
      configRefusal = cause;
      value = 64;
      entries = 128;
      maxmemory = -1;
    }
    limits.maxmemory(maxmemory);
    limits.maxListpackValue(value);
    limits.transactions(transactionsAllowed(redis));
    if (value == lastValue && entries == lastEntries) {
      return;
    }
    lastValue = value;
    lastEntries = entries;
    if (fieldsPerBucketMax > entries) {
      log.warn("a bucket rule has fields-per-bucket {} but the server's hash-max-listpack-entries is {}: full "
          + "buckets will become hashtables and lose most of the saving", fieldsPerBucketMax, entries);
    }
    log.info("server limits: hash-max-listpack-value {}, hash-max-listpack-entries {}", value, entries);
  }

  private void reap(RedisCommands<byte[], byte[]> redis) {
    if (reapBatch <= 0) {
      return;
    }
    long now = System.nanoTime();
    if (reapCursor == ScanCursor.INITIAL) {
      if (now - nextPassStart < 0) {
        return;
      }
      passStart = now;
      passBuckets = 0;
      passReclaimed = 0;
    }
    KeyScanCursor<byte[]> page = redis.scan(reapCursor, ScanArgs.Builder.limit(SCAN_COUNT).match("__rc:b:*"));
    List<byte[]> buckets = page.getKeys();
    int perWindow = reapBatch * REAP_CALLS_IN_FLIGHT;
    for (int from = 0; from < buckets.size(); from += perWindow) {
      reapWindow(buckets.subList(from, Math.min(buckets.size(), from + perWindow)));
    }
    passBuckets += buckets.size();
    if (page.isFinished()) {
      reapCursor = ScanCursor.INITIAL;
      nextPassStart = System.nanoTime() + restAfterPass(System.nanoTime() - passStart, passBuckets, passReclaimed);
    } else {
      reapCursor = page;
    }
  }

  /**
   * Reap calls written together and awaited together. Each call ({@code reapBatch} buckets) costs Redis
   * about 40 µs; Redis runs every whole command a read brings before it serves another client, so a
   * window is kept to a few calls (about 160 µs of Redis time) rather than a page's 125: a quarter of the
   * round trips of one call at a time, each a wake-up of this thread and of Lettuce's.
   */
  static final int REAP_CALLS_IN_FLIGHT = 4;

  /**
   * Reclaims the expired fields of {@code buckets}, {@code reapBatch} buckets per script call, the calls
   * written at once and awaited together, counting what each call that succeeded reclaimed; the first
   * failure then fails the tick, as a sync call's would.
   */
  private void reapWindow(List<byte[]> buckets) {
    byte[][] args = {b("reap"), b("64"), b("0")};
    StatefulRedisConnection<byte[], byte[]> c = connection;
    io.lettuce.core.api.async.RedisAsyncCommands<byte[], byte[]> async = c.async();
    List<io.lettuce.core.RedisFuture<Long>> futures = new java.util.ArrayList<>(REAP_CALLS_IN_FLIGHT);
    c.setAutoFlushCommands(false);
    try {
      for (int from = 0; from < buckets.size(); from += reapBatch) {
        List<byte[]> chunk = buckets.subList(from, Math.min(buckets.size(), from + reapBatch));
        futures.add(async.evalsha(scriptSha, ScriptOutputType.INTEGER, chunk.toArray(new byte[0][]), args));
      }
    } finally {
      c.flushCommands(); // also what was queued before a failure: nothing stays in Lettuce's buffer
      c.setAutoFlushCommands(true);
    }
    long deadline = System.nanoTime() + uri.getTimeout().toNanos();
    RuntimeException failure = null;
    for (io.lettuce.core.RedisFuture<Long> f : futures) {
      try {
        long n = await(f, deadline);
        reaped += n;
        passReclaimed += n;
      } catch (RuntimeException e) {
        failure = failure == null ? e : failure;
      }
    }
    if (failure != null) {
      throw failure;
    }
  }

  /** A reap call's result by {@code deadline}; a failure or a timeout fails the tick as a sync call's would. */
  private static long await(io.lettuce.core.RedisFuture<Long> f, long deadline) {
    try {
      Long n = f.get(Math.max(0, deadline - System.nanoTime()), TimeUnit.NANOSECONDS);
      return n == null ? 0 : n;
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new io.lettuce.core.RedisCommandInterruptedException(e);
    } catch (java.util.concurrent.ExecutionException e) {
      throw e.getCause() instanceof RuntimeException r ? r : new io.lettuce.core.RedisException(e.getCause());
    } catch (java.util.concurrent.TimeoutException e) {
      throw new io.lettuce.core.RedisCommandTimeoutException("reap: no reply within the command timeout");
    }
  }

  /**
   * The pause before the next pass over the keyspace. A pass that reclaimed at least one field per 16
   * buckets it visited is followed by the next straight away (expired fields are piling up, as Redis's own
   * active expiry keeps going while a quarter of its samples have expired). Otherwise the reaper rests four
   * times as long as the pass took, at least 1 s and at most 60 s: on a keyspace with few expiring
   * fields it then costs Redis a fifth of what walking it without a pause does (about 10 % of a core on
   * 16,000 buckets, loadtest/README.md), and a field nobody reads is still reclaimed within a few passes'
   * time of its expiry.
   */
  static long restAfterPass(long passNanos, long buckets, long reclaimed) {
    if (reclaimed * 16 >= buckets && reclaimed > 0) {
      return 0;
    }
    return Math.max(TimeUnit.SECONDS.toNanos(1), Math.min(TimeUnit.SECONDS.toNanos(60), 4 * passNanos));
  }

  private long nextPassStart = System.nanoTime();
  private long passStart;
  private long passBuckets;
  private long passReclaimed;

  private static byte[] b(String s) {
    return s.getBytes(StandardCharsets.US_ASCII);
  }

  static RedisURI lettuceUri(RedisUri uri, Duration timeout) {
    RedisURI.Builder b = RedisURI.builder()
        .withHost(uri.address().host())
        .withPort(uri.address().port())
        .withSsl(uri.tls())
        .withDatabase(uri.db())
        .withTimeout(timeout.multipliedBy(5));
    if (uri.password() != null) {
      if (uri.user() != null) {
        b.withAuthentication(uri.user(), uri.password());
      } else {
        b.withPassword(uri.password().toCharArray());
      }
    }
    return b.build();
  }

  @Override
  public void close() {
    executor.shutdownNow();
    try {
      executor.awaitTermination(2, TimeUnit.SECONDS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
    if (connection != null) {
      connection.close();
    }
    synchronized (this) {
      if (dictionaryConnection != null) {
        dictionaryConnection.thenAccept(StatefulRedisConnection::close);
      }
    }
    client.shutdown(Duration.ZERO, Duration.ofSeconds(2));
  }
}
