package io.compactor.config;

import java.util.regex.Pattern;

/**
 * One compaction rule: keys matching {@code pattern} (Redis glob syntax) are stored by {@code strategy}.
 * Rules are tried in order and the first match wins.
 *
 * <p>The rule's name, pattern, {@code fieldsPerBucket}, {@code buckets} and {@code binaryIds} decide where a key's value
 * lives in Redis: they are part of the stored data's format, so changing one of them on a rule that
 * already holds data makes that data unreachable (see config/README.md, "Bucket rules").
 *
 * @param name short identifier, part of every bucket key ({@code [A-Za-z0-9_-]}, 1–32 characters)
 * @param pattern the keys this rule owns, Redis glob syntax
 * @param strategy how matching keys are stored
 * @param fieldsPerBucket numeric ids: fields per bucket (id / n is the bucket, id % n the field)
 * @param buckets other keys: number of buckets a stable hash spreads them over
 * @param legacyReads whether a key missing from its bucket is also looked up as a plain string key
 *     written before the rule existed (one extra lookup per miss; turn off once migrated)
 * @param compression how values are compressed; required for {@code strategy: compress}, optional for
 *     bucket rules (then fields hold compressed values)
 * @param binaryIds bucket rules: a variable part that is lowercase hex of even length (up to 64
 *     characters) or a lowercase canonical UUID is stored as its bytes, half as long a field
 */
public record RuleConfig(String name, String pattern, Strategy strategy, int fieldsPerBucket, int buckets,
    boolean legacyReads, Compression compression, boolean binaryIds) {

  /** How a rule stores its keys. */
  public enum Strategy {
    /** Small strings as fields of bucketed hashes. */
    BUCKET,
    /** String values compressed in place, under their own key. */
    COMPRESS
  }

  /** The codecs a rule may name (see io.compactor.codec.CodecKind). */
  public static final java.util.List<String> CODECS =
      java.util.List.of("lz4", "zstd", "zstd-dict", "msgpack", "msgpack+zstd-dict", "fsst", "json", "auto");

  /**
   * How a rule's values are compressed.
   *
   * @param codec one of {@link #CODECS}
   * @param level zstd's compression level (1..19)
   * @param minSize values shorter than this are stored as they are
   * @param dictionarySize bytes of a trained zstd dictionary
   * @param trainAfter values sampled before the first dictionary is trained
   * @param autoMinMbPerSecond {@code auto}'s speed budget: a candidate encoding at this many MB/s or faster qualifies
   * @param autoMaxMicrosPerValue {@code auto}'s other speed budget: so does one taking at most this long per value
   */
  public record Compression(String codec, int level, int minSize, int dictionarySize, int trainAfter,
      double autoMinMbPerSecond, double autoMaxMicrosPerValue) {
    public static final int DEFAULT_LEVEL = 3;
    public static final int DEFAULT_MIN_SIZE = 32;
    /** fsst's default (and auto's, which may choose fsst): its codes pay off on values far shorter than zstd's frames do. */
    public static final int DEFAULT_MIN_SIZE_FSST = 8;
    public static final int DEFAULT_DICTIONARY_SIZE = 64 * 1024;
    public static final int DEFAULT_TRAIN_AFTER = 1000;
    /** Encode speed below which {@code auto} does not pick a codec by default, MB/s of values. */
    public static final double DEFAULT_AUTO_MIN_MB_PER_SECOND = 50;
    /** ... unless it takes at most this many µs per value: for short values the cost per value is what counts. */
    public static final double DEFAULT_AUTO_MAX_MICROS_PER_VALUE = 1;

    public Compression {
      if (codec == null || !CODECS.contains(codec)) {
        throw new IllegalArgumentException("codec: '" + codec + "' (expected one of: " + String.join(", ", CODECS) + ")");
      }
      if (level < 1 || level > 19) {
        throw new IllegalArgumentException("level: " + level + " (expected: 1..19)");
      }
      if (minSize < 0) {
        throw new IllegalArgumentException("min-size: " + minSize + " (expected: >= 0)");
      }
      if (dictionarySize < 1024 || dictionarySize > 1 << 20) {
        throw new IllegalArgumentException("dictionary-size: " + dictionarySize + " (expected: 1024..1048576)");
      }
      if (trainAfter < 100 || trainAfter > 100_000) {
        throw new IllegalArgumentException("train-after: " + trainAfter + " (expected: 100..100000)");
      }
      if (!(autoMinMbPerSecond >= 0 && autoMinMbPerSecond <= 1e6)) {
        throw new IllegalArgumentException("auto-min-mb-per-second: " + autoMinMbPerSecond + " (expected: 0..1000000)");
      }
      if (!(autoMaxMicrosPerValue >= 0 && autoMaxMicrosPerValue <= 1e6)) {
        throw new IllegalArgumentException("auto-max-micros-per-value: " + autoMaxMicrosPerValue
            + " (expected: 0..1000000)");
      }
    }

    /** {@code codec} with every other setting at its default. */
    public static Compression of(String codec) {
      return new Compression(codec, DEFAULT_LEVEL, defaultMinSize(codec), DEFAULT_DICTIONARY_SIZE, DEFAULT_TRAIN_AFTER,
          DEFAULT_AUTO_MIN_MB_PER_SECOND, DEFAULT_AUTO_MAX_MICROS_PER_VALUE);
    }

    /** The default {@code min-size} for {@code codec} ({@code auto} may choose fsst). */
    public static int defaultMinSize(String codec) {
      return "fsst".equals(codec) || "auto".equals(codec) ? DEFAULT_MIN_SIZE_FSST : DEFAULT_MIN_SIZE;
    }
  }

  private static final Pattern NAME = Pattern.compile("[A-Za-z0-9_-]{1,32}");

  public static final int DEFAULT_FIELDS_PER_BUCKET = 128;
  public static final int DEFAULT_BUCKETS = 16384;

  public RuleConfig {
    if (name == null || !NAME.matcher(name).matches()) {
      throw new IllegalArgumentException("name: '" + name + "' (expected: 1-32 of A-Z a-z 0-9 _ -)");
    }
    if (pattern == null || pattern.isEmpty()) {
      throw new IllegalArgumentException("pattern: '' (expected: a Redis glob such as user:*)");
    }
    if (strategy == null) {
      throw new IllegalArgumentException("strategy: missing (expected: bucket or compress)");
    }
    if (fieldsPerBucket < 2 || fieldsPerBucket > 65536) {
      throw new IllegalArgumentException("fields-per-bucket: " + fieldsPerBucket + " (expected: 2..65536)");
    }
    if (buckets < 1 || buckets > (1 << 30)) {
      throw new IllegalArgumentException("buckets: " + buckets + " (expected: 1..1073741824)");
    }
    if (strategy == Strategy.COMPRESS && binaryIds) {
      throw new IllegalArgumentException("binary-ids: set on a compress rule (expected: only on bucket rules)");
    }
    if (strategy == Strategy.COMPRESS && compression == null) {
      throw new IllegalArgumentException("codec: missing (expected one of: " + String.join(", ", CODECS) + ")");
    }
  }

  public RuleConfig(String name, String pattern, Strategy strategy, int fieldsPerBucket, int buckets,
      boolean legacyReads) {
    this(name, pattern, strategy, fieldsPerBucket, buckets, legacyReads, null, false);
  }

  /** Without binary ids. */
  public RuleConfig(String name, String pattern, Strategy strategy, int fieldsPerBucket, int buckets,
      boolean legacyReads, Compression compression) {
    this(name, pattern, strategy, fieldsPerBucket, buckets, legacyReads, compression, false);
  }

  /** A compression rule: {@code codec} with default settings. */
  public static RuleConfig compress(String name, String pattern, String codec) {
    return new RuleConfig(name, pattern, Strategy.COMPRESS, DEFAULT_FIELDS_PER_BUCKET, DEFAULT_BUCKETS, false,
        Compression.of(codec));
  }

  /** A bucket rule with default sizes. */
  public static RuleConfig bucket(String name, String pattern) {
    return new RuleConfig(name, pattern, Strategy.BUCKET, DEFAULT_FIELDS_PER_BUCKET, DEFAULT_BUCKETS, true);
  }
}
