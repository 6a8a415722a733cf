package io.compactor.resp;

import static org.assertj.core.api.Assertions.assertThat;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;

class CommandTest {
  @Test
  void writeDecimal_sameDigitsAsLongToString() {
    long[] values = {0, 1, 9, 10, 11, 99, 100, 101, 999, 1000, 12345, 65536, Integer.MAX_VALUE,
        (long) Integer.MAX_VALUE + 1, 999_999_999_999L, Long.MAX_VALUE, -1, -10, Long.MIN_VALUE};
    for (long v : values) {
      ByteBuf buf = Unpooled.buffer(1); // grows
      buf.writeByte('x');
      Command.writeDecimal(buf, v);
      assertThat(buf.toString(StandardCharsets.US_ASCII)).isEqualTo("x" + v);
      buf.release();
    }
  }

  @Test
  void of_encodesRespMultibulk() {
    Command c = Command.of(io.netty.buffer.ByteBufAllocator.DEFAULT, "SET", "k", "v".repeat(10));
    try {
      assertThat(c.argc()).isEqualTo(3);
      assertThat(new String(c.arg(2), StandardCharsets.US_ASCII)).isEqualTo("vvvvvvvvvv");
    } finally {
      c.release();
    }
  }

  @Test
  void of_smallAndLargeFrames_sameEncodingAndArguments() {
    for (int len : new int[] {0, 1, 9, 10, 99, 100, 900, 1000, 1020, 5000}) {
      byte[] v = new byte[len];
      for (int i = 0; i < len; i++) {
        v[i] = (byte) ('a' + i % 26);
      }
      byte[][] args = {"SET".getBytes(StandardCharsets.US_ASCII), "key:1".getBytes(StandardCharsets.US_ASCII), v};
      Command c = Command.of(io.netty.buffer.ByteBufAllocator.DEFAULT, args);
      try {
        String expected = "*3\r\n$3\r\nSET\r\n$5\r\nkey:1\r\n$" + len + "\r\n"
            + new String(v, StandardCharsets.US_ASCII) + "\r\n";
        assertThat(c.buffer().toString(c.start(), c.length(), StandardCharsets.US_ASCII)).isEqualTo(expected);
        assertThat(c.arg(2)).isEqualTo(v);
        assertThat(c.arg(1)).isEqualTo(args[1]);
      } finally {
        c.release();
      }
    }
  }

  @Test
  void sequence_holdsEveryCommand_argumentsAreTheFirsts() {
    Command c = Command.sequence(io.netty.buffer.ByteBufAllocator.DEFAULT,
        new byte[][] {"MULTI".getBytes(StandardCharsets.US_ASCII)},
        new byte[][] {"HSET".getBytes(StandardCharsets.US_ASCII), "b".getBytes(StandardCharsets.US_ASCII),
            "f".getBytes(StandardCharsets.US_ASCII), "x".repeat(2000).getBytes(StandardCharsets.US_ASCII)},
        new byte[][] {"EXEC".getBytes(StandardCharsets.US_ASCII)});
    try {
      assertThat(c.argc()).isEqualTo(1);
      assertThat(new String(c.arg(0), StandardCharsets.US_ASCII)).isEqualTo("MULTI");
      assertThat(c.buffer().toString(c.start(), c.length(), StandardCharsets.US_ASCII)).isEqualTo(
          "*1\r\n$5\r\nMULTI\r\n*4\r\n$4\r\nHSET\r\n$1\r\nb\r\n$1\r\nf\r\n$2000\r\n" + "x".repeat(2000)
              + "\r\n*1\r\n$4\r\nEXEC\r\n");
    } finally {
      c.release();
    }
  }
}
