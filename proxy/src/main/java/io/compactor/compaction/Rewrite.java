package io.compactor.compaction;

import io.compactor.resp.Command;

/**
 * What the proxy sends instead of a client command: another command whose reply is already the one the
 * client is owed, or an error the proxy answers itself (a refused command).
 *
 * @param command the command to send (owned; the receiver releases or forwards it), or null
 * @param error the error line to answer with, {@code -ERR ...} without CRLF, when refused
 * @param transform how the reply becomes the client's, or null when it already is
 */
public record Rewrite(Command command, String error, ReplyTransform transform) {
  public static Rewrite send(Command command) {
    return new Rewrite(command, null, null);
  }

  /** Sends {@code command}; its reply goes through {@code transform} on the way back. */
  public static Rewrite send(Command command, ReplyTransform transform) {
    return new Rewrite(command, null, transform);
  }

  public static Rewrite refuse(String error) {
    return new Rewrite(null, error, null);
  }

  public boolean isRefusal() {
    return error != null;
  }
}
