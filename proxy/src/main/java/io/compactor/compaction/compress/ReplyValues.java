package io.compactor.compaction.compress;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
import java.nio.charset.StandardCharsets;

/**
 * Rewrites the stored values inside one whole reply frame (RESP2 or RESP3) into the client's values.
 * Which bulk strings are values is decided by a {@link Where} from their depth and their index in the
 * aggregate holding them (a map's entries count as key, value, key, value...); every other byte is copied
 * as it is. A value that can't be decoded becomes an error reply in its place.
 */
final class ReplyValues {
  /** Whether the bulk string at {@code depth} (0: the reply itself), {@code index} in its parent, is a value. */
  @FunctionalInterface
  interface Where {
    boolean isValue(int depth, int index);
  }

  /** Decodes one stored value, or gives the error line (without '-' and CRLF) for it. */
  interface Decoder {
    /** The client's bytes, or null when {@code stored} is not an envelope (then it is copied as it is). */
    byte[] decode(byte[] stored) throws io.compactor.codec.CodecException;

    String error(io.compactor.codec.CodecException e);
  }

  static final Where TOP = (depth, index) -> depth == 0;
  static final Where ELEMENTS = (depth, index) -> depth == 1;
  static final Where ODD_ELEMENTS = (depth, index) -> depth == 1 && index % 2 == 1;
  /** HRANDFIELD ... WITHVALUES: alternating in RESP2, pairs in RESP3. */
  static final Where PAIRS = (depth, index) -> depth == 1 ? index % 2 == 1 : depth == 2 && index == 1;
  /** HSCAN: the second element alternates fields and values. */
  static final Where SCAN_PAIRS = (depth, index) -> depth == 2 && index % 2 == 1;
  /** BLPOP/BRPOP: key, element. */
  static final Where SECOND = (depth, index) -> depth == 1 && index == 1;
  /** LMPOP/BLMPOP: key, then the elements. */
  static final Where NESTED = (depth, index) -> depth == 2;

  private ReplyValues() {}

  /** {@code frame} with the values {@code where} selects decoded (a new buffer; {@code frame} is not released). */
  static ByteBuf rewrite(ByteBuf frame, Where where, Decoder decoder, ByteBufAllocator alloc) {
    ByteBuf out = alloc.buffer(frame.readableBytes() + 64);
    try {
      int end = copy(frame, frame.readerIndex(), 0, 0, where, decoder, out);
      if (end != frame.writerIndex()) {
        out.release();
        return frame.retainedDuplicate(); // not one whole reply: pass it on untouched rather than guess
      }
      return out;
    } catch (RuntimeException e) {
      out.release();
      return frame.retainedDuplicate();
    }
  }

  /** Copies the reply starting at {@code at} into {@code out}; returns where it ends. */
  private static int copy(ByteBuf in, int at, int depth, int index, Where where, Decoder decoder, ByteBuf out) {
    byte type = in.getByte(at);
    int eol = in.indexOf(at, in.writerIndex(), (byte) '\r');
    int lineEnd = eol + 2;
    switch (type) {
      case '$', '=', '!' -> {
        long n = parseLong(in, at + 1, eol);
        if (n < 0) {
          out.writeBytes(in, at, lineEnd - at);
          return lineEnd;
        }
        int bodyEnd = lineEnd + (int) n;
        if (type == '$' && where.isValue(depth, index) && n >= 2 && in.getByte(lineEnd) == MAGIC) {
          byte[] stored = new byte[(int) n];
          in.getBytes(lineEnd, stored);
          try {
            byte[] value = decoder.decode(stored);
            out.writeByte('$');
            out.writeCharSequence(Integer.toString(value.length), StandardCharsets.US_ASCII);
            out.writeShort(CRLF);
            out.writeBytes(value);
            out.writeShort(CRLF);
          } catch (io.compactor.codec.CodecException e) {
            out.writeByte('-');
            out.writeCharSequence(decoder.error(e).replace('\r', ' ').replace('\n', ' '), StandardCharsets.UTF_8);
            out.writeShort(CRLF);
          }
        } else {
          out.writeBytes(in, at, bodyEnd + 2 - at);
        }
        return bodyEnd + 2;
      }
      case '*', '~', '>', '%', '|' -> {
        long n = parseLong(in, at + 1, eol);
        out.writeBytes(in, at, lineEnd - at);
        if (n < 0) {
          return lineEnd;
        }
        long items = type == '%' || type == '|' ? 2 * n : n;
        int p = lineEnd;
        for (int i = 0; i < items; i++) {
          p = copy(in, p, depth + 1, i, where, decoder, out);
        }
        if (type == '|') {
          // an attribute precedes the reply it describes, at the same depth and index
          return copy(in, p, depth, index, where, decoder, out);
        }
        return p;
      }
      default -> {
        out.writeBytes(in, at, lineEnd - at);
        return lineEnd;
      }
    }
  }

  private static long parseLong(ByteBuf in, int from, int to) {
    boolean negative = in.getByte(from) == '-';
    long v = 0;
    for (int i = negative ? from + 1 : from; i < to; i++) {
      int d = in.getByte(i) - '0';
      if (d < 0 || d > 9) {
        throw new IllegalArgumentException("not a length");
      }
      v = v * 10 + d;
    }
    return negative ? -v : v;
  }

  private static final byte MAGIC = (byte) 0xFC;
  private static final short CRLF = ('\r' << 8) | '\n';
}
