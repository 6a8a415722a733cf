package io.compactor.compaction;

import io.compactor.resp.Command;

/**
 * What the proxy sends instead of a client command: another command whose reply is already the one the
 * client is owed, or an error the proxy answers itself (a refused command).
 *
 * @param command the command to send (owned; the receiver releases or forwards it), or null
 * @param error the error line to answer with, {@code -ERR ...} without CRLF, when refused
 * @param transform how the reply becomes the client's, or null when it already is
 * @param followUp for a read-through, builds the command to send when the first reply is not the answer
 */
public record Rewrite(Command command, String error, ReplyTransform transform,
    java.util.function.Function<io.netty.buffer.ByteBufAllocator, Command> followUp) {
  public static Rewrite send(Command command) {
    return new Rewrite(command, null, null, null);
  }

  /** Sends {@code command}; its reply goes through {@code transform} on the way back. */
  public static Rewrite send(Command command, ReplyTransform transform) {
    return new Rewrite(command, null, transform, null);
  }

  /**
   * A read that tries a plain command first ({@code HGET}): a reply that is a bulk string not starting
   * with an envelope byte (0xFD..0xFF) is the client's reply as it is; otherwise (a miss, a value with
   * an expiry) the proxy sends {@code followUp}, the full script call, and forwards its reply instead.
   */
  public static Rewrite readThrough(Command first,
      java.util.function.Function<io.netty.buffer.ByteBufAllocator, Command> followUp) {
    return new Rewrite(first, null, null, followUp);
  }

  public static Rewrite refuse(String error) {
    return new Rewrite(null, error, null, null);
  }

  public boolean isRefusal() {
    return error != null;
  }
}
