/**
 * Meters and the figures behind them: the proxy's meters, the estimate of the memory its rules save, and
 * {@link io.compactor.metrics.RedisCost}, the model of what Redis would spend on the same keys stored plainly.
 */
package io.compactor.metrics;
