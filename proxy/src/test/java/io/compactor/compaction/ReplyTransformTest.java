package io.compactor.compaction;

import static org.assertj.core.api.Assertions.assertThat;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
import io.netty.buffer.Unpooled;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import org.junit.jupiter.api.Test;

class ReplyTransformTest {
  private static final ByteBufAllocator ALLOC = ByteBufAllocator.DEFAULT;

  private static String apply(ReplyTransform t, String frame) {
    ByteBuf in = Unpooled.copiedBuffer(frame, StandardCharsets.ISO_8859_1);
    ByteBuf out = t.apply(in, ALLOC);
    try {
      return out.toString(StandardCharsets.ISO_8859_1);
    } finally {
      out.release();
      in.release();
    }
  }

  @Test
  void bulkToInteger_digitsBecomeAnInteger() {
    assertThat(apply(ReplyTransform.BULK_TO_INTEGER, "$19\r\n9223372036854775807\r\n"))
        .isEqualTo(":9223372036854775807\r\n");
    assertThat(apply(ReplyTransform.BULK_TO_INTEGER, "$2\r\n-1\r\n")).isEqualTo(":-1\r\n");
  }

  @Test
  void bulkToInteger_errorsPassUnchanged() {
    String error = "-ERR value is not an integer or out of range\r\n";
    assertThat(apply(ReplyTransform.BULK_TO_INTEGER, error)).isEqualTo(error);
    assertThat(apply(ReplyTransform.BULK_TO_INTEGER, "+QUEUED\r\n")).isEqualTo("+QUEUED\r\n");
  }

  @Test
  void exec_transformsOnlyTheMarkedElements() {
    ReplyTransform exec = ReplyTransform.exec(Arrays.asList(null, ReplyTransform.BULK_TO_INTEGER, null,
        ReplyTransform.BULK_TO_INTEGER));
    String reply = "*4\r\n+OK\r\n$2\r\n42\r\n*2\r\n$1\r\na\r\n$-1\r\n-ERR bad\r\n";
    assertThat(apply(exec, reply)).isEqualTo("*4\r\n+OK\r\n:42\r\n*2\r\n$1\r\na\r\n$-1\r\n-ERR bad\r\n");
  }

  @Test
  void exec_abortedOrFailedTransactionsPassUnchanged() {
    ReplyTransform exec = ReplyTransform.exec(Arrays.asList(ReplyTransform.BULK_TO_INTEGER));
    assertThat(apply(exec, "*-1\r\n")).isEqualTo("*-1\r\n");
    assertThat(apply(exec, "_\r\n")).isEqualTo("_\r\n");
    String abort = "-EXECABORT Transaction discarded because of previous errors.\r\n";
    assertThat(apply(exec, abort)).isEqualTo(abort);
  }
}
