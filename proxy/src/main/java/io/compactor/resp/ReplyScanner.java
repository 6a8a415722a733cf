package io.compactor.resp;

import io.netty.buffer.ByteBuf;

/**
 * Finds the boundaries of RESP2/RESP3 replies in a byte stream without decoding them, so replies can be
 * forwarded as the raw bytes Redis sent.
 *
 * <p>{@link #advance(ByteBuf)} consumes as much of the current top-level frame as is available: whole
 * header lines, bulk bodies in chunks of any size, and simple-string or error lines before their end has
 * arrived. Memory stays bounded by the read size even for a 512 MB bulk reply; only an incomplete length
 * header is left unconsumed. Not thread-safe.
 */
public final class ReplyScanner {
  /** Longest length/number header accepted from the server, in bytes. */
  static final int MAX_HEADER_LINE = 64 * 1024;

  private int[] remaining = new int[8];
  private boolean[] attribute = new boolean[8];
  private int depth;
  private long bulkRemaining = -1;
  private boolean inSimpleLine;
  private boolean atFrameStart = true;
  private byte frameType;

  /** Whether the next byte starts a new top-level frame. */
  public boolean atFrameStart() {
    return atFrameStart;
  }

  /** The type byte ({@code +}, {@code $}, {@code >}...) of the current or last top-level frame. */
  public byte frameType() {
    return frameType;
  }

  /**
   * Consumes bytes of the current top-level frame from {@code buf}.
   *
   * @return true when the frame ended within the consumed bytes; false when more bytes are needed
   *     (possibly after consuming some)
   * @throws IllegalStateException when the bytes are not RESP
   */
  public boolean advance(ByteBuf buf) {
    while (true) {
      int r = buf.readerIndex();
      int w = buf.writerIndex();
      if (bulkRemaining >= 0) {
        int n = (int) Math.min(bulkRemaining, w - r);
        buf.readerIndex(r + n);
        bulkRemaining -= n;
        if (bulkRemaining > 0) {
          return false;
        }
        bulkRemaining = -1;
        if (elementDone()) {
          return true;
        }
        continue;
      }
      if (r == w) {
        return false;
      }
      if (inSimpleLine) {
        int lf = buf.indexOf(r, w, (byte) '\n');
        if (lf < 0) {
          buf.readerIndex(w);
          return false;
        }
        buf.readerIndex(lf + 1);
        inSimpleLine = false;
        if (elementDone()) {
          return true;
        }
        continue;
      }
      byte type = buf.getByte(r);
      if (atFrameStart) {
        frameType = type;
        atFrameStart = false;
      }
      switch (type) {
        case '+', '-' -> {
          // Simple strings and errors may be long (MONITOR lines): stream them to their end.
          inSimpleLine = true;
          buf.readerIndex(r + 1);
          continue;
        }
        default -> {
          // a header line: type, number, CRLF
        }
      }
      int lf = buf.indexOf(r, w, (byte) '\n');
      if (lf < 0) {
        if (w - r > MAX_HEADER_LINE) {
          throw new IllegalStateException("reply header longer than " + MAX_HEADER_LINE + " bytes");
        }
        return false;
      }
      long n;
      switch (type) {
        case ':', '_', '#', ',', '(' -> {
          buf.readerIndex(lf + 1);
          if (elementDone()) {
            return true;
          }
        }
        case '$', '!', '=' -> {
          n = number(buf, r + 1, lf);
          buf.readerIndex(lf + 1);
          if (n < 0) {
            if (elementDone()) {
              return true;
            }
          } else {
            bulkRemaining = n + 2;
          }
        }
        case '*', '~', '>' -> {
          n = number(buf, r + 1, lf);
          buf.readerIndex(lf + 1);
          if (n <= 0) {
            if (elementDone()) {
              return true;
            }
          } else {
            push(n, false);
          }
        }
        case '%' -> {
          n = number(buf, r + 1, lf);
          buf.readerIndex(lf + 1);
          if (n <= 0) {
            if (elementDone()) {
              return true;
            }
          } else {
            push(n * 2, false);
          }
        }
        case '|' -> {
          // An attribute annotates the element after it and is not an element itself; at top level it
          // is reported as a frame of its own (the caller forwards it with the reply that follows).
          n = number(buf, r + 1, lf);
          buf.readerIndex(lf + 1);
          if (n > 0) {
            push(n * 2, true);
          } else if (depth == 0) {
            atFrameStart = true;
            return true;
          }
        }
        default -> throw new IllegalStateException(
            "unexpected reply type byte: 0x" + Integer.toHexString(type & 0xFF));
      }
    }
  }

  private void push(long count, boolean isAttribute) {
    if (count > Integer.MAX_VALUE) {
      throw new IllegalStateException("aggregate length: " + count + " (expected: <= " + Integer.MAX_VALUE + ")");
    }
    if (depth == remaining.length) {
      if (depth >= 1024) {
        throw new IllegalStateException("reply nesting deeper than 1024");
      }
      remaining = java.util.Arrays.copyOf(remaining, depth * 2);
      attribute = java.util.Arrays.copyOf(attribute, depth * 2);
    }
    attribute[depth] = isAttribute;
    remaining[depth++] = (int) count;
  }

  /** Marks one element finished; returns true when that finished the top-level frame. */
  private boolean elementDone() {
    while (depth > 0) {
      if (--remaining[depth - 1] > 0) {
        return false;
      }
      depth--;
      if (attribute[depth] && depth > 0) {
        return false; // a nested attribute finished: the element it annotates is still to come
      }
    }
    atFrameStart = true;
    return true;
  }

  private static long number(ByteBuf buf, int from, int lf) {
    int to = lf;
    if (to > from && buf.getByte(to - 1) == '\r') {
      to--;
    }
    long v = RequestDecoder.parseLong(buf, from, to);
    if (v == RequestDecoder.INVALID) {
      throw new IllegalStateException("invalid length in reply header");
    }
    return v;
  }
}
