package io.compactor.resp;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;

/**
 * Joins reply bytes across reads for a {@link ReplyScanner}: the scanner consumes everything but an
 * incomplete header line, which is kept and prepended to the next read. Not thread-safe; one per
 * upstream connection.
 */
public final class ReplyCumulator {
  private ByteBuf leftover;

  /**
   * The bytes to scan now: {@code msg}, after whatever was left from the previous read. The caller owns
   * the result and must pass it to {@link #keepRest} when done scanning. Takes ownership of {@code msg}.
   */
  public ByteBuf append(ByteBuf msg, ByteBufAllocator alloc) {
    if (leftover == null) {
      return msg;
    }
    ByteBuf joined = alloc.buffer(leftover.readableBytes() + msg.readableBytes());
    joined.writeBytes(leftover).writeBytes(msg);
    leftover.release();
    msg.release();
    leftover = null;
    return joined;
  }

  /**
   * Keeps the unscanned rest of {@code buf} (a small copy; a slice when large) for the next read, then
   * releases {@code buf}. With {@code keep} false the rest is dropped (the connection is going away).
   */
  public void keepRest(ByteBuf buf, boolean keep) {
    if (keep && buf.isReadable()) {
      leftover = buf.readableBytes() < 4096 ? buf.copy() : buf.retainedSlice();
    }
    buf.release();
  }

  /** Drops anything kept. */
  public void release() {
    if (leftover != null) {
      leftover.release();
      leftover = null;
    }
  }
}
