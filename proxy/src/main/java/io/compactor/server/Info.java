package io.compactor.server;

import io.compactor.compaction.ReplyTransform;
import io.compactor.metrics.ProxyMetrics;
import io.compactor.metrics.Reports;
import io.compactor.resp.Command;
import io.netty.buffer.ByteBuf;
import java.nio.charset.StandardCharsets;

/**
 * {@code INFO} through the proxy gains a {@code # Compactor} section: for {@code INFO} alone and for
 * {@code INFO compactor|default|all|everything} (Redis 7's several-sections form included). Redis's own
 * reply comes first, byte for byte; the section is appended to the bulk (or RESP3 verbatim) string.
 * Not inside MULTI (the reply would be an element of EXEC's).
 */
final class Info {
  private static final byte[][] SECTIONS = {bytes("COMPACTOR"), bytes("DEFAULT"), bytes("ALL"), bytes("EVERYTHING")};

  private Info() {}

  static boolean wantsSection(Command c) {
    if (c.argc() == 1) {
      return true;
    }
    for (int i = 1; i < c.argc(); i++) {
      for (byte[] s : SECTIONS) {
        if (c.argEqualsIgnoreCase(i, s)) {
          return true;
        }
      }
    }
    return false;
  }

  /** Appends the section to a bulk or verbatim string reply; anything else (an error) passes as is. */
  static ReplyTransform appending(ProxyMetrics metrics) {
    return (frame, alloc) -> {
      int r = frame.readerIndex();
      byte type = frame.readableBytes() > 0 ? frame.getByte(r) : 0;
      int eol = frame.indexOf(r, frame.writerIndex(), (byte) '\r');
      if ((type != '$' && type != '=') || eol < 0 || frame.getByte(r + 1) == '-') {
        return frame.retainedDuplicate();
      }
      int bodyStart = eol + 2;
      int bodyEnd = frame.writerIndex() - 2;
      String section;
      try {
        section = Reports.info(metrics);
      } catch (RuntimeException e) {
        return frame.retainedDuplicate(); // metrics never fail a command
      }
      boolean empty = bodyEnd - bodyStart <= (type == '=' ? 4 : 0);
      byte[] add = ((empty ? "" : "\r\n") + section).getBytes(StandardCharsets.US_ASCII);
      int length = bodyEnd - bodyStart + add.length;
      ByteBuf out = alloc.buffer(length + 16);
      out.writeByte(type);
      out.writeCharSequence(Integer.toString(length), StandardCharsets.US_ASCII);
      out.writeBytes(frame, eol, 2);
      out.writeBytes(frame, bodyStart, bodyEnd - bodyStart);
      out.writeBytes(add);
      out.writeCharSequence("\r\n", StandardCharsets.US_ASCII);
      return out;
    };
  }

  private static byte[] bytes(String s) {
    return s.getBytes(StandardCharsets.US_ASCII);
  }
}
