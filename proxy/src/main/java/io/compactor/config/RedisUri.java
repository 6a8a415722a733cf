package io.compactor.config;

import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;

/**
 * Where the upstream Redis is and how to log in:
 * {@code redis://[[user]:password@]host[:port][/db]}, or {@code rediss://} for TLS.
 *
 * @param user ACL user name, or null for the default user
 * @param password password, or null when the upstream needs none
 */
public record RedisUri(boolean tls, HostPort address, String user, String password, int db) {
  static final String EXPECTED = "redis://[[user]:password@]host[:port][/db] or rediss://...";

  public RedisUri {
    if (db < 0) {
      throw new IllegalArgumentException("db: " + db + " (expected: >= 0)");
    }
  }

  /** Parses a URI; the exception's message says what was expected (never the password). */
  public static RedisUri parse(String text) {
    try {
      return parseUnsafe(text);
    } catch (IllegalArgumentException e) {
      String shown = redactText(text);
      throw new IllegalArgumentException(e.getMessage().replace(text, shown), e.getCause());
    }
  }

  /** {@code text} with anything between "//" and the last "@" reduced to the user name. */
  static String redactText(String text) {
    int scheme = text.indexOf("//");
    int at = text.lastIndexOf('@');
    if (scheme < 0 || at < scheme) {
      return text;
    }
    String info = text.substring(scheme + 2, at);
    int colon = info.indexOf(':');
    String user = colon < 0 ? "" : info.substring(0, colon);
    return text.substring(0, scheme + 2) + user + ":***" + text.substring(at);
  }

  private static RedisUri parseUnsafe(String text) {
    String s = text.trim();
    boolean tls;
    if (s.startsWith("redis://")) {
      tls = false;
      s = s.substring("redis://".length());
    } else if (s.startsWith("rediss://")) {
      tls = true;
      s = s.substring("rediss://".length());
    } else {
      throw new IllegalArgumentException("'" + text + "' (expected: " + EXPECTED + ")");
    }
    String user = null;
    String password = null;
    int at = s.lastIndexOf('@');
    if (at >= 0) {
      String info = s.substring(0, at);
      s = s.substring(at + 1);
      int colon = info.indexOf(':');
      if (colon < 0) {
        password = decode(info); // redis://secret@host, as redis-cli -u reads it
      } else {
        String u = info.substring(0, colon);
        user = u.isEmpty() ? null : decode(u);
        password = decode(info.substring(colon + 1));
      }
    }
    int db = 0;
    int slash = s.indexOf('/');
    if (slash >= 0) {
      String dbText = s.substring(slash + 1);
      s = s.substring(0, slash);
      if (!dbText.isEmpty()) {
        try {
          db = Integer.parseInt(dbText);
        } catch (NumberFormatException e) {
          db = -1;
        }
        if (db < 0) {
          throw new IllegalArgumentException("'" + text + "' (expected: a database number after '/')");
        }
      }
    }
    if (s.isEmpty()) {
      throw new IllegalArgumentException("'" + text + "' (expected: " + EXPECTED + ")");
    }
    boolean hasPort = s.startsWith("[") ? s.contains("]:") : s.indexOf(':') >= 0;
    HostPort address = HostPort.parse(hasPort ? s : s + ":6379");
    return new RedisUri(tls, address, user, password, db);
  }

  private static String decode(String s) {
    return URLDecoder.decode(s.replace("+", "%2B"), StandardCharsets.UTF_8);
  }

  /** The URI without its password, safe to log. */
  public String redacted() {
    StringBuilder sb = new StringBuilder(tls ? "rediss://" : "redis://");
    if (user != null || password != null) {
      sb.append(user == null ? "" : user).append(password == null ? "" : ":***").append('@');
    }
    sb.append(address);
    if (db != 0) {
      sb.append('/').append(db);
    }
    return sb.toString();
  }

  @Override
  public String toString() {
    return redacted();
  }
}
