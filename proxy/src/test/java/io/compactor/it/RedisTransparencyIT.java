package io.compactor.it;

import org.junit.jupiter.api.extension.RegisterExtension;

/** The pass-through contract on Redis, clients multiplexed on shared upstream connections (the default). */
class RedisTransparencyIT extends TransparencyContract {
  @RegisterExtension
  static final ProxyEnvironment ENV = ProxyEnvironment.redis();

  @Override
  ProxyEnvironment env() {
    return ENV;
  }
}
