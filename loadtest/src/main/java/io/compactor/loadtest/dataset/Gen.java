package io.compactor.loadtest.dataset;

import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.time.format.DateTimeFormatter;
import java.util.Iterator;
import java.util.Locale;
import java.util.NoSuchElementException;
import java.util.Random;
import java.util.function.IntFunction;
import net.datafaker.Faker;

/** Helpers shared by the generated datasets. Nothing here reads the clock or an unseeded random source. */
final class Gen {
  /** Fixed "now" for timestamps in generated values: 2026-01-01T00:00:00Z. */
  static final long EPOCH_SECONDS = 1_767_225_600L;

  private static final char[] HEX = "0123456789abcdef".toCharArray();

  private Gen() {}

  /** A Faker whose every choice comes from {@code random}, in English whatever the JVM's locale. */
  static Faker faker(Random random) {
    return new Faker(Locale.ENGLISH, random);
  }

  static void checkCount(int count) {
    if (count < 0) {
      throw new IllegalArgumentException("count must be >= 0, got " + count);
    }
  }

  /** An iterator that calls {@code next} with 0, 1, ... count-1, one entry at a time. */
  static Iterator<Entry> iterate(int count, IntFunction<Entry> next) {
    checkCount(count);
    return new Iterator<>() {
      private int index;

      @Override
      public boolean hasNext() {
        return index < count;
      }

      @Override
      public Entry next() {
        if (index >= count) {
          throw new NoSuchElementException();
        }
        return next.apply(index++);
      }
    };
  }

  static byte[] utf8(String s) {
    return s.getBytes(StandardCharsets.UTF_8);
  }

  /** ISO-8601 UTC timestamp {@code seconds} after the Unix epoch, e.g. {@code 2025-11-03T08:15:42Z}. */
  static String iso(long epochSeconds) {
    return DateTimeFormatter.ISO_INSTANT.format(Instant.ofEpochSecond(epochSeconds));
  }

  /** {@code n} random lowercase hex characters. */
  static String hex(Random random, int n) {
    char[] out = new char[n];
    long bits = 0;
    int left = 0;
    for (int i = 0; i < n; i++) {
      if (left == 0) {
        bits = random.nextLong();
        left = 16;
      }
      out[i] = HEX[(int) (bits & 0xf)];
      bits >>>= 4;
      left--;
    }
    return new String(out);
  }

  /**
   * The longest prefix of {@code s} whose UTF-8 encoding has at most {@code maxBytes} bytes, cut between
   * code points (never inside a character or a surrogate pair).
   */
  static String truncateUtf8(String s, int maxBytes) {
    int bytes = 0;
    int i = 0;
    while (i < s.length()) {
      int cp = s.codePointAt(i);
      int len = cp < 0x80 ? 1 : cp < 0x800 ? 2 : cp < 0x10000 ? 3 : 4;
      if (bytes + len > maxBytes) {
        break;
      }
      bytes += len;
      i += Character.charCount(cp);
    }
    return s.substring(0, i);
  }
}
