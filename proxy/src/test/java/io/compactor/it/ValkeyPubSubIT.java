package io.compactor.it;

import org.junit.jupiter.api.extension.RegisterExtension;

/** PubSub semantics on Valkey. */
class ValkeyPubSubIT extends PubSubContract {
  @RegisterExtension
  static final ProxyEnvironment ENV = ProxyEnvironment.valkey();

  @Override
  ProxyEnvironment env() {
    return ENV;
  }
}
