package io.compactor.loadtest.dataset;

import java.nio.charset.StandardCharsets;

/**
 * One logical key the load driver writes: {@code SET key value [EX ttlSeconds]}, then, for counters,
 * {@code INCRBY key incrBy}.
 *
 * @param ttlSeconds expiry in seconds, or 0 for none
 * @param incrBy amount added by INCRBY after the SET, or 0 for no INCRBY (counters only)
 */
public record Entry(byte[] key, byte[] value, long ttlSeconds, long incrBy) {
  /** The value a reader must see after the entry was written. */
  public byte[] expectedValue() {
    if (incrBy == 0) {
      return value;
    }
    long n = Long.parseLong(new String(value, StandardCharsets.US_ASCII));
    return Long.toString(n + incrBy).getBytes(StandardCharsets.US_ASCII);
  }

  /** Key plus value bytes as the client sent them: the logical size. */
  public long logicalBytes() {
    return key.length + value.length;
  }
}
