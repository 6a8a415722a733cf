package io.compactor.compaction;

import java.util.concurrent.atomic.LongAdder;

/**
 * What one rule did with the writes it owns, counted on the hot path with {@link LongAdder}s only (no
 * meter lookups, no locks); the metrics package reads them. Bytes are what the clients sent (key and
 * value: the logical bytes) and what the proxy stored for them (a bucket rule: field and stored value; a
 * compression rule: key and stored value). Hash field values and list elements of compression rules count
 * their value bytes only. Thread-safe.
 */
public final class RuleStats {
  /** Why a value under a compression codec was stored as the client wrote it. Closed set (a metric tag). */
  public enum Uncompressed {
    /** Shorter than the rule's {@code min-size}. */
    TOO_SMALL("too-small"),
    /** Looks like a number: kept so INCR and friends work in Redis. */
    NUMERIC("numeric"),
    /** No envelope was smaller (or, for msgpack, the value is not packable JSON). */
    NOT_SMALLER("not-smaller");

    private final String tag;

    Uncompressed(String tag) {
      this.tag = tag;
    }

    /** The metric tag value. */
    public String tag() {
      return tag;
    }
  }

  /** Upper bounds of the stored/logical ratio buckets of compressed values; the last bucket is "1 or more". */
  public static final double[] RATIO_BOUNDS = {0.1, 0.2, 0.3, 0.4, 0.5, 0.6, 0.7, 0.8, 0.9, 1.0};

  private final LongAdder writes = new LongAdder();
  private final LongAdder logicalBytes = new LongAdder();
  private final LongAdder storedBytes = new LongAdder();
  private final LongAdder compacted = new LongAdder();
  private final LongAdder refused = new LongAdder();
  private final LongAdder[] uncompressed = adders(Uncompressed.values().length);
  private final LongAdder[] ratios = adders(RATIO_BOUNDS.length + 1);

  private static LongAdder[] adders(int n) {
    LongAdder[] a = new LongAdder[n];
    for (int i = 0; i < n; i++) {
      a[i] = new LongAdder();
    }
    return a;
  }

  /** A string key written through the rule: its logical and stored key bytes ({@code compacted}: bucketed). */
  public void keyWritten(int logicalKeyBytes, int storedKeyBytes, boolean compacted) {
    writes.increment();
    logicalBytes.add(logicalKeyBytes);
    storedBytes.add(storedKeyBytes);
    if (compacted) {
      this.compacted.increment();
    }
  }

  /** A value stored as it is (a bucket rule without codec). */
  public void valueStored(int bytes) {
    logicalBytes.add(bytes);
    storedBytes.add(bytes);
  }

  /** A value stored in an envelope of {@code stored} bytes. */
  public void valueCompressed(int logical, int stored) {
    logicalBytes.add(logical);
    storedBytes.add(stored);
    compacted.increment();
    double ratio = logical == 0 ? 1 : stored / (double) logical;
    int i = 0;
    while (i < RATIO_BOUNDS.length && ratio > RATIO_BOUNDS[i]) {
      i++;
    }
    ratios[i].increment();
  }

  /** A value a codec left as it was, and why. */
  public void valueUncompressed(int bytes, int storedBytes, Uncompressed why) {
    logicalBytes.add(bytes);
    this.storedBytes.add(storedBytes);
    uncompressed[why.ordinal()].increment();
  }

  /** A command refused because of this rule's contract. */
  public void refused() {
    refused.increment();
  }

  /** String keys written. */
  public long writes() {
    return writes.sum();
  }

  public long logicalBytes() {
    return logicalBytes.sum();
  }

  public long storedBytes() {
    return storedBytes.sum();
  }

  /** Keys bucketed plus values stored compressed. */
  public long compacted() {
    return compacted.sum();
  }

  public long refusedCommands() {
    return refused.sum();
  }

  public long uncompressed(Uncompressed why) {
    return uncompressed[why.ordinal()].sum();
  }

  /** Compressed values whose ratio fell in bucket {@code i} (see {@link #RATIO_BOUNDS}). */
  public long ratioCount(int i) {
    return ratios[i].sum();
  }
}
