package io.compactor.config;

import java.time.Duration;

/**
 * What the proxy measures and shows.
 *
 * @param enabled whether meters are kept (the rules' own byte counters always are; {@code false} makes
 *     the per-command meters no-ops and turns off {@code /metrics}, the survey and the dashboard's data)
 * @param surveyPeriod time between the starts of keyspace surveys behind the saving estimate; zero: only
 *     when asked ({@code POST /survey})
 * @param surveySample keys looked at closely per rule per survey
 * @param compactorCommand whether clients may send {@code COMPACTOR KEY <key>} (how one key is stored)
 */
public record MetricsConfig(boolean enabled, Duration surveyPeriod, int surveySample, boolean compactorCommand) {
  public MetricsConfig {
    if (surveyPeriod.isNegative()) {
      throw new IllegalArgumentException("surveyPeriod: " + surveyPeriod + " (expected: >= 0)");
    }
    if (surveySample < 1) {
      throw new IllegalArgumentException("surveySample: " + surveySample + " (expected: >= 1)");
    }
  }

  /** On; a survey every minute sampling 2,000 keys per rule; the COMPACTOR command on. */
  public static MetricsConfig defaults() {
    return new MetricsConfig(true, Duration.ofSeconds(60), 2000, true);
  }
}
