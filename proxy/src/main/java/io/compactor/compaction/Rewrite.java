package io.compactor.compaction;

import io.compactor.resp.Command;

/**
 * What the proxy sends instead of a client command: another command whose reply is already the one the
 * client is owed, or an error the proxy answers itself (a refused command).
 *
 * @param command the command to send (owned; the receiver releases or forwards it), or null
 * @param error the error line to answer with, {@code -ERR ...} without CRLF, when refused
 */
public record Rewrite(Command command, String error) {
  public static Rewrite send(Command command) {
    return new Rewrite(command, null);
  }

  public static Rewrite refuse(String error) {
    return new Rewrite(null, error);
  }

  public boolean isRefusal() {
    return error != null;
  }
}
