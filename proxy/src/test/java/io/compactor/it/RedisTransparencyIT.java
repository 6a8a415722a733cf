package io.compactor.it;

import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * The pass-through contract on Redis, clients multiplexed on shared upstream connections (the default),
 * on three event loops: the default is half the cores, which is one loop on a two-core machine, and the
 * tests' clients then spread over several loops and shared connections, as on a larger host.
 */
class RedisTransparencyIT extends TransparencyContract {
  @RegisterExtension
  static final ProxyEnvironment ENV = ProxyEnvironment.redis().with("server.io-threads", "3");

  @Override
  ProxyEnvironment env() {
    return ENV;
  }
}
