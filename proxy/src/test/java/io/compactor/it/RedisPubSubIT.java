package io.compactor.it;

import org.junit.jupiter.api.extension.RegisterExtension;

/** PubSub semantics on Redis. */
class RedisPubSubIT extends PubSubContract {
  @RegisterExtension
  static final ProxyEnvironment ENV = ProxyEnvironment.redis();

  @Override
  ProxyEnvironment env() {
    return ENV;
  }
}
