package io.compactor.it;

import org.junit.jupiter.api.extension.RegisterExtension;

/** Blocking semantics on Redis. */
class RedisBlockingIT extends BlockingContract {
  @RegisterExtension
  static final ProxyEnvironment ENV = ProxyEnvironment.redis();

  @Override
  ProxyEnvironment env() {
    return ENV;
  }
}
