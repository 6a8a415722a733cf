package io.compactor.compaction.bucket;

import io.compactor.compaction.ReplyTransform;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
import java.nio.charset.StandardCharsets;

/**
 * The bucket script's field format ({@code bucket.lua}, "Field values"), read in Java: a GET sent as
 * part of a transaction of the proxy's ({@code HGET bucket field; GET overflow; [GET key]}, with Redis's
 * {@code TIME} at the transaction's start) is answered here as the script's GET would answer it.
 */
final class FieldValue {
  /** Expiries in the short forms count milliseconds from 2025-01-01T00:00:00Z. */
  static final long EPOCH = 1735689600000L;
  private static final byte[] NIL = "$-1\r\n".getBytes(StandardCharsets.US_ASCII);
  private static final byte[] BAD =
      "-ERR redis-compactor: unreadable bucket field (unknown envelope)\r\n".getBytes(StandardCharsets.US_ASCII);

  private FieldValue() {}

  /** The value and expiry (0: none) a field holds; {@code value} null when the envelope is not understood. */
  record Unwrapped(byte[] value, long expiresAt) {}

  /** As the script's {@code unwrap}: what field {@code s} holds. */
  static Unwrapped unwrap(byte[] s) {
    int m = s.length == 0 ? -1 : s[0] & 0xFF;
    if (m < 0xFD) {
      return new Unwrapped(s, 0);
    }
    if (m == 0xFE && s.length >= 6) {
      return new Unwrapped(java.util.Arrays.copyOfRange(s, 6, s.length), EPOCH + unbe(s, 1, 6));
    }
    if (m == 0xFD && s.length >= 7) {
      long z = unbe(s, 6, s.length);
      long n = (z & 1) == 0 ? z >>> 1 : -((z + 1) >>> 1);
      return new Unwrapped(Long.toString(n).getBytes(StandardCharsets.US_ASCII), EPOCH + unbe(s, 1, 6));
    }
    if (m == 0xFF && s.length >= 2) {
      if (s[1] == 0) {
        return new Unwrapped(java.util.Arrays.copyOfRange(s, 2, s.length), 0);
      }
      if (s[1] == 1 && s.length >= 8) {
        return new Unwrapped(java.util.Arrays.copyOfRange(s, 8, s.length), unbe(s, 2, 8));
      }
    }
    return new Unwrapped(null, 0);
  }

  /** Big-endian unsigned integer in {@code s[from, to)} (at most 7 bytes: 0xFD's integers are below 2^54). */
  private static long unbe(byte[] s, int from, int to) {
    long x = 0;
    for (int i = from; i < to; i++) {
      x = x << 8 | (s[i] & 0xFF);
    }
    return x;
  }

  /**
   * The reader of a GET's three (with legacy reads) or two replies, {@code HGET}, {@code GET} of the
   * overflow key and of the logical key, with {@code TIME}'s reply at {@code leading}: the field's value
   * unless it expired, else the overflow key's, else the plain key's (its error too: WRONGTYPE).
   */
  static final ReplyTransform.Elements GET = FieldValue::getReply;

  private static ByteBuf getReply(ByteBuf frame, int[] starts, int[] lengths, int from, int count, int leading,
      ByteBufAllocator alloc) {
    int hget = starts[from];
    if (!isNil(frame, hget)) {
      byte type = frame.getByte(hget);
      if (type != '$') {
        return frame.retainedSlice(hget, lengths[from]); // an error (a bucket that is not a hash) as it is
      }
      int header = frame.indexOf(hget, hget + lengths[from], (byte) '\n') + 1;
      int len = lengths[from] - (header - hget) - 2;
      if (len == 0 || (frame.getByte(header) & 0xFF) < 0xFD) {
        return frame.retainedSlice(hget, lengths[from]); // the value itself
      }
      byte[] field = new byte[len];
      frame.getBytes(header, field);
      Unwrapped u = unwrap(field);
      if (u.value() == null) {
        return alloc.buffer(BAD.length).writeBytes(BAD);
      }
      long now = u.expiresAt() > 0 ? nowMillis(frame, starts[leading], lengths[leading]) : 0;
      if (now < 0) {
        return errorLine(alloc, "-ERR redis-compactor: TIME answered "
            + frame.toString(starts[leading], lengths[leading], StandardCharsets.US_ASCII).trim().replace("\r\n", " "));
      }
      if (u.expiresAt() > 0 && u.expiresAt() <= now) {
        return alloc.buffer(NIL.length).writeBytes(NIL); // expired: missing (the reaper deletes it)
      }
      byte[] n = Integer.toString(u.value().length).getBytes(StandardCharsets.US_ASCII);
      return alloc.buffer(n.length + u.value().length + 5).writeByte('$').writeBytes(n).writeByte('\r')
          .writeByte('\n').writeBytes(u.value()).writeByte('\r').writeByte('\n');
    }
    if (!isNil(frame, starts[from + 1]) || count > 2) {
      int r = isNil(frame, starts[from + 1]) ? from + 2 : from + 1;
      return frame.retainedSlice(starts[r], lengths[r]);
    }
    return alloc.buffer(NIL.length).writeBytes(NIL);
  }

  private static boolean isNil(ByteBuf frame, int at) {
    return frame.getByte(at) == '$' && frame.getByte(at + 1) == '-';
  }

  /** Milliseconds from {@code TIME}'s reply ({@code *2 $n seconds $n microseconds}); -1 for any other reply. */
  static long nowMillis(ByteBuf frame, int at, int len) {
    String[] parts = frame.toString(at, len, StandardCharsets.US_ASCII).split("\r\n");
    try {
      return parts.length >= 5 && parts[0].equals("*2")
          ? Long.parseLong(parts[2]) * 1000 + Long.parseLong(parts[4]) / 1000 : -1;
    } catch (NumberFormatException e) {
      return -1;
    }
  }

  private static ByteBuf errorLine(ByteBufAllocator alloc, String line) {
    byte[] b = (line.length() > 200 ? line.substring(0, 200) : line).concat("\r\n").getBytes(StandardCharsets.US_ASCII);
    return alloc.buffer(b.length).writeBytes(b);
  }
}
