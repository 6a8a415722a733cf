package io.compactor.upstream;

import io.compactor.compaction.KeyRules;
import io.compactor.config.RuleConfig;
import io.compactor.metrics.RedisCost;
import io.compactor.metrics.Savings;
import io.lettuce.core.KeyScanCursor;
import io.lettuce.core.ScanArgs;
import io.lettuce.core.ScanCursor;
import io.lettuce.core.ScriptOutputType;
import io.lettuce.core.api.sync.RedisCommands;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.function.Consumer;

/**
 * Walks the keyspace of the upstream URI's database with SCAN and feeds a {@link Savings.Tally}: every
 * physical key is counted against the rule it belongs to, and the first keys of each rule are looked at
 * closely through the bucket script's read-only {@code survey} operation (MEMORY USAGE, expiry, and the
 * logical keys and values a bucket holds). Runs on the maintenance thread, a few SCAN pages per call of
 * {@link #step}, so it never holds Redis for long. Lettuce types stay in this package.
 */
final class Survey {
  private static final int SCAN_COUNT = 1000;
  private static final int BATCH = 64;

  private final KeyRules keyRules;
  private final List<String> names = new ArrayList<>();
  private final List<String> strategies = new ArrayList<>();
  private final byte[][] argvPrefix;
  private final String sha;
  private final int sample;
  private final Consumer<Savings.Estimate> publish;
  private final long periodNanos;
  private Savings.Tally tally;
  private ScanCursor cursor;
  private long nextStart;
  private final List<CompletableFuture<Savings.Estimate>> waiting = new ArrayList<>();

  /**
   * @param rulesArgv the bucket rules as the script's keyspace operations take them
   * @param periodNanos time between the starts of passes; 0: only on demand
   */
  Survey(List<RuleConfig> rules, List<byte[]> rulesArgv, String sha, int sample, long periodNanos,
      Consumer<Savings.Estimate> publish) {
    this.keyRules = new KeyRules(rules);
    for (RuleConfig r : rules) {
      names.add(r.name());
      strategies.add(r.strategy().name().toLowerCase(Locale.ROOT));
    }
    List<byte[]> a = new ArrayList<>();
    a.add(b("survey"));
    a.add(b("64"));
    a.add(b("0"));
    a.addAll(rulesArgv);
    this.argvPrefix = a.toArray(new byte[0][]);
    this.sha = sha;
    this.sample = sample;
    this.periodNanos = periodNanos;
    this.publish = publish;
    this.nextStart = System.nanoTime() + Math.min(periodNanos, 5_000_000_000L);
  }

  /** Asks for a pass now; the future completes with its estimate. */
  void request(CompletableFuture<Savings.Estimate> done) {
    waiting.add(done);
    nextStart = System.nanoTime();
  }

  /** Does up to {@code budgetNanos} of work (more when a pass was requested). */
  void step(RedisCommands<byte[], byte[]> redis, long budgetNanos) {
    long now = System.nanoTime();
    if (tally == null) {
      if ((periodNanos <= 0 && waiting.isEmpty()) || now - nextStart < 0) {
        return;
      }
      tally = new Savings.Tally(names, strategies, sample, sharedIntegers(redis), server(redis));
      cursor = ScanCursor.INITIAL;
      nextStart = now + (periodNanos > 0 ? periodNanos : Long.MAX_VALUE / 4);
    }
    long deadline = now + (waiting.isEmpty() ? budgetNanos : 2_000_000_000L);
    try {
      do {
        KeyScanCursor<byte[]> page = redis.scan(cursor, ScanArgs.Builder.limit(SCAN_COUNT));
        look(redis, page.getKeys());
        cursor = page;
        if (page.isFinished()) {
          finish(redis);
          return;
        }
      } while (System.nanoTime() - deadline < 0);
    } catch (RuntimeException e) {
      tally = null; // start again on the next period
      throw e;
    }
  }

  private void finish(RedisCommands<byte[], byte[]> redis) {
    long keys = 0;
    long expires = 0;
    String info = redis.info("keyspace");
    int db = dbOf(redis);
    for (String line : info.split("\r?\n")) {
      if (line.startsWith("db" + db + ":")) {
        for (String part : line.substring(line.indexOf(':') + 1).split(",")) {
          String[] kv = part.split("=");
          if (kv[0].equals("keys")) {
            keys = Long.parseLong(kv[1].trim());
          } else if (kv[0].equals("expires")) {
            expires = Long.parseLong(kv[1].trim());
          }
        }
      }
    }
    Savings.Estimate e = tally.finish(keys, expires);
    tally = null;
    publish.accept(e);
    for (CompletableFuture<Savings.Estimate> f : waiting) {
      f.complete(e);
    }
    waiting.clear();
  }

  private int db = -1;

  private int dbOf(RedisCommands<byte[], byte[]> redis) {
    if (db < 0) {
      db = 0;
      for (String line : redis.clientInfo().split(" ")) {
        if (line.startsWith("db=")) {
          db = Integer.parseInt(line.substring(3).trim());
        }
      }
    }
    return db;
  }

  /** Fails the requests waiting for a pass (the connection is gone). */
  void fail(Throwable t) {
    for (CompletableFuture<Savings.Estimate> f : waiting) {
      f.completeExceptionally(t);
    }
    waiting.clear();
    tally = null;
  }

  private void look(RedisCommands<byte[], byte[]> redis, List<byte[]> keys) {
    List<byte[]> picked = new ArrayList<>();
    List<Integer> owners = new ArrayList<>();
    for (byte[] k : keys) {
      int owner;
      if (startsWith(k, "__rc:")) {
        if (startsWith(k, "__rc:d:")) {
          owner = -2; // the proxy's own: always looked at
        } else if (startsWith(k, "__rc:b:") || startsWith(k, "__rc:o:")) {
          owner = names.indexOf(bucketRule(k));
          if (owner < 0 || !tally.count(owner)) {
            continue;
          }
        } else {
          continue; // a scratch key, there for the length of one script call
        }
      } else {
        owner = keyRules.owner(k);
        if (owner < 0 || !tally.count(owner)) {
          continue;
        }
      }
      picked.add(k);
      owners.add(owner);
    }
    for (int from = 0; from < picked.size(); from += BATCH) {
      int to = Math.min(picked.size(), from + BATCH);
      List<Object> replies = redis.evalsha(sha, ScriptOutputType.MULTI,
          picked.subList(from, to).toArray(new byte[0][]), argvPrefix);
      for (int i = from; i < to; i++) {
        record(picked.get(i).length, owners.get(i), (List<?>) replies.get(i - from));
      }
    }
  }

  private void record(int keyLength, int owner, List<?> r) {
    String kind = str(r.get(0));
    if (kind.equals("x")) {
      return;
    }
    long mem = num(r.get(1));
    boolean ttl = num(r.get(2)) == 1;
    switch (kind) {
      case "d" -> tally.overhead(mem);
      case "b" -> {
        int n = (r.size() - 4) / 3;
        int[] lengths = new int[n];
        byte[][] values = new byte[n][];
        boolean[] expires = new boolean[n];
        for (int i = 0; i < n; i++) {
          lengths[i] = (int) num(r.get(4 + 3 * i));
          values[i] = (byte[]) r.get(5 + 3 * i);
          expires[i] = num(r.get(6 + 3 * i)) == 1;
        }
        tally.bucket(owner, mem, ttl, str(r.get(3)), lengths, values, expires);
      }
      case "o" -> tally.string(owner, (int) num(r.get(3)), mem, ttl, num(r.get(4)), (byte[]) r.get(5));
      default -> {
        if (r.size() >= 6 && str(r.get(3)).equals("string")) {
          tally.string(owner, keyLength, mem, ttl, num(r.get(4)), (byte[]) r.get(5));
        } else {
          tally.other(owner, mem, ttl);
        }
      }
    }
  }

  /** The server's key layout, from INFO server (Redis 7.0's when the reply says nothing else, or is refused). */
  private static RedisCost.Server server(RedisCommands<byte[], byte[]> redis) {
    try {
      return RedisCost.Server.fromInfo(redis.info("server"));
    } catch (RuntimeException e) {
      return RedisCost.Server.REDIS_7;
    }
  }

  /** Whether Redis shares the integers 0..9999 between keys (off under maxmemory with an LRU/LFU policy). */
  private static boolean sharedIntegers(RedisCommands<byte[], byte[]> redis) {
    try {
      Map<String, String> c = redis.configGet("maxmemory", "maxmemory-policy");
      String policy = c.getOrDefault("maxmemory-policy", "noeviction");
      return "0".equals(c.getOrDefault("maxmemory", "0")) || !(policy.contains("lru") || policy.contains("lfu"));
    } catch (RuntimeException e) {
      return true; // CONFIG refused: Redis's default
    }
  }

  /** The rule name in a bucket or overflow key: {@code __rc:b:{name:kN}} or {@code __rc:b:{tag}name:kN}. */
  static String bucketRule(byte[] key) {
    String t = new String(key, 7, key.length - 7, StandardCharsets.ISO_8859_1);
    if (!t.startsWith("{")) {
      return null;
    }
    int close = t.indexOf('}');
    if (close < 0) {
      return null;
    }
    String after = t.substring(close + 1);
    String id = after.isEmpty() || after.startsWith(":") ? t.substring(1, close) : after;
    int c = id.indexOf(':');
    return c < 0 ? null : id.substring(0, c);
  }

  private static boolean startsWith(byte[] k, String prefix) {
    if (k.length < prefix.length()) {
      return false;
    }
    for (int i = 0; i < prefix.length(); i++) {
      if (k[i] != prefix.charAt(i)) {
        return false;
      }
    }
    return true;
  }

  private static String str(Object o) {
    return o instanceof byte[] bytes ? new String(bytes, StandardCharsets.ISO_8859_1) : String.valueOf(o);
  }

  private static long num(Object o) {
    return o instanceof Long l ? l : Long.parseLong(str(o));
  }

  private static byte[] b(String s) {
    return s.getBytes(StandardCharsets.US_ASCII);
  }
}
