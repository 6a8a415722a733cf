package io.compactor.loadtest.report;

/** Latency percentiles of one measured phase, in microseconds (from HdrHistogram). */
public record Latency(long count, double p50Micros, double p99Micros, double p999Micros, double maxMicros) {}
