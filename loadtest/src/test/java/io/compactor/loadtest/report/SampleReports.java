package io.compactor.loadtest.report;

import java.util.List;

/** Run reports with real-looking figures for the report tests. */
final class SampleReports {
  private SampleReports() {}

  static RunReport.Environment environment() {
    return new RunReport.Environment("7.0.15", 8, "17.0.15", 42L, 100_000, 4, 16,
        "upstream.multiplex=true, compaction=off");
  }

  /** Two datasets (sessions, products) and one workload (read-heavy on sessions). */
  static RunReport twoDatasetsOneWorkload() {
    DatasetResult sessions = new DatasetResult("sessions", "JSON web sessions, 300-900 B",
        new ModeResult("direct", 100_000, 61_234_567, 71_345_678, 75_000_000, 713.45678, 750.0, 48_213.4,
            new Latency(100_000, 41.3, 183.9, 1_204.7, 5_310.0), null, null, 100_000, 0),
        new ModeResult("proxy", 100_000, 61_234_567, 30_567_890, 33_456_789, 305.6789, 334.56789, 39_876.9,
            new Latency(100_000, 52.8, 240.2, 1_688.1, 7_120.0), 6.83, 40_612_345L, 100_000, 0),
        0.428, 0.827);
    DatasetResult products = new DatasetResult("products", "catalogue entries, hashes of 12 fields",
        new ModeResult("direct", 100_000, 23_456_789, 29_876_543, 31_000_000, 298.76543, 310.0, 61_004.2,
            new Latency(100_000, 33.7, 150.4, 910.2, 2_900.0), null, null, 100_000, 0),
        new ModeResult("proxy", 100_000, 23_456_789, 21_234_567, 22_900_000, 212.34567, 229.0, 50_912.8,
            new Latency(100_000, 44.9, 201.6, 1_302.5, 4_100.0), 5.41, null, 100_000, 0),
        0.711, 0.835);
    WorkloadResult readHeavy = new WorkloadResult("read-heavy", "sessions", 8, 16, 0.9, 2_000_000,
        187_654.3, 152_345.6, 0.812,
        new Latency(2_000_000, 88.1, 402.7, 2_310.0, 9_800.0),
        new Latency(2_000_000, 109.4, 515.3, 3_022.6, 12_400.0),
        4.97, 0, 0);
    return new RunReport("2026-11-21T06:20:03Z",
        "loadtest run --datasets sessions,products --keys 100000 --seed 42 --clients 4 --pipeline 16",
        environment(), List.of(sessions, products), List.of(readHeavy),
        List.of("No compaction configured yet: the proxy passes values through unchanged.",
            "2 cores shared by Redis, the proxy and the load driver; ratios are more reliable than absolute figures."));
  }

  /** One dataset, no workloads, with mismatches in the proxy mode. */
  static RunReport oneDatasetWithMismatches() {
    DatasetResult small = new DatasetResult("small", "short strings",
        new ModeResult("direct", 1_000, 20_000, 80_000, 90_000, 80.0, 90.0, 12_000.0,
            new Latency(1_000, 20.0, 80.0, 150.0, 300.0), null, null, 1_000, 0),
        new ModeResult("proxy", 1_000, 20_000, 72_000, 88_000, 72.0, 88.0, 11_000.0,
            new Latency(1_000, 25.0, 95.0, 170.0, 330.0), 3.2, 8_000L, 1_000, 3),
        0.9, 0.9167);
    return new RunReport("2026-11-21T07:00:00Z", "loadtest run --datasets small --keys 1000",
        environment(), List.of(small), List.of(), List.of());
  }
}
