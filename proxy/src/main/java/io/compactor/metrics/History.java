package io.compactor.metrics;

import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;

/**
 * The dashboard's memory: one {@link Point} every {@link #INTERVAL_SECONDS} seconds, the last hour kept,
 * taken on a daemon thread of its own. Thread-safe.
 */
public final class History {
  static final int INTERVAL_SECONDS = 5;
  static final int POINTS = 3600 / INTERVAL_SECONDS;

  /** One sample: the saving then, per rule too, the write ratio, ops/s and latency percentiles (µs). */
  public record Point(long timeMillis, long savedBytes, Map<String, Long> savedByRule, double ratio,
      double opsPerSecond, double p50Micros, double p99Micros) {}

  private final ProxyMetrics metrics;
  private final ArrayDeque<Point> points = new ArrayDeque<>();
  private final ScheduledExecutorService timer;
  private long lastCommands;
  private long lastNanos = System.nanoTime();
  private volatile double opsPerSecond;

  History(ProxyMetrics metrics) {
    this.metrics = metrics;
    this.timer = Executors.newSingleThreadScheduledExecutor(r -> {
      Thread t = new Thread(r, "compactor-metrics-history");
      t.setDaemon(true);
      return t;
    });
    timer.scheduleAtFixedRate(this::sample, INTERVAL_SECONDS, INTERVAL_SECONDS, TimeUnit.SECONDS);
  }

  private void sample() {
    try {
      long now = System.nanoTime();
      long commands = metrics.commands();
      opsPerSecond = (commands - lastCommands) / ((now - lastNanos) / 1e9);
      lastCommands = commands;
      lastNanos = now;
      Savings.Estimate e = metrics.estimate();
      Map<String, Long> byRule = new LinkedHashMap<>();
      for (Savings.RuleEstimate r : e.rules()) {
        byRule.put(r.rule(), r.savedBytes());
      }
      Point p = new Point(System.currentTimeMillis(), e.savedBytes(), byRule, writeRatio(metrics), opsPerSecond,
          metrics.latencyMicros(false, 0.5), metrics.latencyMicros(false, 0.99));
      synchronized (points) {
        points.addLast(p);
        while (points.size() > POINTS) {
          points.removeFirst();
        }
      }
    } catch (RuntimeException ignored) {
      // a sample is lost; the next one comes in INTERVAL_SECONDS
    }
  }

  /** Stored over logical bytes written under every rule so far; 1 when nothing was written. */
  static double writeRatio(ProxyMetrics metrics) {
    long logical = metrics.logicalBytesWritten();
    return logical == 0 ? 1 : metrics.storedBytesWritten() / (double) logical;
  }

  List<Point> points() {
    synchronized (points) {
      return new ArrayList<>(points);
    }
  }

  double opsPerSecond() {
    return opsPerSecond;
  }

  void close() {
    timer.shutdownNow();
  }
}
