package io.compactor.compaction;

import io.compactor.resp.Command;
import java.nio.charset.StandardCharsets;

/** What the compactors ask of client commands and how they name keys in error lines. */
public final class Commands {
  private Commands() {}

  /** A key for an error line: no CR/LF, at most 100 characters. */
  public static String printable(byte[] key) {
    String s = new String(key, StandardCharsets.UTF_8).replace('\r', ' ').replace('\n', ' ');
    return s.length() > 100 ? s.substring(0, 100) + "..." : s;
  }

  /** Whether a BITFIELD names an integer type of more than 53 bits (i54..i64, u54..u63): scripts compute in doubles. */
  public static boolean hasWideBitfield(Command c) {
    for (int i = 2; i < c.argc(); i++) {
      int n = c.argLength(i);
      if (n >= 3 && n <= 4) {
        byte t = c.argByte(i, 0);
        if (t == 'i' || t == 'I' || t == 'u' || t == 'U') {
          try {
            if (Integer.parseInt(c.argString(i).substring(1)) > 53) {
              return true;
            }
          } catch (NumberFormatException e) {
            // not a type
          }
        }
      }
    }
    return false;
  }
}
