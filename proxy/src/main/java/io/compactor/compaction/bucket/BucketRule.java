package io.compactor.compaction.bucket;

import io.compactor.compaction.Glob;
import io.compactor.config.RuleConfig;
import java.nio.charset.StandardCharsets;
import java.util.zip.CRC32;

/**
 * Where a bucket rule stores a key: a pure function of the key and the rule's configuration (never of
 * the value or of the command), so every reader finds what any writer wrote.
 *
 * <p>The key's <em>variable part</em> is what remains after the pattern's literal prefix and suffix
 * ({@code 1155315} in {@code media:1155315} under {@code media:*}). A canonical decimal id below
 * 10^15 is split Instagram-style: bucket {@code id / n}, field {@code id % n}, so the field is a small
 * integer that a listpack stores in one or two bytes. Anything else goes to bucket
 * {@code crc32(part) % buckets} with the variable part itself as the field (kind {@code h}); with
 * {@code binary-ids}, a variable part that is lowercase hex of even length (kind {@code x}) or a lowercase
 * canonical UUID (kind {@code u}) is stored as its bytes, in the same bucket number of its own kind. The
 * kind letter in the bucket key says how its fields turn back into keys. The field holds only what the
 * bucket key does not already say.
 *
 * <p>Physical keys live under {@link #NAMESPACE}. Without a hash tag in the logical key the bucket's own
 * id is the tag ({@code __rc:b:{media:n11553}}); with one, the logical key's tag is kept
 * ({@code __rc:b:{user1}tags:h42}), so keys that share a tag still share a cluster slot. The overflow
 * key (values too long for a listpack) and the scratch key the scripts work in carry the same tag.
 */
public final class BucketRule {
  /** Prefix of every key the proxy creates; client commands naming such a key are refused. */
  public static final String NAMESPACE = "__rc:";
  static final byte[] NAMESPACE_BYTES = NAMESPACE.getBytes(StandardCharsets.US_ASCII);
  private static final long MAX_NUMERIC_ID = 999_999_999_999_999L;
  /** The longest hex variable part stored as bytes. */
  static final int MAX_HEX_ID = 64;
  private static final int UUID_LENGTH = 36;

  private final RuleConfig config;
  private final Glob glob;
  private final byte[] prefix;
  private final byte[] suffix;
  private final byte[] nameBytes;
  private final io.compactor.compaction.compress.CompressRule codec;
  private final io.compactor.compaction.RuleStats stats;

  public BucketRule(RuleConfig config) {
    this(config, null);
  }

  /** @param codec how the rule's values are compressed (null: stored as they are) */
  public BucketRule(RuleConfig config, io.compactor.compaction.compress.CompressRule codec) {
    this.config = config;
    this.codec = codec;
    this.glob = Glob.of(config.pattern());
    this.prefix = glob.literalPrefix();
    this.suffix = glob.literalSuffix();
    this.nameBytes = config.name().getBytes(StandardCharsets.US_ASCII);
    this.stats = codec != null ? codec.stats() : new io.compactor.compaction.RuleStats();
  }

  /** What the rule did with its writes (the same object as its codec's). */
  public io.compactor.compaction.RuleStats stats() {
    return stats;
  }

  public RuleConfig config() {
    return config;
  }

  /** How the rule's values are compressed, or null. */
  public io.compactor.compaction.compress.CompressRule codec() {
    return codec;
  }

  public String name() {
    return config.name();
  }

  public boolean matches(byte[] key) {
    return glob.matches(key);
  }

  /** The literal prefix and suffix, for scripts that turn a field back into its logical key. */
  byte[] prefix() {
    return prefix.clone();
  }

  byte[] suffix() {
    return suffix.clone();
  }

  /** The length of the field {@code key} (which this rule matches) is stored under, without placing it. */
  public int fieldLength(byte[] key) {
    long id = numericId(key, prefix.length, key.length - suffix.length);
    if (id < 0) {
      int n = key.length - prefix.length - suffix.length;
      byte binary = binaryKind(key, prefix.length, key.length - suffix.length);
      return binary == 'u' ? 16 : binary == 'x' ? n / 2 : n;
    }
    long f = id % config.fieldsPerBucket();
    return f < 10 ? 1 : f < 100 ? 2 : Long.toString(f).length();
  }

  /** Where {@code key} (which this rule matches) lives. */
  public Placement place(byte[] key) {
    int varStart = prefix.length;
    int varEnd = key.length - suffix.length;
    long id = numericId(key, varStart, varEnd);
    byte kind;
    long bucket;
    byte[] field;
    if (id >= 0) {
      kind = 'n';
      bucket = id / config.fieldsPerBucket();
      field = ascii(id % config.fieldsPerBucket());
    } else {
      CRC32 crc = new CRC32();
      crc.update(key, varStart, varEnd - varStart);
      bucket = crc.getValue() % config.buckets();
      byte binary = binaryKind(key, varStart, varEnd);
      if (binary != 0) {
        kind = binary;
        field = hexBytes(key, varStart, varEnd, binary);
      } else {
        kind = 'h';
        field = java.util.Arrays.copyOfRange(key, varStart, varEnd);
      }
    }
    // the part after "__rc:b:": {name:kN} or, keeping the key's hash tag, {tag}name:kN
    byte[] number = ascii(bucket);
    int tagEnd = hashTagEnd(key);
    int tagStart = tagEnd < 0 ? -1 : indexOf(key, (byte) '{') + 1;
    int idLen = nameBytes.length + 2 + number.length;
    int tagLen = tagStart < 0 ? 0 : tagEnd - tagStart;
    byte[] tail = new byte[2 + idLen + tagLen];
    int at = 0;
    tail[at++] = '{';
    if (tagStart >= 0) {
      System.arraycopy(key, tagStart, tail, at, tagLen);
      at += tagLen;
      tail[at++] = '}';
    }
    System.arraycopy(nameBytes, 0, tail, at, nameBytes.length);
    at += nameBytes.length;
    tail[at++] = ':';
    tail[at++] = kind;
    System.arraycopy(number, 0, tail, at, number.length);
    at += number.length;
    if (tagStart < 0) {
      tail[at] = '}';
    }
    return new Placement(this, key, field, tail, tagStart < 0 ? 1 : 1 + tagLen + 1, tagLen, kind);
  }

  /**
   * {@code 'x'} when {@code key[from, to)} is lowercase hex of even length up to {@link #MAX_HEX_ID},
   * {@code 'u'} when it is a lowercase canonical UUID (8-4-4-4-12), else 0; always 0 without
   * {@code binary-ids}.
   */
  byte binaryKind(byte[] key, int from, int to) {
    if (!config.binaryIds()) {
      return 0;
    }
    int n = to - from;
    if (n == UUID_LENGTH && isUuid(key, from)) {
      return 'u';
    }
    if (n < 2 || n > MAX_HEX_ID || n % 2 != 0) {
      return 0;
    }
    for (int i = from; i < to; i++) {
      if (hexDigit(key[i]) < 0) {
        return 0;
      }
    }
    return 'x';
  }

  private static boolean isUuid(byte[] key, int from) {
    for (int i = 0; i < UUID_LENGTH; i++) {
      boolean dash = i == 8 || i == 13 || i == 18 || i == 23;
      if (dash ? key[from + i] != '-' : hexDigit(key[from + i]) < 0) {
        return false;
      }
    }
    return true;
  }

  /** The bytes the hex digits of {@code key[from, to)} spell, dashes skipped. */
  private static byte[] hexBytes(byte[] key, int from, int to, byte kind) {
    byte[] out = new byte[kind == 'u' ? 16 : (to - from) / 2];
    int o = 0;
    for (int i = from; i < to; i++) {
      if (key[i] == '-') {
        continue;
      }
      out[o++] = (byte) (hexDigit(key[i]) << 4 | hexDigit(key[i + 1]));
      i++;
    }
    return out;
  }

  /** 0-15 for a lowercase hex digit, else -1. */
  private static int hexDigit(byte c) {
    if (c >= '0' && c <= '9') {
      return c - '0';
    }
    return c >= 'a' && c <= 'f' ? c - 'a' + 10 : -1;
  }

  private static byte[] ascii(long n) {
    return Long.toString(n).getBytes(StandardCharsets.US_ASCII);
  }

  /** The id when {@code key[from, to)} is a canonical decimal below 10^15, else -1. */
  static long numericId(byte[] key, int from, int to) {
    int n = to - from;
    if (n < 1 || n > 15 || (n > 1 && key[from] == '0')) {
      return -1;
    }
    long v = 0;
    for (int i = from; i < to; i++) {
      int d = key[i] - '0';
      if (d < 0 || d > 9) {
        return -1;
      }
      v = v * 10 + d;
    }
    return v <= MAX_NUMERIC_ID ? v : -1;
  }

  /** The hash tag as Redis Cluster reads it (between the first '{' and the next '}', non-empty), or null. */
  public static byte[] hashTag(byte[] key) {
    int end = hashTagEnd(key);
    return end < 0 ? null : java.util.Arrays.copyOfRange(key, indexOf(key, (byte) '{') + 1, end);
  }

  /** Where the hash tag ends (the index of its '}'), or -1 when the key has none. */
  private static int hashTagEnd(byte[] key) {
    int open = indexOf(key, (byte) '{');
    if (open < 0) {
      return -1;
    }
    for (int j = open + 1; j < key.length; j++) {
      if (key[j] == '}') {
        return j == open + 1 ? -1 : j;
      }
    }
    return -1;
  }

  private static int indexOf(byte[] key, byte b) {
    for (int i = 0; i < key.length; i++) {
      if (key[i] == b) {
        return i;
      }
    }
    return -1;
  }

  /** Whether {@code key} is in the proxy's reserved namespace. */
  public static boolean isReserved(byte[] key) {
    if (key.length < NAMESPACE_BYTES.length) {
      return false;
    }
    for (int i = 0; i < NAMESPACE_BYTES.length; i++) {
      if (key[i] != NAMESPACE_BYTES[i]) {
        return false;
      }
    }
    return true;
  }

  byte[] nameBytes() {
    return nameBytes.clone();
  }
}
