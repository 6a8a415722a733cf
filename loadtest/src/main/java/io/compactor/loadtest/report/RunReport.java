package io.compactor.loadtest.report;

import java.util.List;

/**
 * Everything one load-test invocation measured; written as JSON for CI, as a terminal table and as an
 * HTML page with charts.
 *
 * @param startedAt ISO-8601 UTC time the run started
 * @param command the command line that produced it (for reproducing)
 * @param environment Redis version, cores, Java version and the run's settings
 * @param notes caveats worth reading next to the figures (for example: no compaction configured yet)
 */
public record RunReport(
    String startedAt,
    String command,
    Environment environment,
    List<DatasetResult> datasets,
    List<WorkloadResult> workloads,
    List<String> notes) {

  /** Where and how the run happened. */
  public record Environment(
      String redisVersion, int cores, String javaVersion, long seed, int keysPerDataset, int clients, int pipeline,
      String proxySettings) {}
}
