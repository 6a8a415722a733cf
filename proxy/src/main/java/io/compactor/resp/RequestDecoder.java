package io.compactor.resp;

import io.netty.buffer.ByteBuf;
import io.netty.channel.ChannelHandlerContext;
import io.netty.handler.codec.ByteToMessageDecoder;
import java.util.ArrayList;
import java.util.List;

/**
 * Decodes client bytes into {@link CommandBatch}es of {@link Command}s (multibulk or inline), and a
 * {@link ProtocolError} where the input goes wrong, the way Redis's {@code processMultibulkBuffer} and
 * {@code processInlineBuffer} read them.
 *
 * <p>One batch per read: multibulk commands point into one retained slice of the input, byte for byte
 * what the client sent, so runs of them can be forwarded without re-encoding. Inline commands are re-encoded as multibulk. Parsing is
 * resumable: a large frame arriving over many reads is scanned once. Lengths are checked against
 * {@link RequestLimits} as soon as their header is read, before any body is buffered. After a protocol
 * error the rest of the input is discarded. Holds per-connection state: never shared.
 */
public final class RequestDecoder extends ByteToMessageDecoder {
  private final RequestLimits limits;

  // Resumable multibulk state, positions relative to the frame start (the reader index).
  private int argc = -1;
  private int parsed;
  private int cursor;
  private long bulkLength = -1;
  private int[] offsets;
  private int[] lengths;
  private boolean failed;

  /** Creates a decoder enforcing {@code limits}. */
  public RequestDecoder(RequestLimits limits) {
    this.limits = limits;
  }

  @Override
  protected void decode(ChannelHandlerContext ctx, ByteBuf in, List<Object> out) {
    if (failed) {
      in.skipBytes(in.readableBytes());
      return;
    }
    int batchStart = in.readerIndex();
    List<Command> commands = null;
    ProtocolError error = null;
    while (in.isReadable()) {
      Object decoded;
      try {
        if (argc >= 0 || in.getByte(in.readerIndex()) == '*') {
          decoded = decodeMultibulk(in);
        } else {
          decoded = decodeInline(in);
        }
      } catch (BadRequest e) {
        failed = true;
        error = new ProtocolError(e.getMessage());
        break;
      }
      if (decoded == NEED_MORE) {
        break;
      }
      if (decoded != NOTHING) {
        if (commands == null) {
          commands = new ArrayList<>(4);
        }
        commands.add((Command) decoded);
      }
    }
    if (commands == null && error == null) {
      return;
    }
    int consumed = in.readerIndex() - batchStart;
    ByteBuf bytes = consumed > 0 ? in.retainedSlice(batchStart, consumed) : null;
    if (commands == null) {
      commands = List.of();
    } else {
      for (Command c : commands) {
        if (!c.isOwned()) {
          c.attach(bytes, c.start() - batchStart);
        }
      }
    }
    if (failed) {
      in.skipBytes(in.readableBytes());
    }
    out.add(new CommandBatch(bytes, commands, error));
  }

  private static final Object NEED_MORE = new Object();
  private static final Object NOTHING = new Object();

  private Object decodeMultibulk(ByteBuf in) {
    int start = in.readerIndex();
    int end = in.writerIndex();
    if (argc < 0) {
      int cr = in.indexOf(start, end, (byte) '\r');
      if (cr < 0) {
        if (end - start > limits.maxInlineBytes()) {
          throw new BadRequest("too big mbulk count string");
        }
        return NEED_MORE;
      }
      if (cr - start > limits.maxInlineBytes()) {
        throw new BadRequest("too big mbulk count string");
      }
      if (cr + 1 >= end) {
        return NEED_MORE; // Redis skips the byte after '\r' unseen; wait for it so the frame is whole
      }
      long n = parseLong(in, start + 1, cr);
      if (n == INVALID || n > Integer.MAX_VALUE) {
        throw new BadRequest("invalid multibulk length"); // Redis's own rule and wording
      }
      if (n > limits.maxArrayLength()) {
        throw new BadRequest("invalid multibulk length: " + n + " (expected: <= " + limits.maxArrayLength()
            + ", limits.max-array-length)");
      }
      if (n <= 0) {
        // "*0\r\n" and "*-1\r\n" are accepted and ignored by Redis: no command, no reply.
        in.readerIndex(cr + 2);
        return NOTHING;
      }
      argc = (int) n;
      parsed = 0;
      cursor = cr + 2 - start;
      int initial = Math.min(argc, 16);
      offsets = new int[initial];
      lengths = new int[initial];
    }
    while (parsed < argc) {
      int pos = start + cursor;
      if (bulkLength < 0) {
        if (pos >= end) {
          return NEED_MORE;
        }
        int cr = in.indexOf(pos, end, (byte) '\r');
        if (cr < 0) {
          if (end - pos > limits.maxInlineBytes()) {
            throw new BadRequest("too big bulk count string");
          }
          return NEED_MORE;
        }
        if (cr - pos > limits.maxInlineBytes()) {
          throw new BadRequest("too big bulk count string");
        }
        byte marker = in.getByte(pos);
        if (marker != '$') {
          throw new BadRequest("expected '$', got '" + (char) (marker & 0xFF) + "'");
        }
        if (cr + 1 >= end) {
          return NEED_MORE;
        }
        long n = parseLong(in, pos + 1, cr);
        if (n == INVALID || n < 0 || n > Math.max(REDIS_MAX_BULK, limits.maxBulkBytes())) {
          throw new BadRequest("invalid bulk length"); // Redis's own rule and wording (default proto-max-bulk-len)
        }
        if (n > limits.maxBulkBytes()) {
          throw new BadRequest("invalid bulk length: " + n + " (expected: <= " + limits.maxBulkBytes()
              + ", limits.max-bulk-bytes)");
        }
        bulkLength = n;
        cursor = cr + 2 - start;
        if ((long) cursor + n + 2 > limits.maxRequestBytes()) {
          throw new BadRequest("request too large (expected: <= " + limits.maxRequestBytes() + " bytes)");
        }
      }
      long need = (long) cursor + bulkLength + 2;
      if (end - start < need) {
        return NEED_MORE;
      }
      if (parsed == offsets.length) {
        int grown = (int) Math.min((long) offsets.length * 2, argc);
        offsets = java.util.Arrays.copyOf(offsets, grown);
        lengths = java.util.Arrays.copyOf(lengths, grown);
      }
      offsets[parsed] = cursor;
      lengths[parsed] = (int) bulkLength;
      parsed++;
      cursor = (int) need;
      bulkLength = -1;
    }
    Command command = new Command(start, cursor, argc, offsets, lengths);
    in.readerIndex(start + cursor);
    argc = -1;
    offsets = null;
    lengths = null;
    return command;
  }

  private Object decodeInline(ByteBuf in) {
    int start = in.readerIndex();
    int end = in.writerIndex();
    int lf = in.indexOf(start, end, (byte) '\n');
    if (lf < 0) {
      if (end - start > limits.maxInlineBytes()) {
        throw new BadRequest("too big inline request");
      }
      return NEED_MORE;
    }
    if (lf - start > limits.maxInlineBytes()) {
      throw new BadRequest("too big inline request");
    }
    int lineEnd = lf;
    if (lineEnd > start && in.getByte(lineEnd - 1) == '\r') {
      lineEnd--;
    }
    byte[] line = new byte[lineEnd - start];
    in.getBytes(start, line);
    in.readerIndex(lf + 1);
    byte[][] args = InlineSplitter.split(line);
    if (args == null) {
      throw new BadRequest("unbalanced quotes in request");
    }
    if (args.length == 0) {
      return NOTHING; // Redis ignores empty lines
    }
    return Command.of(in.alloc(), args);
  }

  static final long INVALID = Long.MIN_VALUE;
  /** Redis's default proto-max-bulk-len. */
  static final long REDIS_MAX_BULK = 512L * 1024 * 1024;

  /**
   * Parses a decimal as Redis's {@code string2ll} does: optional '-', no '+', no leading zeros, no
   * spaces, fits in a long. Returns {@link #INVALID} otherwise.
   */
  static long parseLong(ByteBuf buf, int from, int to) {
    int len = to - from;
    if (len <= 0 || len > 20) {
      return INVALID;
    }
    int i = from;
    boolean negative = false;
    if (buf.getByte(i) == '-') {
      negative = true;
      i++;
      if (i == to) {
        return INVALID;
      }
    }
    byte first = buf.getByte(i);
    if (first == '0') {
      return (i + 1 == to && !negative) ? 0 : INVALID;
    }
    long value = 0;
    for (; i < to; i++) {
      byte b = buf.getByte(i);
      if (b < '0' || b > '9') {
        return INVALID;
      }
      int d = b - '0';
      if (value > (Long.MAX_VALUE - d) / 10) {
        return INVALID;
      }
      value = value * 10 + d;
    }
    return negative ? -value : value;
  }

  /** Thrown inside the decoder for a malformed request; never escapes it. */
  private static final class BadRequest extends RuntimeException {
    BadRequest(String message) {
      super(message, null, false, false);
    }
  }

  @Override
  protected void handlerRemoved0(ChannelHandlerContext ctx) {
    offsets = null;
    lengths = null;
  }
}
