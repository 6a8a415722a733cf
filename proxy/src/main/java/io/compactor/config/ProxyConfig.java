package io.compactor.config;

import io.compactor.resp.RequestLimits;
import java.util.List;

/** Everything the proxy is configured with; immutable, loaded once by {@link ConfigLoader}. */
public record ProxyConfig(
    ServerConfig server, UpstreamConfig upstream, RequestLimits limits, AdminConfig admin, List<RuleConfig> rules,
    MetricsConfig metrics) {

  public ProxyConfig {
    rules = List.copyOf(rules);
  }

  /** All defaults: see each record's {@code defaults()}. */
  public static ProxyConfig defaults() {
    return new ProxyConfig(
        ServerConfig.defaults(), UpstreamConfig.defaults(), RequestLimits.defaults(), AdminConfig.defaults(), List.of(),
        MetricsConfig.defaults());
  }

  /** A copy with another upstream section. */
  public ProxyConfig withUpstream(UpstreamConfig newUpstream) {
    return new ProxyConfig(server, newUpstream, limits, admin, rules, metrics);
  }

  /** A copy with other rules. */
  public ProxyConfig withRules(List<RuleConfig> newRules) {
    return new ProxyConfig(server, upstream, limits, admin, newRules, metrics);
  }

  /** A copy with another server section. */
  public ProxyConfig withServer(ServerConfig newServer) {
    return new ProxyConfig(newServer, upstream, limits, admin, rules, metrics);
  }
}
