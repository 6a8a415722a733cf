package io.compactor.loadtest;

import io.compactor.loadtest.report.Latency;
import java.util.ArrayList;
import java.util.List;
import org.HdrHistogram.Histogram;

/**
 * What one timed phase in one mode accumulated: commands, wall time, latency histogram (microseconds),
 * the proxy's CPU time, and, for verification, mismatches. Phases of several interleaved chunks add up.
 * Not thread-safe: each worker fills its own and they are {@link #add added} together.
 */
final class Phase {
  long operations;
  long nanos;
  long cpuNanos;
  long misses;
  long mismatches;
  final List<String> mismatchSamples = new ArrayList<>();
  final Histogram latencyMicros = new Histogram(60_000_000L, 3);

  void add(Phase other) {
    operations += other.operations;
    misses += other.misses;
    mismatches += other.mismatches;
    for (String s : other.mismatchSamples) {
      if (mismatchSamples.size() < 5) {
        mismatchSamples.add(s);
      }
    }
    latencyMicros.add(other.latencyMicros);
  }

  double perSecond() {
    return nanos == 0 ? 0 : operations * 1e9 / nanos;
  }

  Double cpuMicrosPerOp(boolean proxy) {
    return proxy && operations > 0 ? cpuNanos / 1000.0 / operations : null;
  }

  Latency latency() {
    Histogram h = latencyMicros;
    return new Latency(h.getTotalCount(), h.getValueAtPercentile(50), h.getValueAtPercentile(99),
        h.getValueAtPercentile(99.9), h.getMaxValue());
  }
}
