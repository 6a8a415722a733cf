package io.compactor.compaction;

import io.compactor.compaction.bucket.BucketCompactor;
import io.compactor.compaction.bucket.BucketRule;
import io.compactor.compaction.compress.CompressCompactor;
import io.compactor.resp.Command;
import io.netty.buffer.ByteBufAllocator;

/**
 * Every rule's rewriting of client commands: compression rules first (they may change the values a
 * command carries and the replies it gets), then bucket rules on what that left. A key belongs to the
 * first rule whose pattern matches it, whatever its strategy. A command naming keys of both kinds is
 * combined only where that is sound (MGET, MSET, MSETNX, DEL and the other key-count commands); other
 * mixes are refused. Thread-safe.
 */
public final class Compactor {
  private final BucketCompactor buckets;
  private final CompressCompactor compression;
  private final KeyRules keyRules;
  /** Each rule's counters, by its index in {@link #keyRules}. */
  private final RuleStats[] stats;
  /** The bucket rule at each index, null for other strategies. */
  private final BucketRule[] bucketRules;

  /**
   * @param buckets the bucket rules (also guards the reserved namespace and shows logical keys to
   *     SCAN/KEYS/DBSIZE/RANDOMKEY, so it is present whenever any rule is)
   * @param compression the compression rules, or null when there are none
   */
  public Compactor(BucketCompactor buckets, CompressCompactor compression, java.util.List<io.compactor.config.RuleConfig> rules) {
    this.buckets = buckets;
    this.compression = compression;
    this.keyRules = new KeyRules(rules);
    this.stats = new RuleStats[keyRules.size()];
    this.bucketRules = new BucketRule[keyRules.size()];
    for (int i = 0; i < stats.length; i++) {
      io.compactor.config.RuleConfig rc = keyRules.config(i);
      bucketRules[i] = rc.strategy() == io.compactor.config.RuleConfig.Strategy.BUCKET ? buckets.ruleByName(rc.name()) : null;
      stats[i] = bucketRules[i] != null ? bucketRules[i].stats() : compression.ruleByName(rc.name()).stats();
    }
  }

  public BucketCompactor buckets() {
    return buckets;
  }

  public CompressCompactor compression() {
    return compression;
  }

  /**
   * What to send instead of {@code c}, or null to forward it unchanged.
   *
   * @param mayTransact whether the command may become a transaction sent as one unit (see
   *     {@link Rewrite#transaction}): no MULTI or WATCH of the client's is open on its connection
   * @param mayReadThrough whether a bucketed GET may try a plain HGET first (see {@link Rewrite#readThrough})
   */
  public Rewrite rewrite(Command c, ByteBufAllocator alloc, boolean mayTransact, boolean mayReadThrough) {
    Rewrite r = rewriteOnly(c, alloc, mayTransact, mayReadThrough);
    if (r != null) {
      count(c, r);
    }
    return r;
  }

  private Rewrite rewriteOnly(Command c, ByteBufAllocator alloc, boolean mayTransact, boolean mayReadThrough) {
    if (compression == null) {
      return buckets.rewrite(c, alloc, mayReadThrough, mayTransact);
    }
    Rewrite z = compression.rewrite(c, alloc);
    if (z == null) {
      return buckets.rewrite(c, alloc, mayReadThrough, mayTransact);
    }
    if (z.isRefusal() || z.continuation() != null) {
      return z; // a script call over the command's own keys, all of them the compression rule's
    }
    Rewrite b = buckets.rewrite(z.command(), alloc, false);
    if (b == null) {
      return z;
    }
    z.command().release();
    if (b.isRefusal()) {
      return b;
    }
    return b.decodedBy(z.transform());
  }

  /**
   * Where {@code c} goes when it is a plain GET or SET of a bucketed key that may be sent together with
   * its neighbours in one script call ({@link #batch}); null otherwise.
   */
  public io.compactor.compaction.bucket.Placement batchable(Command c) {
    return buckets.batchable(c);
  }

  /** See {@link BucketCompactor#setsAfterWrites}. */
  public boolean setsAfterWrites() {
    return buckets.setsAfterWrites();
  }

  /**
   * One script call (or, with {@code mayTransact} as for {@link #rewrite}, a transaction) for a run of
   * {@link #batchable} commands; counts them as {@link #rewrite} would.
   */
  public Rewrite batch(java.util.List<Command> commands, io.compactor.compaction.bucket.Placement[] placed,
      ByteBufAllocator alloc, boolean mayTransact) {
    Rewrite r = buckets.batch(commands, placed, alloc, mayTransact);
    for (Command c : commands) {
      count(c, r);
    }
    return r;
  }

  /**
   * A run of {@link #batchable} commands read through as a lone GET is ({@link BucketCompactor#readThroughRun}),
   * or null when the run is not GETs only of rules without a codec; counts them as {@link #batch} does.
   */
  public Rewrite readThroughRun(java.util.List<Command> commands, io.compactor.compaction.bucket.Placement[] placed,
      ByteBufAllocator alloc) {
    if (!buckets.readsThrough(commands, placed)) {
      return null;
    }
    Rewrite r = buckets.readThroughRun(placed, alloc);
    for (Command c : commands) {
      count(c, r);
    }
    return r;
  }

  /** Every rule, in order, with what it did: for metrics. */
  public java.util.List<RuleView> rules() {
    java.util.List<RuleView> out = new java.util.ArrayList<>();
    for (int i = 0; i < keyRules.size(); i++) {
      io.compactor.config.RuleConfig rc = keyRules.config(i);
      io.compactor.compaction.compress.CompressRule codec =
          rc.strategy() == io.compactor.config.RuleConfig.Strategy.BUCKET
              ? buckets.ruleByName(rc.name()).codec() : compression.ruleByName(rc.name());
      java.util.function.IntSupplier sampled = codec == null || !codec.wantsDictionary() ? null : () -> {
        io.compactor.codec.Sampler s = codec.sampler();
        return s == null ? 0 : s.size();
      };
      out.add(new RuleView(rc, stats[i], codec == null ? null : codec::dictionaryId, sampled));
    }
    return out;
  }

  /** A rule, its counters and (for a rule with a codec) the dictionary its new values get (0: none). */
  /**
   * @param dictionaryId the rule's current dictionary, null for a rule without a codec
   * @param sampled values in the sample the next dictionary is trained on, null for a rule that trains none
   */
  public record RuleView(io.compactor.config.RuleConfig config, RuleStats stats,
      java.util.function.IntSupplier dictionaryId, java.util.function.IntSupplier sampled) {}

  private static final byte[][] STRING_WRITES = {bytes("SET"), bytes("SETNX"), bytes("GETSET"), bytes("SETEX"),
      bytes("PSETEX"), bytes("MSET"), bytes("MSETNX")};

  private static byte[] bytes(String s) {
    return s.getBytes(java.nio.charset.StandardCharsets.US_ASCII);
  }

  /**
   * Counts a rewritten string write (or a refusal) on the rules owning its keys: what the client sent,
   * whatever Redis then answers (a {@code SET … NX} that finds the key counts too).
   */
  private void count(Command c, Rewrite r) {
    if (r.isRefusal()) {
      for (int i = 1; i < c.argc(); i++) {
        int owner = keyRules.owner(c, i);
        if (owner >= 0) {
          stats[owner].refused();
          return;
        }
      }
      return; // the reserved namespace: counted with the other refusals (proxy_errors_total{kind="refused"})
    }
    int w = -1;
    for (int i = 0; i < STRING_WRITES.length; i++) {
      if (c.argEqualsIgnoreCase(0, STRING_WRITES[i])) {
        w = i;
        break;
      }
    }
    if (w < 0) {
      return;
    }
    boolean multi = w >= 5;
    int valueOffset = w == 3 || w == 4 ? 2 : 1;
    int argc = c.argc();
    for (int k = 1; k + valueOffset < argc; k += multi ? 2 : argc) {
      int owner = keyRules.owner(c, k);
      if (owner < 0) {
        continue;
      }
      byte[] key = c.arg(k);
      BucketRule br = bucketRules[owner];
      if (br != null) {
        br.stats().keyWritten(key.length, br.fieldLength(key), true);
        if (br.codec() == null) {
          br.stats().valueStored(c.argLength(k + valueOffset));
        }
      } else {
        stats[owner].keyWritten(key.length, key.length, false);
      }
    }
  }

  /** See {@link BucketCompactor#flushesScripts}. */
  public static boolean flushesScripts(Command c) {
    return BucketCompactor.flushesScripts(c);
  }
}
