package io.compactor.it;

import static org.assertj.core.api.Assertions.assertThat;

import io.compactor.compaction.bucket.BucketCompactor;
import io.compactor.compaction.bucket.BucketRule;
import io.compactor.compaction.bucket.Placement;
import io.compactor.config.RuleConfig;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import java.util.TreeMap;
import java.util.function.Supplier;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Seeded random differential test of bucket rules: random string commands, valid and invalid, on a small
 * key space (mostly keys of bucket rules, a few that no rule matches), sent to plain Redis (the oracle)
 * and through the proxy one at a time, in pipelines of random length and inside MULTI/EXEC. Every reply
 * must be byte-identical to Redis's, except the expiry readings below. Runs once in RESP2 (the client on
 * the proxy's shared upstream connections) and once in RESP3 (HELLO 3 pins the client to a connection of
 * its own).
 *
 * <p><b>Rules and keys.</b> {@code media:*} with 10 fields per bucket, so numeric ids split over several
 * buckets ({@code media:0}..{@code media:7} share bucket 0, {@code media:10}/{@code 11}/{@code 19} bucket
 * 1...), plus non-canonical ids ({@code media:007}, {@code media:}, 16 digits, a hash tag) that are hashed;
 * {@code user:*:name}; {@code sess:*} hashed over 4 buckets, so hashed keys share buckets. Before the run
 * a third of the bucketed keys are written directly to both servers as plain strings (some with an
 * expiry): data written before the rules existed, which the proxy finds through legacy reads.
 *
 * <p><b>Commands.</b> SET (NX/XX/GET/EX/PX/EXAT/PXAT/KEEPTTL, in any order, sometimes conflicting or
 * incomplete), GET, GETSET, GETDEL, GETEX, SETNX, SETEX, PSETEX, MSET, MSETNX, MGET, DEL, UNLINK, EXISTS,
 * TOUCH (several keys, duplicates too), INCR, DECR, INCRBY, DECRBY, INCRBYFLOAT, APPEND, STRLEN, GETRANGE,
 * SUBSTR, SETRANGE, TYPE, TTL, PTTL, EXPIRE, PEXPIRE, EXPIREAT, PEXPIREAT (NX/XX/GT/LT), EXPIRETIME,
 * PEXPIRETIME, PERSIST, GETBIT, SETBIT, BITCOUNT, BITPOS, argument-count errors, and RENAME, RENAMENX,
 * COPY and KEYS (compared as sorted sets). Values include the empty string, integers at and beyond the
 * 64-bit limits, floats, binary bytes, values starting with byte 0xFF (escaped by the field format, some
 * looking like an expiry envelope), and values around and above 64 bytes (the listpack limit, beyond
 * which a value lives in an overflow key). Expiries include far-future instants up to 2^53 ms (year
 * 287396): the proxy refuses later ones on bucketed keys, since its scripts' numbers are doubles
 * ({@code BucketContract} checks the refusal), and relative ones that overflow, which Redis refuses too.
 *
 * <p><b>Expiries and tolerance.</b> Relative expiries are at least 1000 s (10^6 ms); absolute ones are
 * either in the past (the key is deleted at once, on both servers alike) or at least 2*10^6 s ahead, so
 * nothing expires while the test runs. The two servers run each command at slightly different moments,
 * so an expiry set relatively differs between them by a few milliseconds. Therefore:
 * <ul>
 *   <li>{@code TTL}: ±2 s (rounding to seconds plus up to ~1 s of drift between the two servers);</li>
 *   <li>{@code PTTL}: ±1500 ms;</li>
 *   <li>{@code EXPIRETIME} / {@code PEXPIRETIME}: exact when Redis's answer is an absolute time the test
 *       itself issued (EXAT, PXAT, EXPIREAT, PEXPIREAT store exactly the given instant on both servers, so
 *       any difference is a bug); otherwise ±2 s / ±1500 ms like TTL / PTTL;</li>
 *   <li>negative answers (-1 no expiry, -2 no key) are always compared exactly.</li>
 * </ul>
 * These apply to top-level replies and to the elements of an EXEC reply alike; everything else is
 * compared byte for byte. Relative expiries are random over a wide range so that GT/LT, which compare a
 * new relative expiry with the current one, never hinge on the milliseconds between the two servers.
 * DBSIZE is compared only at the end, after a SCAN on both servers has deleted expired keys (Redis counts
 * a key set with a past EXAT until it is deleted).
 *
 * <p><b>Checks.</b> Besides every reply: every 1000 ops and at the end, the server behind the proxy must
 * hold no scratch key, each logical key in at most one place (field, overflow key, or the plain key the
 * test wrote before the run), and no bucket that expires before one of its fields. At the end, every key's
 * value, type, length and expiry, KEYS *, DBSIZE and whole SCANs (plain, MATCH, TYPE) are compared, and
 * RANDOMKEY through the proxy must name an existing key.
 *
 * <p><b>Reproducing.</b> The commands depend only on the seed (never on replies): a failure prints the
 * seed, the op index and the last 20 commands, and reruns with {@code -Dbucket.random.seed=S
 * -Dbucket.random.ops=N}. {@code -Dbucket.random.checkEvery=K} compares GET and PTTL of every key every K
 * ops (K=1 finds the op where the states part); {@code -Dbucket.random.trace=true} prints every command
 * with both replies. The default op count (20,000 per protocol) keeps the test well under a minute; run
 * the long version locally with {@code -Dbucket.random.ops=200000}.
 */
class BucketRandomDifferentialIT {
  private static final Logger log = LoggerFactory.getLogger(BucketRandomDifferentialIT.class);
  static final String RULES = "[{name: media, pattern: \"media:*\", strategy: bucket, fields-per-bucket: 10,"
      + " buckets: 8}, {name: uname, pattern: \"user:*:name\", strategy: bucket, fields-per-bucket: 100, buckets: 64},"
      + " {name: sess, pattern: \"sess:*\", strategy: bucket, fields-per-bucket: 16, buckets: 4,"
      + " binary-ids: true}]";

  @RegisterExtension
  static final ProxyEnvironment ENV = ProxyEnvironment.redis().with("rules", RULES);

  static final long DEFAULT_SEED = 0x5EED_B0C4E7L;
  /** {@code -Dbucket.random.trace=true}: print every command with both replies. */
  static final boolean TRACE = Boolean.getBoolean("bucket.random.trace");
  static final int DEFAULT_OPS = 20_000;

  /** The key space: mostly keys of the three rules, a few that no rule matches. */
  static final byte[][] KEYS = keys(
      // media:* numeric ids: buckets 0, 1, 2, 115531, 99999999999999; then hashed (non-canonical) ids
      "media:0", "media:1", "media:2", "media:7", "media:10", "media:11", "media:19", "media:25",
      "media:1155315", "media:999999999999999", "media:1000000000000000", "media:007", "media:abc",
      "media:", "media:{t}5",
      // user:*:name
      "user:1:name", "user:2:name", "user:42:name", "user:alice:name", "user::name",
      // sess:* over 4 buckets; with binary-ids, hex and UUIDs as bytes
      "sess:a", "sess:b", "sess:c", "sess:abc", "sess:xyz", "sess:1", "sess:\u00ff\u0000bin", "sess:ab",
      "sess:00ff", "sess:0123456789abcdef", "sess:550e8400-e29b-41d4-a716-446655440000",
      // no rule
      "plain:1", "plain:2", "plain:3", "user:1:email", "sessx");

  @ParameterizedTest(name = "RESP{0}")
  @ValueSource(ints = {2, 3})
  void randomCommandsAnswerAsPlainRedis(int protocol) throws Exception {
    long seed = Long.getLong("bucket.random.seed", DEFAULT_SEED);
    int ops = Integer.getInteger("bucket.random.ops", DEFAULT_OPS);
    log.info("RESP{} seed={} (0x{}) ops={}", protocol, seed, Long.toHexString(seed), ops);
    long started = System.nanoTime();
    try (RespClient direct = ENV.directClient(); RespClient proxied = ENV.proxyClient();
        RespClient upstream = ENV.upstreamClient()) {
      if (protocol == 3) {
        // the HELLO replies differ (server ids); only the replies after it are compared
        assertThat(direct.call("HELLO", "3")[0]).isEqualTo((byte) '%');
        assertThat(proxied.call("HELLO", "3")[0]).isEqualTo((byte) '%');
      }
      Run run = new Run(seed, protocol, direct, proxied, upstream, serverTime(direct));
      run.seedLegacyKeys();
      run.run(ops);
      run.compareState();
      run.checkUpstream();
      log.info("RESP{} {} ops ({} single, {} pipelines, {} transactions) in {} ms; error replies by command: {}",
          protocol, run.index, run.singles, run.pipelines, run.transactions,
          (System.nanoTime() - started) / 1_000_000, run.errors);
    }
  }

  /** The same rules as {@link #RULES}, to find where the proxy keeps each key. */
  static final BucketCompactor PLACES = new BucketCompactor(List.of(
      new RuleConfig("media", "media:*", RuleConfig.Strategy.BUCKET, 10, 8, true),
      new RuleConfig("uname", "user:*:name", RuleConfig.Strategy.BUCKET, 100, 64, true),
      new RuleConfig("sess", "sess:*", RuleConfig.Strategy.BUCKET, 16, 4, true, null, true)));

  private static long serverTime(RespClient c) throws IOException {
    Node n = Node.parse(c.call("TIME"));
    return Long.parseLong(new String(n.kids.get(0).bulk, StandardCharsets.US_ASCII));
  }

  // ============================================================================ the run

  /** One command sent, for the history and for comparing its reply. */
  private static final class Sent {
    final int index; // op index, -1 for MULTI/EXEC framing
    final String where;
    final byte[][] args;
    final String name;
    final List<String> queued; // for EXEC: the names of the queued commands
    String directReply = "(not read)";

    Sent(int index, String where, byte[][] args, List<String> queued) {
      this.index = index;
      this.where = where;
      this.args = args;
      this.name = new String(args[0], StandardCharsets.US_ASCII).toUpperCase(Locale.ROOT);
      this.queued = queued;
    }

    @Override
    public String toString() {
      return (index >= 0 ? "#" + index : "  ") + " " + where + " " + describe(args) + "  => direct " + directReply;
    }
  }

  private static final class Run {
    final long seed;
    final int protocol;
    final Random rnd;
    final RespClient direct;
    final RespClient proxied;
    /** The server behind the proxy, for the invariants only the stored data shows. */
    final RespClient upstream;
    final long nowSec;
    /** Keys written to both servers before the run, as if before the rules existed. */
    final Set<String> legacy = new HashSet<>();
    /** Absolute expiries the test issued (ms, and s as EXPIRETIME rounds them): compared exactly. */
    final ArrayDeque<Sent> history = new ArrayDeque<>();
    final Set<Long> absMs = new HashSet<>();
    final Set<Long> absSec = new HashSet<>();
    final long[] absPool;
    final Map<String, Integer> errors = new TreeMap<>();
    final List<Gen> gens = new ArrayList<>();
    int totalWeight;
    int index;
    int singles;
    int pipelines;
    int transactions;
    /** The batch being read, for the failure message. */
    List<Sent> unanswered = List.of();

    Run(long seed, int protocol, RespClient direct, RespClient proxied, RespClient upstream, long nowSec) {
      this.seed = seed;
      this.protocol = protocol;
      this.rnd = new Random(seed);
      this.direct = direct;
      this.proxied = proxied;
      this.upstream = upstream;
      this.nowSec = nowSec;
      // a few absolute instants used again and again, so EXPIREAT ... GT/LT meets equal times too
      absPool = new long[6];
      for (int i = 0; i < absPool.length; i++) {
        absPool[i] = nowSec + 2_000_000 + rnd.nextInt(50_000_000);
      }
      generators();
    }

    /**
     * Values written before the rules existed: plain string keys under the rules' patterns, written to
     * both servers directly (legacy reads find them through the proxy until a write moves them).
     */
    void seedLegacyKeys() throws IOException {
      for (byte[] k : KEYS) {
        if (PLACES.ruleFor(k) == null || rnd.nextInt(3) != 0) {
          continue;
        }
        legacy.add(new String(k, StandardCharsets.ISO_8859_1));
        byte[][] set = switch (rnd.nextInt(3)) {
          case 0 -> a("SET", k, value());
          case 1 -> a("SET", k, value(), "EX", Long.toString(1000 + rnd.nextInt(1_000_000)));
          default -> {
            long at = absPool[rnd.nextInt(absPool.length)] * 1000 + rnd.nextInt(1000);
            noteAbsolute(at);
            yield a("SET", k, value(), "PXAT", Long.toString(at));
          }
        };
        assertThat(RespClient.show(direct.call(set))).isEqualTo("+OK\\r\\n");
        assertThat(RespClient.show(upstream.call(set))).isEqualTo("+OK\\r\\n");
        history.addLast(new Sent(-1, "legacy (written to both servers directly)", set, null));
      }
    }

    void run(int ops) throws IOException {
      long started = System.nanoTime();
      int nextReport = 20_000;
      int nextCheck = 1000;
      int checkEvery = Integer.getInteger("bucket.random.checkEvery", 0);
      int nextStateCheck = 0;
      while (index < ops) {
        if (index >= nextReport) {
          log.info("{} ops, {} ms", index, (System.nanoTime() - started) / 1_000_000);
          nextReport += 20_000;
        }
        if (index >= nextCheck) {
          checkUpstream();
          nextCheck += 1000;
        }
        if (checkEvery > 0 && index >= nextStateCheck) {
          List<Sent> batch = new ArrayList<>();
          for (byte[] k : KEYS) {
            batch.add(new Sent(-1, "state-check", new byte[][] {ascii("GET"), k}, null));
            batch.add(new Sent(-1, "state-check", new byte[][] {ascii("PTTL"), k}, null));
          }
          exchange(batch);
          nextStateCheck = index + checkEvery;
        }
        int mode = rnd.nextInt(100);
        if (mode < 60) {
          singles++;
          exchange(List.of(new Sent(index, "single", gen(), null)));
          index++;
        } else if (mode < 85) {
          pipelines++;
          int n = Math.min(ops - index, 2 + rnd.nextInt(rnd.nextInt(5) == 0 ? 60 : 12));
          List<Sent> batch = new ArrayList<>();
          for (int i = 0; i < n; i++) {
            batch.add(new Sent(index, "pipe[" + i + "/" + n + "]", gen(), null));
            index++;
          }
          exchange(batch);
        } else {
          transactions++;
          int n = Math.min(ops - index, 1 + rnd.nextInt(8));
          List<Sent> batch = new ArrayList<>();
          List<String> names = new ArrayList<>();
          batch.add(new Sent(-1, "multi", args("MULTI"), null));
          for (int i = 0; i < n; i++) {
            Sent s = new Sent(index, "multi[" + i + "/" + n + "]", gen(), null);
            batch.add(s);
            names.add(s.name);
            index++;
          }
          batch.add(new Sent(-1, "multi", args("EXEC"), names));
          exchange(batch);
        }
      }
    }

    /** Sends {@code batch} in one write to each side, then reads and compares every reply. */
    void exchange(List<Sent> batch) throws IOException {
      ByteArrayOutputStream b = new ByteArrayOutputStream();
      for (Sent s : batch) {
        b.writeBytes(RespClient.encode(s.args));
      }
      byte[] bytes = b.toByteArray();
      direct.write(bytes);
      proxied.write(bytes);
      unanswered = batch;
      for (Sent s : batch) {
        history.addLast(s);
        if (history.size() > 20) {
          history.removeFirst();
        }
        byte[] d = direct.readReply();
        byte[] p;
        try {
          p = proxied.readReply();
        } catch (IOException e) {
          fail(s, d, ascii("<" + e + ">"), "no reply through the proxy");
          return;
        }
        s.directReply = shortShow(d);
        if (d.length > 0 && d[0] == '-') {
          errors.merge(s.name, 1, Integer::sum);
        }
        if (TRACE) {
          log.info("trace {}   proxied {}", s, shortShow(p));
        }
        String why = compare(s, d, p);
        if (why != null) {
          fail(s, d, p, why);
        }
      }
    }

    /** Null when the replies agree, else why not. */
    String compare(Sent s, byte[] d, byte[] p) {
      if (s.queued != null) {
        Node dn = Node.parse(d);
        Node pn = Node.parse(p);
        if (dn.type == '*' && pn.type == '*' && dn.kids.size() == s.queued.size()
            && pn.kids.size() == s.queued.size()) {
          for (int i = 0; i < s.queued.size(); i++) {
            String why = compareValue(s.queued.get(i), dn.kids.get(i), pn.kids.get(i));
            if (why != null) {
              return "EXEC element " + i + " (" + s.queued.get(i) + "): " + why;
            }
          }
          return null;
        }
      }
      return compareValue(s.name, Node.parse(d), Node.parse(p));
    }

    String compareValue(String name, Node d, Node p) {
      long tolerance = switch (name) {
        case "TTL" -> 2;
        case "PTTL" -> 1500;
        case "EXPIRETIME" -> -2;
        case "PEXPIRETIME" -> -1500;
        default -> 0;
      };
      if (tolerance != 0 && d.type == ':' && p.type == ':') {
        long a = Long.parseLong(d.line);
        long b = Long.parseLong(p.line);
        if (tolerance < 0) {
          boolean absolute = name.equals("EXPIRETIME") ? absSec.contains(a) : absMs.contains(a);
          tolerance = absolute ? 0 : -tolerance;
        }
        if (a < 0 || b < 0) {
          tolerance = 0;
        }
        return Math.abs(a - b) <= tolerance ? null
            : "integer differs by " + (b - a) + " (tolerance " + tolerance + ")";
      }
      if (name.equals("KEYS") && d.type == '*' && p.type == '*') {
        return sortedElements(d).equals(sortedElements(p)) ? null : "KEYS differ (compared sorted)";
      }
      return Arrays.equals(d.raw, p.raw) ? null : "replies differ";
    }

    void fail(Sent s, byte[] d, byte[] p, String why) {
      StringBuilder m = new StringBuilder();
      m.append("bucket differential mismatch: ").append(why).append('\n');
      m.append("  seed ").append(seed).append(", RESP").append(protocol).append(", op #").append(s.index)
          .append(" (").append(s.where)
          .append("); reproduce with -Dbucket.random.seed=").append(seed).append(" -Dbucket.random.ops=")
          .append(s.index < 0 ? index : s.index + 1).append('\n');
      m.append("  command: ").append(describe(s.args)).append('\n');
      m.append("  direct : ").append(RespClient.show(d)).append('\n');
      m.append("  proxied: ").append(RespClient.show(p)).append('\n');
      m.append("  last commands (oldest first; the one that failed last):\n");
      for (Sent h : history) {
        m.append("    ").append(h).append('\n');
      }
      int at = unanswered.indexOf(s);
      if (at >= 0 && at + 1 < unanswered.size()) {
        m.append("  sent after it in the same write:\n");
        for (Sent h : unanswered.subList(at + 1, unanswered.size())) {
          m.append("    ").append(h.toString().replace("  => direct (not read)", "")).append('\n');
        }
      }
      throw new AssertionError(m.toString());
    }

    /**
     * The logical state through both paths: value, type, length and expiry of every key, KEYS *, DBSIZE,
     * whole SCANs; RANDOMKEY through the proxy must name a key that exists.
     */
    void compareState() throws IOException {
      List<Sent> batch = new ArrayList<>();
      for (byte[] k : KEYS) {
        for (String c : List.of("GET", "TYPE", "STRLEN", "PTTL", "PEXPIRETIME", "EXPIRETIME")) {
          batch.add(new Sent(-1, "final-state", new byte[][] {ascii(c), k}, null));
        }
      }
      batch.add(new Sent(-1, "final-state", args("KEYS", "*"), null));
      exchange(batch);
      // DBSIZE counts keys that have expired but are not deleted yet (SET ... EXAT <past> leaves one on
      // Redis, as does a scratch key behind the proxy): a whole SCAN on both servers deletes them first
      scanAll(direct, new String[0]);
      scanAll(upstream, new String[0]);
      exchange(List.of(new Sent(-1, "final-state", args("DBSIZE"), null)));
      // a whole SCAN (cursors differ between the two, the keys seen must not), and RANDOMKEY
      for (String[] extra : List.of(new String[0], new String[] {"MATCH", "media:*"},
          new String[] {"TYPE", "string"})) {
        List<String> d = scanAll(direct, extra);
        List<String> p = scanAll(proxied, extra);
        if (!d.equals(p)) {
          fail(new Sent(-1, "final-state", args("SCAN...", String.join(" ", extra)), null),
              ascii(String.join(", ", d)), ascii(String.join(", ", p)), "SCAN iterations saw different keys");
        }
      }
      List<String> all = scanAll(direct, new String[0]);
      for (int i = 0; i < 5; i++) {
        Node r = Node.parse(proxied.call("RANDOMKEY"));
        String key = r.bulk == null ? null : new String(r.bulk, StandardCharsets.ISO_8859_1);
        if (key == null ? !all.isEmpty() : !all.contains(key)) {
          fail(new Sent(-1, "final-state", args("RANDOMKEY"), null), ascii(all.toString()), r.raw,
              "RANDOMKEY through the proxy is no key of the database");
        }
      }
    }

    private List<String> scanAll(RespClient c, String[] extra) throws IOException {
      Set<String> seen = new HashSet<>();
      String cursor = "0";
      int rounds = 0;
      do {
        List<String> cmd = new ArrayList<>(List.of("SCAN", cursor, "COUNT", "7"));
        cmd.addAll(List.of(extra));
        Node r = Node.parse(c.call(args(cmd.toArray(new String[0]))));
        if (r.type != '*' || r.kids.size() != 2) {
          throw new AssertionError("SCAN answered " + RespClient.show(r.raw));
        }
        cursor = new String(r.kids.get(0).bulk, StandardCharsets.ISO_8859_1);
        for (Node k : r.kids.get(1).kids) {
          seen.add(new String(k.bulk, StandardCharsets.ISO_8859_1));
        }
        if (++rounds > 10_000) {
          throw new AssertionError("SCAN does not finish");
        }
      } while (!cursor.equals("0"));
      List<String> sorted = new ArrayList<>(seen);
      Collections.sort(sorted);
      return sorted;
    }

    private static List<String> sortedElements(Node array) {
      List<String> out = new ArrayList<>();
      for (Node k : array.kids) {
        out.add(RespClient.show(k.raw));
      }
      Collections.sort(out);
      return out;
    }

    /**
     * What only the server behind the proxy shows: no scratch key left behind; each logical key in at most
     * one place (field, overflow key, or a legacy key the test wrote before the run); and every bucket
     * outliving its fields (no expiry while a field has none, else not before the latest field expiry),
     * since an expiring bucket would take live fields with it.
     */
    void checkUpstream() throws IOException {
      List<String> problems = new ArrayList<>();
      Node scratch = Node.parse(upstream.call("KEYS", "__rc:s:*"));
      if (!scratch.kids.isEmpty()) {
        problems.add("scratch keys left behind: " + RespClient.show(scratch.raw));
      }
      for (byte[] k : KEYS) {
        BucketRule rule = PLACES.ruleFor(k);
        if (rule == null) {
          continue;
        }
        Placement pl = rule.place(k);
        long field = integer(upstream.call(ascii("HEXISTS"), pl.bucket(), pl.field()));
        long overflow = integer(upstream.call(ascii("EXISTS"), pl.overflow()));
        long plain = integer(upstream.call(ascii("EXISTS"), k));
        String key = new String(k, StandardCharsets.ISO_8859_1);
        if (field + overflow + plain > 1) {
          problems.add(RespClient.show(k) + " is in more than one place: field " + field + ", overflow " + overflow
              + ", plain key " + plain);
        }
        if (plain == 1 && !legacy.contains(key)) {
          problems.add(RespClient.show(k) + " exists as a plain key upstream, but was never written there");
        }
      }
      // the bucket's expiry against its fields' logical expiries (read through the proxy, so the check
      // does not depend on the field format)
      for (Node b : Node.parse(upstream.call("KEYS", "__rc:b:*")).kids) {
        long bucketAt = integer(upstream.call(ascii("PEXPIRETIME"), b.bulk));
        Node fields = Node.parse(upstream.call(ascii("HKEYS"), b.bulk));
        long latest = 0;
        boolean persistentField = false;
        for (Node f : fields.kids) {
          byte[] key = keyOf(b.bulk, f.bulk);
          if (key == null) {
            problems.add("bucket " + RespClient.show(b.bulk) + " has field " + RespClient.show(f.bulk)
                + ", which is no key of the test");
            continue;
          }
          long at = integer(proxied.call(ascii("PEXPIRETIME"), key));
          if (at == -1) {
            persistentField = true;
          } else if (at > 0) {
            latest = Math.max(latest, at);
          }
        }
        if (bucketAt >= 0 && (persistentField || bucketAt < latest)) {
          problems.add("bucket " + RespClient.show(b.bulk) + " expires at " + bucketAt + " before its fields ("
              + (persistentField ? "one has no expiry" : "latest field expiry " + latest) + ")");
        }
      }
      if (!problems.isEmpty()) {
        StringBuilder m = new StringBuilder("upstream invariants broken after op #" + (index - 1) + " (seed " + seed
            + ", RESP" + protocol + "; reproduce with -Dbucket.random.seed=" + seed + " -Dbucket.random.ops="
            + index + "):\n");
        for (String p : problems) {
          m.append("  ").append(p).append('\n');
        }
        m.append("  last commands (oldest first):\n");
        for (Sent h : history) {
          m.append("    ").append(h).append('\n');
        }
        throw new AssertionError(m.toString());
      }
    }

    /** The key of the test stored in {@code bucket} as {@code field}, or null. */
    private static byte[] keyOf(byte[] bucket, byte[] field) {
      for (byte[] k : KEYS) {
        BucketRule rule = PLACES.ruleFor(k);
        if (rule != null) {
          Placement pl = rule.place(k);
          if (Arrays.equals(pl.bucket(), bucket) && Arrays.equals(pl.field(), field)) {
            return k;
          }
        }
      }
      return null;
    }

    private static long integer(byte[] reply) {
      Node n = Node.parse(reply);
      if (n.type != ':') {
        throw new AssertionError("expected an integer reply, got " + RespClient.show(reply));
      }
      return Long.parseLong(n.line);
    }

    // ---------------------------------------------------------------------- generators

    record Gen(int weight, Supplier<byte[][]> make) {}

    void add(int weight, Supplier<byte[][]> make) {
      gens.add(new Gen(weight, make));
      totalWeight += weight;
    }

    byte[][] gen() {
      int r = rnd.nextInt(totalWeight);
      for (Gen g : gens) {
        r -= g.weight;
        if (r < 0) {
          return g.make.get();
        }
      }
      throw new IllegalStateException();
    }

    void generators() {
      add(14, this::set);
      add(8, () -> a("GET", key()));
      add(2, () -> a("GETSET", key(), value()));
      add(2, () -> a("GETDEL", key()));
      add(4, this::getex);
      add(2, () -> a("SETNX", key(), value()));
      add(2, () -> a("SETEX", key(), relSec(), value()));
      add(2, () -> a("PSETEX", key(), relMs(), value()));
      add(3, () -> keysAndValues("MSET"));
      add(2, () -> keysAndValues("MSETNX"));
      add(4, () -> manyKeys("MGET"));
      add(3, () -> manyKeys("DEL"));
      add(2, () -> manyKeys("UNLINK"));
      add(3, () -> manyKeys("EXISTS"));
      add(1, () -> manyKeys("TOUCH"));
      add(3, () -> a("INCR", key()));
      add(2, () -> a("DECR", key()));
      add(2, () -> a("INCRBY", key(), pick(INCREMENTS)));
      add(2, () -> a("DECRBY", key(), pick(INCREMENTS)));
      add(2, () -> a("INCRBYFLOAT", key(), pick(FLOAT_INCREMENTS)));
      add(3, () -> a("APPEND", key(), value()));
      add(2, () -> a("STRLEN", key()));
      add(2, () -> a("GETRANGE", key(), index(), index()));
      add(1, () -> a("SUBSTR", key(), index(), index()));
      add(2, () -> a("SETRANGE", key(), offset(), value()));
      add(2, () -> a("TYPE", key()));
      add(3, () -> a("TTL", key()));
      add(3, () -> a("PTTL", key()));
      add(3, () -> expire("EXPIRE", relSec()));
      add(2, () -> expire("PEXPIRE", relMs()));
      add(2, () -> expire("EXPIREAT", absSec()));
      add(2, () -> expire("PEXPIREAT", absMs()));
      add(2, () -> a("EXPIRETIME", key()));
      add(2, () -> a("PEXPIRETIME", key()));
      add(2, () -> a("PERSIST", key()));
      add(2, () -> a("GETBIT", key(), bitOffset(false)));
      add(2, () -> a("SETBIT", key(), bitOffset(true), pick("0", "1", "1", "0", "2", "-1", "x")));
      add(2, this::bitcount);
      add(1, this::bitpos);
      add(1, this::wrongArity);
      // moving values between keys, and the keyspace seen as logical keys (DBSIZE only at the end: it
      // counts expired keys not deleted yet, which differ between the two)
      add(2, () -> a("RENAME", key(), rnd.nextInt(8) == 0 ? ascii("sess:a") : key()));
      add(1, () -> a("RENAMENX", key(), key()));
      add(2, this::copy);
      add(1, () -> a("KEYS", pick("*", "media:*", "sess:?", "user:*:name", "*1*", "plain:*", "media:1*", "*:name",
          "sess:[a-b]", "nomatch*")));
    }

    byte[][] set() {
      List<byte[]> a = new ArrayList<>(List.of(ascii("SET"), key(), value()));
      List<List<byte[]>> opts = new ArrayList<>();
      int cond = rnd.nextInt(12);
      if (cond < 2) {
        opts.add(List.of(opt("NX")));
      } else if (cond < 4) {
        opts.add(List.of(opt("XX")));
      } else if (cond == 4) {
        opts.add(List.of(opt("NX")));
        opts.add(List.of(opt("XX")));
      }
      if (rnd.nextInt(4) == 0) {
        opts.add(List.of(opt("GET")));
      }
      int e = rnd.nextInt(14);
      switch (e) {
        case 0, 1, 2, 3, 4 -> { }
        case 5, 6 -> opts.add(List.of(opt("EX"), relSec()));
        case 7 -> opts.add(List.of(opt("PX"), relMs()));
        case 8 -> opts.add(List.of(opt("EXAT"), absSec()));
        case 9 -> opts.add(List.of(opt("PXAT"), absMs()));
        case 10, 11 -> opts.add(List.of(opt("KEEPTTL")));
        case 12 -> { // two expiries: a syntax error
          opts.add(List.of(opt("EX"), relSec()));
          opts.add(rnd.nextBoolean() ? List.of(opt("KEEPTTL")) : List.of(opt("PXAT"), absMs()));
        }
        default -> opts.add(List.of(opt(pick("FOO", "EX", "PX", "EXAT", "PXAT", "GETX")))); // missing argument
      }
      Collections.shuffle(opts, rnd);
      for (List<byte[]> o : opts) {
        a.addAll(o);
      }
      return a.toArray(new byte[0][]);
    }

    byte[][] getex() {
      List<byte[]> a = new ArrayList<>(List.of(ascii("GETEX"), key()));
      int e = rnd.nextInt(16);
      switch (e) {
        case 0, 1, 2, 3 -> { }
        case 4, 5 -> a.addAll(List.of(opt("EX"), relSec()));
        case 6, 7 -> a.addAll(List.of(opt("PX"), relMs()));
        case 8, 9 -> a.addAll(List.of(opt("EXAT"), absSec()));
        case 10 -> a.addAll(List.of(opt("PXAT"), absMs()));
        case 11, 12 -> a.add(opt("PERSIST"));
        case 13 -> a.addAll(List.of(opt("EX"), relSec(), opt("PERSIST")));
        case 14 -> a.add(opt(pick("EX", "PXAT", "FOO", "KEEPTTL")));
        default -> a.addAll(List.of(opt("PX"), relMs(), opt("EXAT"), absSec()));
      }
      return a.toArray(new byte[0][]);
    }

    byte[][] expire(String cmd, byte[] when) {
      List<byte[]> a = new ArrayList<>(List.of(ascii(cmd), key(), when));
      int o = rnd.nextInt(14);
      switch (o) {
        case 0, 1, 2, 3, 4, 5 -> { }
        case 6 -> a.add(opt("NX"));
        case 7 -> a.add(opt("XX"));
        case 8, 9 -> a.add(opt("GT"));
        case 10, 11 -> a.add(opt("LT"));
        case 12 -> { // incompatible pair
          a.add(opt(pick("NX", "GT", "LT", "XX")));
          a.add(opt(pick("XX", "LT", "GT", "NX")));
        }
        default -> a.add(opt(pick("FOO", "GTE", "PERSIST")));
      }
      return a.toArray(new byte[0][]);
    }

    byte[][] copy() {
      byte[] from = key();
      byte[] to = rnd.nextInt(10) == 0 ? from : key();
      // (COPY ... DB is refused on bucketed keys by design, so it is left out)
      return switch (rnd.nextInt(7)) {
        case 0, 1, 2 -> a("COPY", from, to);
        case 3, 4, 5 -> a("COPY", from, to, opt("REPLACE"));
        default -> a("COPY", from, to, opt(pick("FOO", "REPLACE")), opt(pick("FOO", "REPLAC")));
      };
    }

    byte[][] bitcount() {
      int n = rnd.nextInt(6);
      return switch (n) {
        case 0, 1 -> a("BITCOUNT", key());
        case 2, 3 -> a("BITCOUNT", key(), index(), index());
        case 4 -> a("BITCOUNT", key(), index(), index(), opt(pick("BYTE", "BIT", "BITS")));
        default -> a("BITCOUNT", key(), index());
      };
    }

    byte[][] bitpos() {
      byte[] bit = ascii(pick("0", "1", "1", "0", "2"));
      int n = rnd.nextInt(5);
      return switch (n) {
        case 0, 1 -> a("BITPOS", key(), bit);
        case 2 -> a("BITPOS", key(), bit, index());
        case 3 -> a("BITPOS", key(), bit, index(), index());
        default -> a("BITPOS", key(), bit, index(), index(), opt(pick("BYTE", "BIT", "X")));
      };
    }

    /** Arity errors (answered by Redis itself) and argument-count errors arity does not catch. */
    byte[][] wrongArity() {
      return switch (rnd.nextInt(10)) {
        case 0 -> a("GET", key(), key());
        case 1 -> a("SETEX", key(), relSec());
        case 2 -> a("MSET", key(), value(), key());
        case 3 -> a("MSETNX", key(), value(), key());
        case 4 -> a("MSET", key());
        case 5 -> a("INCRBY", key());
        case 6 -> a("GETRANGE", key(), index());
        case 7 -> a("EXPIRE", key());
        case 8 -> a("TTL", key(), key());
        default -> a("SETNX", key());
      };
    }

    byte[][] manyKeys(String cmd) {
      int n = 1 + rnd.nextInt(6);
      List<byte[]> a = new ArrayList<>();
      a.add(ascii(cmd));
      for (int i = 0; i < n; i++) {
        a.add(i > 0 && rnd.nextInt(5) == 0 ? a.get(1 + rnd.nextInt(i)) : key());
      }
      return a.toArray(new byte[0][]);
    }

    byte[][] keysAndValues(String cmd) {
      int n = 1 + rnd.nextInt(5);
      List<byte[]> a = new ArrayList<>();
      a.add(ascii(cmd));
      for (int i = 0; i < n; i++) {
        a.add(i > 0 && rnd.nextInt(6) == 0 ? a.get(1 + 2 * rnd.nextInt(i)) : key());
        a.add(value());
      }
      return a.toArray(new byte[0][]);
    }

    // ---------------------------------------------------------------------- arguments

    byte[] key() {
      return KEYS[rnd.nextInt(KEYS.length)];
    }

    byte[] value() {
      int r = rnd.nextInt(100);
      if (r < 80) {
        return VALUES[rnd.nextInt(VALUES.length)];
      }
      if (r < 90) {
        return ascii(Long.toString(rnd.nextInt(2001) - 1000));
      }
      byte[] v = new byte[rnd.nextInt(r < 98 ? 80 : 400)];
      rnd.nextBytes(v);
      return v;
    }

    /** Relative seconds: mostly valid (>= 1000 s); for SET/SETEX/GETEX also 0 and negatives, which are errors. */
    byte[] relSec() {
      int r = rnd.nextInt(100);
      if (r < 88) {
        return ascii(Long.toString(1000 + rnd.nextInt(1_000_000)));
      }
      if (r < 91) {
        return ascii(pick("100000000000", "9000000000000", "9223372036854775", "9223372036854776",
            "9223372036854775807", "-9223372036854775808"));
      }
      if (r < 96) {
        return ascii(pick("0", "-1", "-1000", "-9999999"));
      }
      return ascii(pick("abc", "", "1.5", " 1000", "1000 ", "+1000", "1e4", "0x10"));
    }

    byte[] relMs() {
      int r = rnd.nextInt(100);
      if (r < 88) {
        return ascii(Long.toString(1_000_000 + (long) rnd.nextInt(1_000_000_000)));
      }
      if (r < 91) {
        return ascii(pick("100000000000000", "9000000000000000", "9223372036854775806",
            "9223372036854775807", "9223372036854775808"));
      }
      if (r < 96) {
        return ascii(pick("0", "-1", "-1000"));
      }
      return ascii(pick("abc", "", "1.5", "1e7"));
    }

    /** Absolute Unix seconds: far future (often from a small pool, so equal instants meet), past, odd. */
    byte[] absSec() {
      int r = rnd.nextInt(100);
      long t;
      if (r < 45) {
        t = absPool[rnd.nextInt(absPool.length)];
      } else if (r < 80) {
        t = nowSec + 2_000_000 + rnd.nextInt(50_000_000);
      } else if (r < 88) {
        t = nowSec - 1 - rnd.nextInt(1_000_000);
      } else if (r < 94) {
        t = Long.parseLong(pick("1", "0", "-1", "100000000000", "281474976710", "281474976711", "1000000000000",
            "9007199254739", "9223372036854776"));
      } else {
        return ascii(pick("abc", "", "1.5", "99999999999999999999"));
      }
      noteAbsolute(t * 1000);
      return ascii(Long.toString(t));
    }

    byte[] absMs() {
      int r = rnd.nextInt(100);
      long t;
      if (r < 45) {
        t = absPool[rnd.nextInt(absPool.length)] * 1000 + (rnd.nextBoolean() ? 0 : rnd.nextInt(1000));
      } else if (r < 80) {
        t = (nowSec + 2_000_000 + rnd.nextInt(50_000_000)) * 1000 + rnd.nextInt(1000);
      } else if (r < 88) {
        t = (nowSec - 1 - rnd.nextInt(1_000_000)) * 1000 + rnd.nextInt(1000);
      } else if (r < 94) {
        t = Long.parseLong(pick("1", "0", "-1", "100000000000000", "281474976710655", "281474976710656",
            "1000000000000000", "9007199254740991"));
      } else {
        return ascii(pick("abc", "", "1.5", "9223372036854775808"));
      }
      noteAbsolute(t);
      return ascii(Long.toString(t));
    }

    void noteAbsolute(long ms) {
      absMs.add(ms);
      absSec.add(ms / 1000);
      absSec.add((ms + 500) / 1000);
    }

    byte[] index() {
      int r = rnd.nextInt(100);
      if (r < 85) {
        return ascii(Integer.toString(rnd.nextInt(41) - 20));
      }
      if (r < 95) {
        return ascii(Integer.toString(rnd.nextInt(2001) - 1000));
      }
      return ascii(pick("9223372036854775807", "-9223372036854775808", "x", "", "1.0"));
    }

    byte[] offset() {
      int r = rnd.nextInt(100);
      if (r < 90) {
        return ascii(Integer.toString(rnd.nextInt(r < 70 ? 16 : 100)));
      }
      return ascii(pick("-1", "x", "536870912", "9223372036854775807")); // 536870912 and up: too long, an error
    }

    byte[] bitOffset(boolean set) {
      int r = rnd.nextInt(100);
      if (r < 85) {
        return ascii(Integer.toString(rnd.nextInt(r < 60 ? 64 : 800)));
      }
      if (r < 92) {
        return ascii(Integer.toString(rnd.nextInt(8000)));
      }
      if (set) {
        return ascii(pick("-1", "x", "4294967296", "1.5"));
      }
      return ascii(pick("-1", "x", "4294967295", "4294967296", "1.5"));
    }

    byte[] opt(String name) {
      return ascii(rnd.nextInt(6) == 0 ? name.toLowerCase(Locale.ROOT) : name);
    }

    String pick(String... options) {
      return options[rnd.nextInt(options.length)];
    }

    byte[] pick(byte[][] options) {
      return options[rnd.nextInt(options.length)];
    }

    byte[][] a(Object... parts) {
      byte[][] out = new byte[parts.length][];
      for (int i = 0; i < parts.length; i++) {
        out[i] = parts[i] instanceof byte[] b ? b : ascii((String) parts[i]);
      }
      return out;
    }
  }

  static final byte[][] INCREMENTS = strings("1", "5", "-3", "100", "0", "-1000000", "9223372036854775807",
      "-9223372036854775808", "9223372036854775808", "abc", "1.5", "", " 1");
  static final byte[][] FLOAT_INCREMENTS = strings("1", "0.5", "-2.25", "1e3", "3.0e-2", "0", "-0",
      "1.7976931348623157e308",
      "abc", "inf", "-inf", "nan", "", "5.0000000000000001", "0x10");

  static final byte[][] VALUES = values();

  private static byte[][] values() {
    List<byte[]> v = new ArrayList<>(Arrays.asList(strings("", "0", "1", "-1", "7", "42", "100", "-250", "007", "+3",
        " 1", "1 ", "3.5", "-0.5", "1e3", "0x10", "inf", "nan", "9223372036854775807", "-9223372036854775808",
        "9223372036854775806", "9223372036854775808", "12345678901234567890", "abc", "hello world", "OK", "\r\n",
        "$5", "*1", "-ERR x", "h\u00e9llo")));
    v.add(bytes(0));
    v.add(bytes(0, 1, 2, 0xfe));
    v.add(bytes(0xff));
    v.add(bytes(0xff, 0));
    v.add(bytes(0xff, 1));
    v.add(bytes(0xff, 0, 'a'));
    v.add(bytes(0xff, 1, 0, 0, 1, 2, 3, 4, 'x')); // looks like an expiry envelope
    v.add(bytes(0xff, 2, 'a'));
    v.add(bytes(0xff, 'h', 'i'));
    v.add(bytes(0x80, 0x81, 0xc3));
    v.add(bytes('\r', '\n', 0, '\n'));
    for (int n : new int[] {55, 56, 57, 62, 63, 64, 65, 66, 100, 300}) {
      v.add(filled(n, 'a' + n % 26, false));
    }
    for (int n : new int[] {1, 61, 62, 63, 64, 65}) {
      v.add(filled(n, 'z', true));
    }
    v.add(filled(64, '7', false)); // a 64-digit "number"
    v.add(ascii("9".repeat(19)));
    return v.toArray(new byte[0][]);
  }

  private static byte[] filled(int n, int c, boolean ffFirst) {
    byte[] b = new byte[n];
    Arrays.fill(b, (byte) c);
    if (ffFirst) {
      b[0] = (byte) 0xff;
    }
    return b;
  }

  private static byte[] bytes(int... b) {
    byte[] out = new byte[b.length];
    for (int i = 0; i < b.length; i++) {
      out[i] = (byte) b[i];
    }
    return out;
  }

  private static byte[][] strings(String... s) {
    byte[][] out = new byte[s.length][];
    for (int i = 0; i < s.length; i++) {
      out[i] = s[i].getBytes(StandardCharsets.UTF_8);
    }
    return out;
  }

  /** Keys as written, each char one byte (so "\u00ff" is byte 0xFF). */
  private static byte[][] keys(String... s) {
    byte[][] out = new byte[s.length][];
    for (int i = 0; i < s.length; i++) {
      out[i] = s[i].getBytes(StandardCharsets.ISO_8859_1);
    }
    return out;
  }

  static byte[] ascii(String s) {
    return s.getBytes(StandardCharsets.ISO_8859_1);
  }

  static byte[][] args(String... s) {
    return keys(s);
  }

  static String describe(byte[][] args) {
    StringBuilder sb = new StringBuilder();
    for (byte[] a : args) {
      if (sb.length() > 0) {
        sb.append(' ');
      }
      if (a.length > 48) {
        sb.append('"').append(RespClient.show(Arrays.copyOf(a, 12))).append("...\"(").append(a.length)
            .append(" bytes)");
      } else {
        sb.append('"').append(RespClient.show(a)).append('"');
      }
    }
    return sb.toString();
  }

  static String shortShow(byte[] reply) {
    String s = RespClient.show(reply);
    return s.length() > 100 ? s.substring(0, 100) + "...(" + reply.length + " bytes)" : s;
  }

  // ============================================================================ RESP parsing

  /** A parsed reply: its type, first line, bulk payload or elements, and its raw bytes. */
  static final class Node {
    final char type;
    final String line;
    final byte[] bulk;
    final List<Node> kids = new ArrayList<>();
    byte[] raw;

    private Node(char type, String line, byte[] bulk) {
      this.type = type;
      this.line = line;
      this.bulk = bulk;
    }

    static Node parse(byte[] b) {
      int[] pos = {0};
      Node n = parse(b, pos);
      if (pos[0] != b.length) {
        throw new IllegalStateException("trailing bytes after a reply: " + RespClient.show(b));
      }
      return n;
    }

    private static Node parse(byte[] b, int[] pos) {
      int start = pos[0];
      int eol = start;
      while (!(b[eol] == '\r' && b[eol + 1] == '\n')) {
        eol++;
      }
      char type = (char) b[start];
      String line = new String(b, start + 1, eol - start - 1, StandardCharsets.ISO_8859_1);
      pos[0] = eol + 2;
      Node n;
      switch (type) {
        case '$', '!', '=' -> {
          int len = Integer.parseInt(line);
          byte[] bulk = null;
          if (len >= 0) {
            bulk = Arrays.copyOfRange(b, pos[0], pos[0] + len);
            pos[0] += len + 2;
          }
          n = new Node(type, line, bulk);
        }
        case '*', '~', '>', '%' -> {
          n = new Node(type, line, null);
          int count = Integer.parseInt(line) * (type == '%' ? 2 : 1);
          for (int i = 0; i < count; i++) {
            n.kids.add(parse(b, pos));
          }
        }
        default -> n = new Node(type, line, null);
      }
      n.raw = Arrays.copyOfRange(b, start, pos[0]);
      return n;
    }
  }
}
