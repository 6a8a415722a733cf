package io.compactor.compaction.bucket;

import static org.assertj.core.api.Assertions.assertThat;

import io.compactor.compaction.ReplyTransform;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
import io.netty.buffer.Unpooled;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;

/** The field format as bucket.lua writes it, read in Java (the transactions' GETs). */
class FieldValueTest {
  private static byte[] bytes(int... b) {
    byte[] out = new byte[b.length];
    for (int i = 0; i < b.length; i++) {
      out[i] = (byte) b[i];
    }
    return out;
  }

  private static byte[] concat(byte[] a, String b) {
    byte[] s = b.getBytes(StandardCharsets.ISO_8859_1);
    byte[] out = java.util.Arrays.copyOf(a, a.length + s.length);
    System.arraycopy(s, 0, out, a.length, s.length);
    return out;
  }

  @Test
  void unwrap_everyForm() {
    assertThat(FieldValue.unwrap("plain".getBytes(StandardCharsets.US_ASCII)).value()).asString().isEqualTo("plain");
    assertThat(FieldValue.unwrap(new byte[0]).value()).isEmpty();
    // 0xFE: 5 bytes of milliseconds since 2025-01-01, then the value
    FieldValue.Unwrapped fe = FieldValue.unwrap(concat(bytes(0xFE, 0, 0, 0, 1, 0), "v"));
    assertThat(fe.value()).asString().isEqualTo("v");
    assertThat(fe.expiresAt()).isEqualTo(FieldValue.EPOCH + 256);
    // 0xFD: the expiry, then an integer in zigzag: 5 -> 10, -3 -> 5
    assertThat(FieldValue.unwrap(bytes(0xFD, 0, 0, 0, 0, 7, 10)).value()).asString().isEqualTo("5");
    assertThat(FieldValue.unwrap(bytes(0xFD, 0, 0, 0, 0, 7, 5)).value()).asString().isEqualTo("-3");
    assertThat(FieldValue.unwrap(bytes(0xFD, 0, 0, 0, 0, 7, 0)).value()).asString().isEqualTo("0");
    // 2^53 - 1, the largest integer the script packs: zigzag 2^54 - 2 in 7 bytes
    assertThat(FieldValue.unwrap(bytes(0xFD, 0, 0, 0, 0, 7, 0x3F, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFE)).value())
        .asString().isEqualTo("9007199254740991");
    // 0xFF 0: a value that itself starts with 0xFD..0xFF; 0xFF 1: 6 bytes of Unix milliseconds
    assertThat(FieldValue.unwrap(concat(bytes(0xFF, 0, 0xFE), "x")).value()).isEqualTo(concat(bytes(0xFE), "x"));
    FieldValue.Unwrapped far = FieldValue.unwrap(concat(bytes(0xFF, 1, 0, 0, 0, 0, 1, 0), "w"));
    assertThat(far.value()).asString().isEqualTo("w");
    assertThat(far.expiresAt()).isEqualTo(256);
    // not understood: as the script, an error for the client
    assertThat(FieldValue.unwrap(bytes(0xFF, 2, 1)).value()).isNull();
    assertThat(FieldValue.unwrap(bytes(0xFE, 0, 0)).value()).isNull();
    assertThat(FieldValue.unwrap(bytes(0xFF)).value()).isNull();
  }

  private static String get(String time, String hget, String getOverflow, String getKey) {
    String replies = time + hget + getOverflow + (getKey == null ? "" : getKey);
    ByteBuf frame = Unpooled.copiedBuffer(replies, StandardCharsets.ISO_8859_1);
    ReplyTransform.Replies r = ReplyTransform.Replies.parse(frame, 0, frame.writerIndex());
    ByteBuf out = FieldValue.GET.reply(frame, r.starts(), r.lengths(), 1, getKey == null ? 2 : 3, 0, ByteBufAllocator.DEFAULT);
    try {
      return out.toString(StandardCharsets.ISO_8859_1);
    } finally {
      out.release();
      frame.release();
    }
  }

  @Test
  void get_fieldThenOverflowThenPlainKey() {
    String time = "*2\r\n$10\r\n1767225600\r\n$6\r\n000500\r\n"; // 2026-01-01T00:00:00.000500Z
    String nil = "$-1\r\n";
    assertThat(get(time, "$1\r\nv\r\n", nil, nil)).isEqualTo("$1\r\nv\r\n");
    assertThat(get(time, nil, "$2\r\nov\r\n", nil)).isEqualTo("$2\r\nov\r\n");
    assertThat(get(time, nil, nil, "$6\r\nlegacy\r\n")).isEqualTo("$6\r\nlegacy\r\n");
    String wrongType = "-WRONGTYPE Operation against a key holding the wrong kind of value\r\n";
    assertThat(get(time, nil, nil, wrongType)).isEqualTo(wrongType);
    assertThat(get(time, nil, nil, nil)).isEqualTo(nil);
    assertThat(get(time, nil, nil, null)).as("without legacy reads").isEqualTo(nil);
    // expiring a millisecond after the transaction's TIME, and at it
    long now = 1767225600000L;
    String later = "$7\r\n" + new String(concat(be(now + 1 - FieldValue.EPOCH), "v"), StandardCharsets.ISO_8859_1) + "\r\n";
    String expired = "$7\r\n" + new String(concat(be(now - FieldValue.EPOCH), "v"), StandardCharsets.ISO_8859_1) + "\r\n";
    assertThat(get(time, later, nil, nil)).isEqualTo("$1\r\nv\r\n");
    assertThat(get(time, expired, "$2\r\nov\r\n", nil)).as("an expired field is missing, whatever else exists").isEqualTo(nil);
    assertThat(get(time, "$3\r\n\u00ff\u0002x\r\n", nil, nil)).startsWith("-ERR redis-compactor: unreadable bucket field");
    assertThat(get("-NOPERM no TIME for you\r\n", later, nil, nil)).startsWith("-ERR redis-compactor: TIME answered -NOPERM");
  }

  private static byte[] be(long rel) {
    return bytes(0xFE, (int) (rel >>> 32) & 0xFF, (int) (rel >>> 24) & 0xFF, (int) (rel >>> 16) & 0xFF,
        (int) (rel >>> 8) & 0xFF, (int) rel & 0xFF);
  }
}
