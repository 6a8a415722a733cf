package io.compactor.it;

import org.junit.jupiter.api.extension.RegisterExtension;

/** The pass-through contract on Valkey 8. */
class ValkeyTransparencyIT extends TransparencyContract {
  @RegisterExtension
  static final ProxyEnvironment ENV = ProxyEnvironment.valkey();

  @Override
  ProxyEnvironment env() {
    return ENV;
  }
}
