package io.compactor.resp;

import java.io.ByteArrayOutputStream;
import java.util.ArrayList;
import java.util.List;

/**
 * Splits an inline command line into arguments with the quoting rules of Redis's {@code sdssplitargs}:
 * whitespace separates, {@code "..."} understands {@code \n \r \t \b \a \\ \" \xHH}, {@code '...'}
 * understands {@code \'}, and a closing quote must be followed by whitespace or the end of the line.
 */
final class InlineSplitter {
  private InlineSplitter() {}

  /** Returns the arguments, or {@code null} when quotes are unbalanced. */
  static byte[][] split(byte[] line) {
    List<byte[]> args = new ArrayList<>();
    int p = 0;
    int n = line.length;
    // sdssplitargs reads a C string: a NUL byte ends the line.
    for (int i = 0; i < line.length; i++) {
      if (line[i] == 0) {
        n = i;
        break;
      }
    }
    while (true) {
      while (p < n && isSpace(line[p])) {
        p++;
      }
      if (p >= n) {
        return args.toArray(new byte[0][]);
      }
      ByteArrayOutputStream current = new ByteArrayOutputStream();
      boolean inq = false;
      boolean insq = false;
      boolean done = false;
      while (!done) {
        if (inq) {
          if (p >= n) {
            return null;
          }
          byte c = line[p];
          if (c == '\\' && p + 3 < n && line[p + 1] == 'x' && isHex(line[p + 2]) && isHex(line[p + 3])) {
            current.write((hex(line[p + 2]) << 4) | hex(line[p + 3]));
            p += 3;
          } else if (c == '\\' && p + 1 < n) {
            p++;
            byte e = line[p];
            switch (e) {
              case 'n' -> current.write('\n');
              case 'r' -> current.write('\r');
              case 't' -> current.write('\t');
              case 'b' -> current.write('\b');
              case 'a' -> current.write(7);
              default -> current.write(e);
            }
          } else if (c == '"') {
            if (p + 1 < n && !isSpace(line[p + 1])) {
              return null;
            }
            done = true;
          } else {
            current.write(c);
          }
        } else if (insq) {
          if (p >= n) {
            return null;
          }
          byte c = line[p];
          if (c == '\\' && p + 1 < n && line[p + 1] == '\'') {
            p++;
            current.write('\'');
          } else if (c == '\'') {
            if (p + 1 < n && !isSpace(line[p + 1])) {
              return null;
            }
            done = true;
          } else {
            current.write(c);
          }
        } else {
          if (p >= n) {
            done = true;
            break;
          }
          byte c = line[p];
          switch (c) {
            case ' ', '\n', '\r', '\t', 0 -> done = true;
            case '"' -> inq = true;
            case '\'' -> insq = true;
            default -> current.write(c);
          }
          if (done) {
            break;
          }
        }
        if (p < n) {
          p++;
        }
      }
      args.add(current.toByteArray());
    }
  }

  private static boolean isSpace(byte b) {
    return b == ' ' || b == '\t' || b == '\n' || b == '\r' || b == 0x0b || b == '\f';
  }

  private static boolean isHex(byte b) {
    return (b >= '0' && b <= '9') || (b >= 'a' && b <= 'f') || (b >= 'A' && b <= 'F');
  }

  private static int hex(byte b) {
    if (b >= '0' && b <= '9') {
      return b - '0';
    }
    return (b | 0x20) - 'a' + 10;
  }
}
