package io.compactor.loadtest.report;

import java.util.Locale;

/**
 * Number formatting shared by the terminal table and the HTML page, so both show the same figures. Always
 * {@link Locale#US}: a dot for decimals and commas between thousands, whatever the machine's locale.
 */
final class Fmt {
  static final String NA = "n/a";

  private Fmt() {}

  /** Bytes per key: one decimal ({@code 61.3}, {@code 1,204.0}). */
  static String bytesPerKey(double v) {
    return finite(v) ? String.format(Locale.US, "%,.1f", v) : NA;
  }

  /** A ratio such as proxy / direct: two decimals ({@code 0.82}). */
  static String ratio(double v) {
    return finite(v) ? String.format(Locale.US, "%.2f", v) : NA;
  }

  /** Operations or keys per second: a whole number with thousands separators ({@code 123,457}). */
  static String rate(double v) {
    return finite(v) ? String.format(Locale.US, "%,.0f", v) : NA;
  }

  /** A count with thousands separators ({@code 100,000}). */
  static String count(long v) {
    return String.format(Locale.US, "%,d", v);
  }

  /** Microseconds: one decimal below 100 µs, whole numbers above ({@code 48.3}, {@code 1,204}). */
  static String micros(double v) {
    if (!finite(v)) {
      return NA;
    }
    return Math.abs(v) < 100 ? String.format(Locale.US, "%.1f", v) : String.format(Locale.US, "%,.0f", v);
  }

  /** CPU microseconds per operation: two decimals, or n/a when not measured. */
  static String cpuMicros(Double v) {
    return v != null && finite(v) ? String.format(Locale.US, "%.2f", v) : NA;
  }

  /** Latency percentiles as {@code p50/p99/p99.9} in microseconds, or n/a. */
  static String percentiles(Latency l) {
    if (l == null) {
      return NA;
    }
    return micros(l.p50Micros()) + "/" + micros(l.p99Micros()) + "/" + micros(l.p999Micros());
  }

  /** A share as a whole percentage ({@code 0.9} gives {@code 90%}). */
  static String percent(double fraction) {
    return finite(fraction) ? String.format(Locale.US, "%.0f%%", fraction * 100) : NA;
  }

  static boolean finite(double v) {
    return !Double.isNaN(v) && !Double.isInfinite(v);
  }
}
