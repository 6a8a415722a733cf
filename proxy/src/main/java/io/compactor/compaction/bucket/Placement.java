package io.compactor.compaction.bucket;

import io.compactor.resp.Bytes;
import java.nio.charset.StandardCharsets;

/**
 * Where one logical key of a bucket rule lives: the bucket (a hash) and field holding its value, the
 * overflow key holding a value too long for the bucket's listpack, and the scratch key the scripts run
 * string commands on, all in the same cluster slot. The physical key names are built on first use.
 */
public final class Placement {
  private static final byte[] BUCKET = (BucketRule.NAMESPACE + "b:").getBytes(StandardCharsets.US_ASCII);
  private static final byte[] OVERFLOW = (BucketRule.NAMESPACE + "o:").getBytes(StandardCharsets.US_ASCII);
  private static final byte[] SCRATCH = (BucketRule.NAMESPACE + "s:{").getBytes(StandardCharsets.US_ASCII);
  private static final byte[] COLON = {':'};
  private static final byte[] CLOSE = {'}'};

  private final BucketRule rule;
  private final byte[] key;
  private final byte[] field;
  /** {@code {name:kN}} or {@code {tag}name:kN}: what follows the namespace and kind in every key. */
  private final byte[] tail;
  private final int idStart;
  private final int tagLength;
  /** The bucket's kind: n (numeric id), h (text), x or u (an id's bytes, binary-ids). */
  private final byte kind;
  private byte[] bucket;

  Placement(BucketRule rule, byte[] key, byte[] field, byte[] tail, int idStart, int tagLength, byte kind) {
    this.rule = rule;
    this.kind = kind;
    this.key = key;
    this.field = field;
    this.tail = tail;
    this.idStart = idStart;
    this.tagLength = tagLength;
  }

  /** The rule that owns the key. */
  public BucketRule rule() {
    return rule;
  }

  /** The logical key (also where a value written before the rule existed is found). */
  public byte[] key() {
    return key;
  }

  /** The field within {@link #bucket()}. */
  public byte[] field() {
    return field;
  }

  /** Whether {@link #field()} is the bytes a hex or UUID id spells (binary-ids), not text. */
  public boolean fieldIsIdBytes() {
    return kind == 'x' || kind == 'u';
  }

  /** The hash holding the value as a field. */
  public byte[] bucket() {
    if (bucket == null) {
      bucket = Bytes.concat(BUCKET, tail);
    }
    return bucket;
  }

  /** The string key holding a value too long for the bucket's listpack. */
  public byte[] overflow() {
    return Bytes.concat(OVERFLOW, tail, COLON, field);
  }

  /** The key the scripts run string commands on, in the bucket's slot. */
  public byte[] scratch() {
    if (tagLength > 0) {
      return Bytes.concat(SCRATCH, java.util.Arrays.copyOfRange(tail, 1, 1 + tagLength), CLOSE);
    }
    return Bytes.concat(SCRATCH, java.util.Arrays.copyOfRange(tail, idStart, tail.length - 1), CLOSE);
  }
}
