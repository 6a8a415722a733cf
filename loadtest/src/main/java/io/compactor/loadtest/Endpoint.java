package io.compactor.loadtest;

/**
 * Where one mode sends its traffic, and where its memory is measured.
 *
 * @param mode "direct" or "proxy"
 * @param clientPort the port clients talk to (Redis itself, or the proxy)
 * @param memoryPort the Redis whose {@code INFO memory} is read (for the proxy: the Redis behind it)
 * @param proxyProcess the proxy's process, to read its CPU time; null for direct
 */
record Endpoint(String mode, String host, int clientPort, int memoryPort, ProcessHandle proxyProcess) {
  boolean isProxy() {
    return proxyProcess != null;
  }

  /** CPU time the proxy process has used so far, in nanoseconds; 0 for direct or when unknown. */
  long proxyCpuNanos() {
    if (proxyProcess == null) {
      return 0;
    }
    return proxyProcess.info().totalCpuDuration().map(java.time.Duration::toNanos).orElse(0L);
  }
}
