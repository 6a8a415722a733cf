package io.compactor.config;

import io.compactor.resp.RequestLimits;

/** Everything the proxy is configured with; immutable, loaded once by {@link ConfigLoader}. */
public record ProxyConfig(
    ServerConfig server, UpstreamConfig upstream, RequestLimits limits, AdminConfig admin) {

  /** All defaults: see each record's {@code defaults()}. */
  public static ProxyConfig defaults() {
    return new ProxyConfig(
        ServerConfig.defaults(), UpstreamConfig.defaults(), RequestLimits.defaults(), AdminConfig.defaults());
  }

  /** A copy with another upstream section. */
  public ProxyConfig withUpstream(UpstreamConfig newUpstream) {
    return new ProxyConfig(server, newUpstream, limits, admin);
  }

  /** A copy with another server section. */
  public ProxyConfig withServer(ServerConfig newServer) {
    return new ProxyConfig(newServer, upstream, limits, admin);
  }
}
