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
}
