package io.compactor.loadtest.report;

/**
 * One workload (read-heavy, mixed, ttl-churn) run against both modes, interleaved in rounds.
 *
 * @param readFraction share of operations that are reads
 * @param opsPerSecondDirect median over rounds, straight to Redis
 * @param opsPerSecondProxy median over rounds, through the proxy
 * @param speedRatio opsPerSecondProxy / opsPerSecondDirect
 * @param proxyCpuMicrosPerOp CPU time of the proxy's threads per operation
 * @param expiredReads reads that found an expired key (ttl-churn), same meaning in both modes
 */
public record WorkloadResult(
    String workload,
    String dataset,
    int clients,
    int pipeline,
    double readFraction,
    long operations,
    double opsPerSecondDirect,
    double opsPerSecondProxy,
    double speedRatio,
    Latency latencyDirect,
    Latency latencyProxy,
    Double proxyCpuMicrosPerOp,
    long expiredReadsDirect,
    long expiredReadsProxy) {}
