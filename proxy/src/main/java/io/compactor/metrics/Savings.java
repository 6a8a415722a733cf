package io.compactor.metrics;

import io.compactor.codec.ValueCodecs;
import java.util.ArrayList;
import java.util.List;

/**
 * The memory the rules save, estimated from a survey of the keyspace: what the server would spend on the
 * rules' logical keys stored as plain strings ({@link RedisCost}'s model of Redis 7.0 or Valkey 8.0 with
 * jemalloc, as {@link RedisCost.Server}) minus what it spends on the physical keys that hold them now (the
 * server's own {@code MEMORY USAGE}, plus what that leaves out: {@link RedisCost.Server#memoryUsageSlack} and
 * an expire entry per key with a TTL), plus the difference in the keyspace's hash tables, minus what the
 * proxy keeps for itself (compression dictionaries). One survey pass counts every physical key and samples
 * the first {@code sample} keys of each rule it meets (SCAN's order is the hash order, so the first keys
 * are a random sample); sums over the sample are scaled by count / sampled.
 */
public final class Savings {
  private Savings() {}

  /**
   * One rule's figures from one completed survey (bytes, keys). Both sizes include the keys' share of the
   * keyspace's hash tables (main and expires): their slots at the table's fill in each layout.
   */
  public record RuleEstimate(String rule, String strategy, long physicalKeys, long sampledKeys, long logicalKeys,
      long actualBytes, long plainBytes, long listpackBuckets, long hashtableBuckets) {
    /** What storing these keys plainly would cost more than storing them as the rule does. */
    public long savedBytes() {
      return plainBytes - actualBytes;
    }
  }

  /**
   * A completed survey.
   *
   * @param timeMillis when it ended (epoch ms)
   * @param overheadBytes what the proxy's own keys (compression dictionaries) cost
   * @param otherTablesBytes what the other keys' share of the hash tables changes by (the tables are
   *     smaller, or fuller, with the rules' keys packed; may be negative)
   * @param dbKeys keys in the database (INFO keyspace) when it ended
   */
  public record Estimate(long timeMillis, long durationMillis, List<RuleEstimate> rules, long overheadBytes,
      long otherTablesBytes, long dbKeys) {
    /** The total saving: every rule's, plus the other keys' table share, less the overhead. */
    public long savedBytes() {
      long s = otherTablesBytes - overheadBytes;
      for (RuleEstimate r : rules) {
        s += r.savedBytes();
      }
      return s;
    }

    /** What the rules' keys would cost stored plainly. */
    public long plainBytes() {
      long s = 0;
      for (RuleEstimate r : rules) {
        s += r.plainBytes();
      }
      return s;
    }

    public long logicalKeys() {
      long s = 0;
      for (RuleEstimate r : rules) {
        s += r.logicalKeys();
      }
      return s;
    }

    /** No survey has completed yet. */
    public static Estimate none(List<String> rules, List<String> strategies) {
      List<RuleEstimate> out = new ArrayList<>();
      for (int i = 0; i < rules.size(); i++) {
        out.add(new RuleEstimate(rules.get(i), strategies.get(i), 0, 0, 0, 0, 0, 0, 0));
      }
      return new Estimate(0, 0, List.copyOf(out), 0, 0, 0);
    }
  }

  /** One survey pass in progress. Not thread-safe: one pass runs on one thread. */
  public static final class Tally {
    private final List<String> rules;
    private final List<String> strategies;
    private final int sample;
    private final boolean sharedIntegers;
    private final RedisCost.Server server;
    private final long entrySlack;
    private final long started = System.currentTimeMillis();
    private final long[] physical;
    private final long[] sampled;
    private final long[] actual;
    private final long[] plain;
    private final long[] logical;
    private final long[] logicalExpiring;
    private final long[] physicalExpiring;
    private final long[] listpack;
    private final long[] hashtable;
    private long overhead;

    /**
     * @param sample keys sampled per rule per pass
     * @param sharedIntegers whether the server shares the integers 0..9999 (no maxmemory, or a policy without
     *     LRU/LFU)
     * @param server the server's key layout: what a plain key costs, and what its MEMORY USAGE leaves out
     */
    public Tally(List<String> rules, List<String> strategies, int sample, boolean sharedIntegers,
        RedisCost.Server server) {
      this.rules = List.copyOf(rules);
      this.strategies = List.copyOf(strategies);
      this.sample = sample;
      this.sharedIntegers = sharedIntegers;
      this.server = server;
      this.entrySlack = server.memoryUsageSlack();
      int n = rules.size();
      physical = new long[n];
      sampled = new long[n];
      actual = new long[n];
      plain = new long[n];
      logical = new long[n];
      logicalExpiring = new long[n];
      physicalExpiring = new long[n];
      listpack = new long[n];
      hashtable = new long[n];
    }

    /** Counts a physical key of rule {@code rule}; true when it should be sampled. */
    public boolean count(int rule) {
      physical[rule]++;
      if (sampled[rule] < sample) {
        sampled[rule]++;
        return true;
      }
      return false;
    }

    /**
     * Records a physical key; returns its MEMORY USAGE corrected to what the server allocates for it (see
     * {@link RedisCost.Server#memoryUsageSlack}), the expire entry aside.
     */
    private long physical(int rule, long mem, boolean ttl) {
      long real = mem + entrySlack;
      actual[rule] += real + (ttl ? RedisCost.EXPIRE_ENTRY : 0);
      if (ttl) {
        physicalExpiring[rule]++;
      }
      return real;
    }

    private void logical(int rule, long cost, boolean expires) {
      plain[rule] += cost + (expires ? RedisCost.EXPIRE_ENTRY : 0);
      logical[rule]++;
      if (expires) {
        logicalExpiring[rule]++;
      }
    }

    /** The plain cost of a value as the proxy stored it (a compression envelope counts as what it decodes to). */
    private long valueCost(byte[] stored) {
      ValueCodecs.EnvelopeInfo e = ValueCodecs.inspect(stored);
      return e == null ? RedisCost.stringValue(stored, sharedIntegers) : RedisCost.stringValue(e.decodedLength(), sharedIntegers);
    }

    /** A sampled bucket: its MEMORY USAGE, expiry, encoding, and per live field the logical key and value. */
    public void bucket(int rule, long mem, boolean ttl, String encoding, int[] keyLengths, byte[][] values,
        boolean[] expires) {
      physical(rule, mem, ttl);
      if ("listpack".equals(encoding) || "ziplist".equals(encoding)) {
        listpack[rule]++;
      } else {
        hashtable[rule]++;
      }
      for (int i = 0; i < keyLengths.length; i++) {
        logical(rule, server.keyEntry(keyLengths[i]) + valueCost(values[i]), expires[i]);
      }
    }

    /** A sampled string key holding one logical key's value ({@code head}: its first bytes, {@code length}: all). */
    public void string(int rule, int logicalKeyLength, long mem, boolean ttl, long length, byte[] head) {
      long real = physical(rule, mem, ttl);
      ValueCodecs.EnvelopeInfo e = ValueCodecs.inspect(head);
      if (e == null) {
        logical(rule, real, ttl); // stored as written: costs what it costs
      } else {
        logical(rule, server.keyEntry(logicalKeyLength) + RedisCost.stringValue(e.decodedLength(), sharedIntegers),
            ttl);
      }
    }

    /** A sampled key of a rule stored as written (not a string, or a key from before a bucket rule). */
    public void other(int rule, long mem, boolean ttl) {
      logical(rule, physical(rule, mem, ttl), ttl);
    }

    /** One of the proxy's own keys (a dictionary). */
    public void overhead(long mem) {
      overhead += mem + entrySlack;
    }

    /**
     * The estimate.
     *
     * @param dbKeys keys in the database now (INFO keyspace {@code keys=})
     * @param dbExpires keys with an expiry ({@code expires=})
     */
    public Estimate finish(long dbKeys, long dbExpires) {
      int n = rules.size();
      double[] scale = new double[n];
      long physicalAll = 0;
      long logicalAll = 0;
      long physicalExp = 0;
      long logicalExp = 0;
      for (int i = 0; i < n; i++) {
        scale[i] = sampled[i] == 0 ? 0 : physical[i] / (double) sampled[i];
        physicalAll += physical[i];
        logicalAll += Math.round(logical[i] * scale[i]);
        physicalExp += Math.round(physicalExpiring[i] * scale[i]);
        logicalExp += Math.round(logicalExpiring[i] * scale[i]);
      }
      long plainKeys = Math.max(0, dbKeys - physicalAll + logicalAll);
      long plainExpires = Math.max(0, dbExpires - physicalExp + logicalExp);
      // bytes of table per key (slots at the table's fill), plain layout and as stored
      double cp = perKey(plainKeys);
      double ca = perKey(dbKeys);
      double cpe = perKey(plainExpires);
      double cae = perKey(dbExpires);
      double ruleTables = 0;
      List<RuleEstimate> out = new ArrayList<>();
      for (int i = 0; i < n; i++) {
        double plainTables = (logical[i] * cp + logicalExpiring[i] * cpe) * scale[i];
        double actualTables = physical[i] * ca + physicalExpiring[i] * cae * scale[i];
        ruleTables += plainTables - actualTables;
        out.add(new RuleEstimate(rules.get(i), strategies.get(i), physical[i], sampled[i],
            Math.round(logical[i] * scale[i]), Math.round(actual[i] * scale[i] + actualTables),
            Math.round(plain[i] * scale[i] + plainTables), Math.round(listpack[i] * scale[i]),
            Math.round(hashtable[i] * scale[i])));
      }
      long tables = RedisCost.dictTable(plainKeys) - RedisCost.dictTable(dbKeys)
          + RedisCost.dictTable(plainExpires) - RedisCost.dictTable(dbExpires);
      long now = System.currentTimeMillis();
      return new Estimate(now, now - started, List.copyOf(out), overhead, Math.round(tables - ruleTables), dbKeys);
    }

    private static double perKey(long keys) {
      return keys == 0 ? 0 : RedisCost.dictTable(keys) / (double) keys;
    }
  }
}
