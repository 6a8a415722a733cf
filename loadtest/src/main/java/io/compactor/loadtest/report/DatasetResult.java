package io.compactor.loadtest.report;

/**
 * One dataset loaded straight into one fresh Redis and through the proxy into another.
 *
 * @param memoryRatio proxy bytesPerKey / direct bytesPerKey (below 1 means the proxy saves memory)
 * @param speedRatio proxy keysPerSecond / direct keysPerSecond, measured interleaved in the same run
 */
public record DatasetResult(
    String dataset, String description, ModeResult direct, ModeResult proxy, double memoryRatio, double speedRatio) {}
