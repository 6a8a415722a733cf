package io.compactor.it;

import org.junit.jupiter.api.extension.RegisterExtension;

/** The proxy's figures on Redis 7.0. */
class RedisMetricsIT extends MetricsContract {
  @RegisterExtension
  static final ProxyEnvironment ENV = configure(ProxyEnvironment.redis());

  @Override
  ProxyEnvironment env() {
    return ENV;
  }
}
