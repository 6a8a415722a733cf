package io.compactor.compaction;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
import java.nio.charset.StandardCharsets;

/**
 * Rewrites one whole reply frame from Redis into the reply the client is owed, for the few replies a
 * script cannot produce itself (Lua numbers are doubles, so an integer beyond 2^53 has to travel as a
 * bulk string and become an integer here). Frames are small: the proxy gathers one whole before applying.
 */
public interface ReplyTransform {
  /** The client's reply for {@code frame} (one complete RESP reply). Does not release {@code frame}. */
  ByteBuf apply(ByteBuf frame, ByteBufAllocator alloc);

  /** A bulk string of decimal digits becomes an integer reply; anything else (an error) passes as is. */
  ReplyTransform BULK_TO_INTEGER = (frame, alloc) -> {
    if (frame.readableBytes() < 4 || frame.getByte(frame.readerIndex()) != '$') {
      return frame.retainedDuplicate();
    }
    int headerEnd = frame.indexOf(frame.readerIndex(), frame.writerIndex(), (byte) '\r');
    int bodyStart = headerEnd + 2;
    int bodyEnd = frame.writerIndex() - 2;
    if (headerEnd < 0 || bodyEnd < bodyStart) {
      return frame.retainedDuplicate();
    }
    ByteBuf out = alloc.buffer(bodyEnd - bodyStart + 3);
    out.writeByte(':');
    out.writeBytes(frame, bodyStart, bodyEnd - bodyStart);
    out.writeCharSequence("\r\n", StandardCharsets.US_ASCII);
    return out;
  };

  /**
   * For a run of {@code n} commands sent as one script call: the reply array's elements, one after the
   * other, are the commands' replies. A reply that is not an array (an error before the script ran, such
   * as NOSCRIPT or BUSY) is what each of the commands would have got: it is repeated {@code n} times.
   */
  static ReplyTransform splitArray(int n) {
    return (frame, alloc) -> {
      int r = frame.readerIndex();
      if (frame.readableBytes() > 0 && frame.getByte(r) == '*') {
        int headerEnd = frame.indexOf(r, frame.writerIndex(), (byte) '\n') + 1;
        return frame.retainedSlice(headerEnd, frame.writerIndex() - headerEnd);
      }
      ByteBuf out = alloc.buffer(frame.readableBytes() * n);
      for (int i = 0; i < n; i++) {
        out.writeBytes(frame, r, frame.readableBytes());
      }
      return out;
    };
  }

  /**
   * For EXEC: applies {@code perCommand.get(i)} (null: none) to element i of the reply array; a null
   * array (a WATCH abort) or an error passes as is.
   */
  static ReplyTransform exec(java.util.List<ReplyTransform> perCommand) {
    return (frame, alloc) -> {
      int r = frame.readerIndex();
      byte type = frame.readableBytes() > 0 ? frame.getByte(r) : 0;
      if (type != '*' && type != '~') {
        return frame.retainedDuplicate();
      }
      int headerEnd = frame.indexOf(r, frame.writerIndex(), (byte) '\n') + 1;
      io.netty.buffer.CompositeByteBuf out = alloc.compositeBuffer();
      out.addComponent(true, frame.retainedSlice(r, headerEnd - r));
      int at = headerEnd;
      for (int i = 0; at < frame.writerIndex(); i++) {
        ByteBuf rest = frame.slice(at, frame.writerIndex() - at);
        io.compactor.resp.ReplyScanner scanner = new io.compactor.resp.ReplyScanner();
        boolean complete = scanner.advance(rest);
        int len = rest.readerIndex();
        if (!complete || len == 0) {
          // not a sequence of whole replies after all: pass the rest on untouched rather than guess
          out.addComponent(true, frame.retainedSlice(at, frame.writerIndex() - at));
          break;
        }
        ByteBuf element = frame.slice(at, len);
        ReplyTransform t = i < perCommand.size() ? perCommand.get(i) : null;
        out.addComponent(true, t == null ? element.retain() : t.apply(element, alloc));
        at += len;
      }
      return out;
    };
  }

  /** {@code first}, then {@code second} on its result (either may be null). */
  static ReplyTransform andThen(ReplyTransform first, ReplyTransform second) {
    if (first == null) {
      return second;
    }
    if (second == null) {
      return first;
    }
    return (frame, alloc) -> {
      ByteBuf mid = first.apply(frame, alloc);
      try {
        return second.apply(mid, alloc);
      } finally {
        mid.release();
      }
    };
  }
}
