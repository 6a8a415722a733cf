package io.compactor.it;

import org.junit.jupiter.api.extension.RegisterExtension;

/** The proxy's figures on Valkey 8. */
class ValkeyMetricsIT extends MetricsContract {
  @RegisterExtension
  static final ProxyEnvironment ENV = configure(ProxyEnvironment.valkey());

  @Override
  ProxyEnvironment env() {
    return ENV;
  }
}
