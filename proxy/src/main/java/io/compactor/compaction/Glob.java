package io.compactor.compaction;

import java.nio.charset.StandardCharsets;

/**
 * A Redis glob pattern ({@code KEYS}, {@code SCAN MATCH}, rule patterns): {@code *}, {@code ?},
 * {@code [abc]}, {@code [^a-z]} and {@code \} escapes, matched byte by byte as Redis's
 * {@code stringmatchlen} does (case-sensitive). Immutable and thread-safe.
 */
public final class Glob {
  private final byte[] pattern;
  private final byte[] literalPrefix;
  private final byte[] literalSuffix;
  /** The pattern is prefix, one {@code *}, suffix (the shape of most rules): no matcher needed. */
  private final boolean oneStar;

  private Glob(byte[] pattern) {
    this.pattern = pattern;
    int firstMeta = -1;
    int lastMeta = -1;
    boolean escapes = false;
    for (int i = 0; i < pattern.length; i++) {
      byte b = pattern[i];
      if (b == '*' || b == '?' || b == '[' || b == ']' || b == '\\') {
        if (firstMeta < 0) {
          firstMeta = i;
        }
        lastMeta = i;
        escapes |= b == '\\';
      }
    }
    if (firstMeta < 0) {
      literalPrefix = pattern;
      literalSuffix = new byte[0];
    } else {
      literalPrefix = java.util.Arrays.copyOfRange(pattern, 0, firstMeta);
      literalSuffix = escapes ? new byte[0] : java.util.Arrays.copyOfRange(pattern, lastMeta + 1, pattern.length);
    }
    oneStar = firstMeta >= 0 && firstMeta == lastMeta && pattern[firstMeta] == '*';
  }

  public static Glob of(String pattern) {
    return new Glob(pattern.getBytes(StandardCharsets.UTF_8));
  }

  public static Glob of(byte[] pattern) {
    return new Glob(pattern.clone());
  }

  /** Whether the pattern has no wildcard: it matches exactly one key. */
  public boolean isLiteral() {
    return literalPrefix.length == pattern.length && literalSuffix.length == 0;
  }

  /** The bytes every matching key starts with. */
  public byte[] literalPrefix() {
    return literalPrefix.clone();
  }

  /** The bytes every matching key ends with (empty when the pattern has escapes or no wildcard). */
  public byte[] literalSuffix() {
    return literalSuffix.clone();
  }

  public int literalPrefixLength() {
    return literalPrefix.length;
  }

  public int literalSuffixLength() {
    return literalSuffix.length;
  }

  public String pattern() {
    return new String(pattern, StandardCharsets.UTF_8);
  }

  public boolean matches(byte[] key) {
    return matches(key, 0, key.length);
  }

  /** Whether {@code key[from, from + len)} matches. */
  public boolean matches(byte[] key, int from, int len) {
    if (len < literalPrefix.length + literalSuffix.length) {
      return false;
    }
    for (int i = 0; i < literalPrefix.length; i++) {
      if (key[from + i] != literalPrefix[i]) {
        return false;
      }
    }
    if ((oneStar || isLiteral()) && len > 0) { // an empty key only matches an empty pattern (below)
      if (!oneStar && len != pattern.length) {
        return false;
      }
      int at = from + len - literalSuffix.length;
      for (int i = 0; i < literalSuffix.length; i++) {
        if (key[at + i] != literalSuffix[i]) {
          return false;
        }
      }
      return true;
    }
    return match(pattern, 0, key, from, from + len, 0, new boolean[1]);
  }

  private static final int MAX_DEPTH = 1000;

  /**
   * Redis's stringmatchlen semantics. As in Redis since 7.0.9, once a {@code *} has tried every rest of the
   * string in vain, {@code skipLonger} stops the enclosing {@code *}s from trying longer matches, which
   * keeps hostile patterns ({@code *a*a*a*...b}) linear; {@code depth} bounds the recursion.
   */
  private static boolean match(byte[] p, int pi, byte[] s, int si, int send, int depth, boolean[] skipLonger) {
    if (depth > MAX_DEPTH) {
      return false;
    }
    while (pi < p.length && si < send) {
      switch (p[pi]) {
        case '*' -> {
          while (pi + 1 < p.length && p[pi + 1] == '*') {
            pi++;
          }
          if (pi + 1 == p.length) {
            return true;
          }
          for (int k = si; k < send; k++) {
            if (match(p, pi + 1, s, k, send, depth + 1, skipLonger)) {
              return true;
            }
            if (skipLonger[0]) {
              return false;
            }
          }
          skipLonger[0] = true;
          return false;
        }
        case '?' -> si++;
        case '[' -> {
          pi++;
          boolean not = pi < p.length && p[pi] == '^';
          if (not) {
            pi++;
          }
          boolean hit = false;
          while (true) {
            if (pi + 1 < p.length && p[pi] == '\\') {
              pi++;
              if (p[pi] == s[si]) {
                hit = true;
              }
            } else if (pi < p.length && p[pi] == ']') {
              break;
            } else if (pi >= p.length) {
              pi--; // Redis: an unterminated class ends at the pattern's end
              break;
            } else if (pi + 2 < p.length && p[pi + 1] == '-') {
              int lo = p[pi] & 0xff;
              int hi = p[pi + 2] & 0xff;
              if (lo > hi) {
                int t = lo;
                lo = hi;
                hi = t;
              }
              pi += 2;
              int c = s[si] & 0xff;
              if (c >= lo && c <= hi) {
                hit = true;
              }
            } else if (p[pi] == s[si]) {
              hit = true;
            }
            pi++;
          }
          if (not) {
            hit = !hit;
          }
          if (!hit) {
            return false;
          }
          si++;
        }
        case '\\' -> {
          if (pi + 1 < p.length) {
            pi++;
          }
          if (p[pi] != s[si]) {
            return false;
          }
          si++;
        }
        default -> {
          if (p[pi] != s[si]) {
            return false;
          }
          si++;
        }
      }
      pi++;
      if (si == send) {
        while (pi < p.length && p[pi] == '*') {
          pi++;
        }
        break;
      }
    }
    return pi == p.length && si == send;
  }

  @Override
  public String toString() {
    return pattern();
  }
}
