package io.compactor.resp;

import io.netty.buffer.ByteBuf;
import java.nio.charset.StandardCharsets;

/**
 * One client request: the RESP multibulk frame exactly as it will be forwarded, plus the positions of
 * its arguments inside that frame.
 *
 * <p>The frame is a retained slice owned by this object; whoever forwards it passes ownership on with
 * {@link #takeFrame()}, otherwise {@link #release()} must be called. Not thread-safe; lives on one event
 * loop.
 */
public final class Command {
  private ByteBuf frame;
  private final int argc;
  private final int[] offsets;
  private final int[] lengths;

  Command(ByteBuf frame, int argc, int[] offsets, int[] lengths) {
    this.frame = frame;
    this.argc = argc;
    this.offsets = offsets;
    this.lengths = lengths;
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
    int size = 16;
    for (byte[] a : args) {
      size += a.length + 16;
    }
    ByteBuf buf = alloc.buffer(size);
    int[] offsets = new int[args.length];
    int[] lengths = new int[args.length];
    buf.writeByte('*');
    writeDecimal(buf, args.length);
    buf.writeShort(CRLF);
    for (int i = 0; i < args.length; i++) {
      buf.writeByte('$');
      writeDecimal(buf, args[i].length);
      buf.writeShort(CRLF);
      offsets[i] = buf.writerIndex();
      lengths[i] = args[i].length;
      buf.writeBytes(args[i]);
      buf.writeShort(CRLF);
    }
    return new Command(buf, args.length, offsets, lengths);
  }

  static final int CRLF = ('\r' << 8) | '\n';

  static void writeDecimal(ByteBuf buf, long value) {
    buf.writeCharSequence(Long.toString(value), StandardCharsets.US_ASCII);
  }

  /** Number of arguments, the command name included. Always at least 1. */
  public int argc() {
    return argc;
  }

  /** Length in bytes of argument {@code i}. */
  public int argLength(int i) {
    return lengths[i];
  }

  /** A copy of argument {@code i}. */
  public byte[] arg(int i) {
    byte[] out = new byte[lengths[i]];
    frame.getBytes(frame.readerIndex() + offsets[i], out);
    return out;
  }

  /** Argument {@code i} decoded as UTF-8, for logging and diagnostics only. */
  public String argString(int i) {
    return frame.toString(frame.readerIndex() + offsets[i], lengths[i], StandardCharsets.UTF_8);
  }

  /**
   * Whether argument {@code i} equals {@code upperAscii} ignoring ASCII case. {@code upperAscii} must be
   * upper case.
   */
  public boolean argEqualsIgnoreCase(int i, byte[] upperAscii) {
    if (i >= argc || lengths[i] != upperAscii.length) {
      return false;
    }
    int base = frame.readerIndex() + offsets[i];
    for (int j = 0; j < upperAscii.length; j++) {
      byte b = frame.getByte(base + j);
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
    int base = frame.readerIndex() + offsets[i];
    int h = 0;
    for (int j = 0, n = lengths[i]; j < n; j++) {
      h = 31 * h + (frame.getByte(base + j) & 0xDF);
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

  /** The encoded frame, still owned by this command. */
  public ByteBuf frame() {
    return frame;
  }

  /** Hands the frame to the caller, who becomes responsible for releasing it. */
  public ByteBuf takeFrame() {
    ByteBuf f = frame;
    frame = null;
    return f;
  }

  /** Another command sharing this one's bytes, with its own reference to them. */
  public Command retainedDuplicate() {
    return new Command(frame.retainedDuplicate(), argc, offsets, lengths);
  }

  /** Releases the frame if it has not been taken. */
  public void release() {
    if (frame != null) {
      frame.release();
      frame = null;
    }
  }

  @Override
  public String toString() {
    return frame == null ? "Command(taken)" : "Command(" + argString(0) + ", argc=" + argc + ")";
  }
}
