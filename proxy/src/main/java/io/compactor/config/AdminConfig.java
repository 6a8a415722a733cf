package io.compactor.config;

/**
 * The HTTP admin endpoint ({@code /health/live}, {@code /health/ready}).
 *
 * @param listen where it listens, or null when disabled
 */
public record AdminConfig(HostPort listen) {
  /** Disabled. */
  public static AdminConfig defaults() {
    return new AdminConfig(null);
  }
}
