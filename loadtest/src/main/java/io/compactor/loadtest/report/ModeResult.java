package io.compactor.loadtest.report;

/**
 * What loading one dataset in one mode ({@code direct} or {@code proxy}) measured.
 *
 * @param mode "direct" (straight to Redis) or "proxy" (through redis-compactor)
 * @param keys logical keys written
 * @param logicalBytes key + value bytes the client sent
 * @param usedMemoryBytes Redis {@code used_memory} after loading minus before (baseline subtracted)
 * @param usedMemoryRssBytes Redis {@code used_memory_rss} after minus before
 * @param bytesPerKey usedMemoryBytes / keys
 * @param rssBytesPerKey usedMemoryRssBytes / keys
 * @param keysPerSecond keys written per second during the load
 * @param latency per-command latency during the load
 * @param proxyCpuMicrosPerOp CPU time of the proxy's threads per command, or null for direct
 * @param proxyClaimedSavedBytes what the proxy's own metrics say it saved, or null where it reports none
 * @param verifiedKeys keys read back and compared after the load
 * @param mismatches keys whose value read back differed (any mismatch fails the run)
 */
public record ModeResult(
    String mode,
    long keys,
    long logicalBytes,
    long usedMemoryBytes,
    long usedMemoryRssBytes,
    double bytesPerKey,
    double rssBytesPerKey,
    double keysPerSecond,
    Latency latency,
    Double proxyCpuMicrosPerOp,
    Long proxyClaimedSavedBytes,
    long verifiedKeys,
    long mismatches) {}
