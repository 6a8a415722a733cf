package io.compactor.config;

import java.util.regex.Pattern;

/**
 * One compaction rule: keys matching {@code pattern} (Redis glob syntax) are stored by {@code strategy}.
 * Rules are tried in order and the first match wins.
 *
 * <p>The rule's name, pattern, {@code fieldsPerBucket} and {@code buckets} decide where a key's value
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
 */
public record RuleConfig(
    String name, String pattern, Strategy strategy, int fieldsPerBucket, int buckets, boolean legacyReads) {

  /** How a rule stores its keys. */
  public enum Strategy {
    /** Small strings as fields of bucketed hashes. */
    BUCKET
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
      throw new IllegalArgumentException("strategy: missing (expected: bucket)");
    }
    if (fieldsPerBucket < 2 || fieldsPerBucket > 65536) {
      throw new IllegalArgumentException("fields-per-bucket: " + fieldsPerBucket + " (expected: 2..65536)");
    }
    if (buckets < 1 || buckets > (1 << 30)) {
      throw new IllegalArgumentException("buckets: " + buckets + " (expected: 1..1073741824)");
    }
  }

  /** A bucket rule with default sizes. */
  public static RuleConfig bucket(String name, String pattern) {
    return new RuleConfig(name, pattern, Strategy.BUCKET, DEFAULT_FIELDS_PER_BUCKET, DEFAULT_BUCKETS, true);
  }
}
