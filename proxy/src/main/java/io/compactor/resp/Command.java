package io.compactor.resp;

import io.netty.buffer.ByteBuf;
import java.nio.charset.StandardCharsets;

/**
 * One client request: the RESP multibulk bytes exactly as they will be forwarded, plus the positions of
 * its arguments inside them.
 *
 * <p>A decoded command points into its {@link CommandBatch}'s buffer and is valid while the batch is;
 * {@link #retainedDuplicate()} gives one that outlives it. Commands built by the proxy, and inline
 * commands (re-encoded as multibulk), own their bytes: {@link #takeFrame()} hands them on, otherwise
 * {@link #release()} frees them. Not thread-safe; lives on one event loop.
 */
public final class Command {
  private ByteBuf buf;
  private int start;
  private final int length;
  private boolean owned;
  private final int argc;
  private final int[] offsets;
  private final int[] lengths;

  /**
   * A command inside a {@link CommandBatch}: its bytes are {@code [start, start + length)} of the
   * batch's buffer, which the batch owns.
   */
  Command(int start, int length, int argc, int[] offsets, int[] lengths) {
    this.start = start;
    this.length = length;
    this.argc = argc;
    this.offsets = offsets;
    this.lengths = lengths;
  }

  /** A command that owns {@code frame} (all of its readable bytes). */
  private Command(ByteBuf frame, int argc, int[] offsets, int[] lengths) {
    this.buf = frame;
    this.start = frame.readerIndex();
    this.length = frame.readableBytes();
    this.owned = true;
    this.argc = argc;
    this.offsets = offsets;
    this.lengths = lengths;
  }

  void attach(ByteBuf batch, int startInBatch) {
    this.buf = batch;
    this.start = startInBatch;
  }

  /** Builds a command from string arguments (UTF-8), for requests the proxy issues itself. */
  public static Command of(io.netty.buffer.ByteBufAllocator alloc, String... args) {
    byte[][] raw = new byte[args.length][];
    for (int i = 0; i < args.length; i++) {
      raw[i] = args[i].getBytes(StandardCharsets.UTF_8);
    }
    return of(alloc, raw);
  }

  /** Builds a command whose frame is the RESP multibulk encoding of {@code args}. */
  public static Command of(io.netty.buffer.ByteBufAllocator alloc, byte[][] args) {
    int[] offsets = new int[args.length];
    int[] lengths = new int[args.length];
    int size = encodedLength(args);
    ByteBuf buf;
    if (size <= SMALL_FRAME) {
      // built in an array and written with one call (a ByteBuf checks every byte it is given)
      byte[] out = new byte[size];
      put(out, 0, args, offsets, lengths);
      buf = alloc.buffer(size);
      buf.writeBytes(out);
    } else {
      buf = alloc.buffer(size);
      encodeLarge(buf, args, offsets, lengths);
      for (int i = 0; i < offsets.length; i++) {
        offsets[i] -= buf.readerIndex();
      }
    }
    return new Command(buf, args.length, offsets, lengths);
  }

  /**
   * Builds a frame holding several commands, one after the other (a transaction the proxy sends as one
   * unit: MULTI, ..., EXEC). The returned command's arguments are those of the first; Redis answers each
   * of them, so the frame is owed {@code commands.length} replies.
   */
  public static Command sequence(io.netty.buffer.ByteBufAllocator alloc, byte[][]... commands) {
    int size = 0;
    for (byte[][] args : commands) {
      size += encodedLength(args);
    }
    int[] offsets = new int[commands[0].length];
    int[] lengths = new int[commands[0].length];
    ByteBuf buf = alloc.buffer(size);
    if (size <= SMALL_FRAME) {
      byte[] out = new byte[size];
      int at = put(out, 0, commands[0], offsets, lengths);
      for (int c = 1; c < commands.length; c++) {
        at = put(out, at, commands[c], null, null);
      }
      buf.writeBytes(out);
    } else {
      encodeLarge(buf, commands[0], offsets, lengths);
      for (int i = 0; i < offsets.length; i++) {
        offsets[i] -= buf.readerIndex();
      }
      for (int c = 1; c < commands.length; c++) {
        encodeLarge(buf, commands[c], null, null);
      }
    }
    return new Command(buf, commands[0].length, offsets, lengths);
  }

  /** Frames up to this long are encoded in an array first (a run of 16 GETs as a transaction is about 1.5 KB). */
  private static final int SMALL_FRAME = 16 * 1024;

  /** Bytes of the RESP multibulk encoding of {@code args}. */
  private static int encodedLength(byte[][] args) {
    int size = 3 + decimalLength(args.length);
    for (byte[] a : args) {
      size += 5 + decimalLength(a.length) + a.length;
    }
    return size;
  }

  private static int decimalLength(int v) {
    if (v < 10) {
      return 1;
    }
    if (v < 100) {
      return 2;
    }
    if (v < 1000) {
      return 3;
    }
    int digits = 4;
    for (v /= 10000; v > 0; v /= 10) {
      digits++;
    }
    return digits;
  }

  /**
   * Writes the RESP multibulk of {@code args} into {@code out} from {@code at}, noting (unless null) where
   * each argument's bytes start and their lengths; returns the index after it.
   */
  private static int put(byte[] out, int at, byte[][] args, int[] offsets, int[] lengths) {
    out[at++] = '*';
    at = putDecimal(out, at, args.length);
    out[at++] = '\r';
    out[at++] = '\n';
    for (int i = 0; i < args.length; i++) {
      byte[] a = args[i];
      out[at++] = '$';
      at = putDecimal(out, at, a.length);
      out[at++] = '\r';
      out[at++] = '\n';
      if (offsets != null) {
        offsets[i] = at;
        lengths[i] = a.length;
      }
      System.arraycopy(a, 0, out, at, a.length);
      at += a.length;
      out[at++] = '\r';
      out[at++] = '\n';
    }
    return at;
  }

  /** Writes non-negative {@code v} in decimal at {@code at} of {@code out}; returns the index after it. */
  private static int putDecimal(byte[] out, int at, int v) {
    if (v < 10) {
      out[at] = (byte) ('0' + v);
      return at + 1;
    }
    int end = at + decimalLength(v);
    for (int i = end - 1; i >= at; i--) {
      out[i] = (byte) ('0' + v % 10);
      v /= 10;
    }
    return end;
  }

  /** Writes {@code args} as a RESP multibulk into {@code buf}, noting (unless null) where each argument starts. */
  private static void encodeLarge(ByteBuf buf, byte[][] args, int[] offsets, int[] lengths) {
    buf.writeByte('*');
    writeDecimal(buf, args.length);
    buf.writeShort(CRLF);
    for (int i = 0; i < args.length; i++) {
      buf.writeByte('$');
      writeDecimal(buf, args[i].length);
      buf.writeShort(CRLF);
      if (offsets != null) {
        offsets[i] = buf.writerIndex();
        lengths[i] = args[i].length;
      }
      buf.writeBytes(args[i]);
      buf.writeShort(CRLF);
    }
  }

  static final int CRLF = ('\r' << 8) | '\n';

  /** Writes {@code value} in decimal ASCII (RESP lengths and counts: no String on the way). */
  static void writeDecimal(ByteBuf buf, long value) {
    if (value < 0) {
      buf.writeCharSequence(Long.toString(value), StandardCharsets.US_ASCII); // not a length: rare
      return;
    }
    int digits = 1;
    for (long v = value / 10; v > 0; v /= 10) {
      digits++;
    }
    buf.ensureWritable(digits);
    int at = buf.writerIndex();
    for (int i = digits - 1; i >= 0; i--) {
      buf.setByte(at + i, (int) ('0' + value % 10));
      value /= 10;
    }
    buf.writerIndex(at + digits);
  }

  /** Number of arguments, the command name included. Always at least 1. */
  public int argc() {
    return argc;
  }

  /** Length in bytes of argument {@code i}. */
  public int argLength(int i) {
    return lengths[i];
  }

  /** Byte {@code j} of argument {@code i}. */
  public byte argByte(int i, int j) {
    return buf.getByte(start + offsets[i] + j);
  }

  /**
   * Argument {@code i} as a {@link java.nio.ByteBuffer} over the request's bytes (no copy when the
   * request sits in one buffer); valid while this command is, and not to be written to.
   */
  public java.nio.ByteBuffer argNioBuffer(int i) {
    return buf.nioBuffer(start + offsets[i], lengths[i]);
  }

  /** A copy of argument {@code i}. */
  public byte[] arg(int i) {
    byte[] out = new byte[lengths[i]];
    buf.getBytes(start + offsets[i], out);
    return out;
  }

  /** Argument {@code i} decoded as UTF-8, for logging and diagnostics only. */
  public String argString(int i) {
    return buf.toString(start + offsets[i], lengths[i], StandardCharsets.UTF_8);
  }

  /**
   * Whether argument {@code i} equals {@code upperAscii} ignoring ASCII case. {@code upperAscii} must be
   * upper case.
   */
  public boolean argEqualsIgnoreCase(int i, byte[] upperAscii) {
    if (i >= argc || lengths[i] != upperAscii.length) {
      return false;
    }
    int base = start + offsets[i];
    for (int j = 0; j < upperAscii.length; j++) {
      byte b = buf.getByte(base + j);
      if (b >= 'a' && b <= 'z') {
        b -= 32;
      }
      if (b != upperAscii[j]) {
        return false;
      }
    }
    return true;
  }

  /** A case-insensitive hash of argument {@code i}, consistent with {@link #asciiHash(byte[])}. */
  public int argHash(int i) {
    int base = start + offsets[i];
    int h = 0;
    for (int j = 0, n = lengths[i]; j < n; j++) {
      h = 31 * h + (buf.getByte(base + j) & 0xDF);
    }
    return h;
  }

  /** The hash {@link #argHash(int)} computes, for a name given in bytes. */
  public static int asciiHash(byte[] name) {
    int h = 0;
    for (byte b : name) {
      h = 31 * h + (b & 0xDF);
    }
    return h;
  }

  /** The buffer holding this command's bytes: the batch's, or its own. */
  public ByteBuf buffer() {
    return buf;
  }

  /** Where this command's bytes start in {@link #buffer()}. */
  public int start() {
    return start;
  }

  /** How many bytes the encoded command has. */
  public int length() {
    return length;
  }

  /**
   * Whether this command owns its bytes (an inline command re-encoded, or one built by the proxy)
   * rather than pointing into a batch.
   */
  public boolean isOwned() {
    return owned;
  }

  /** The encoded command for writing; the caller owns (and the write releases) the returned buffer. */
  public ByteBuf takeFrame() {
    if (owned) {
      owned = false;
      ByteBuf b = buf;
      buf = null;
      return b;
    }
    return buf.retainedSlice(start, length);
  }

  /** A command with its own reference to its bytes, usable after the batch it came from is released. */
  public Command retainedDuplicate() {
    return new Command(buf.retainedSlice(start, length), argc, offsets, lengths);
  }

  /** Releases the bytes if this command owns them; a no-op for commands in a batch. */
  public void release() {
    if (owned) {
      owned = false;
      buf.release();
      buf = null;
    }
  }

  @Override
  public String toString() {
    return buf == null ? "Command(taken)" : "Command(" + argString(0) + ", argc=" + argc + ")";
  }
}
