package io.compactor.it;

import org.junit.jupiter.api.extension.RegisterExtension;

/** Blocking semantics on Valkey. */
class ValkeyBlockingIT extends BlockingContract {
  @RegisterExtension
  static final ProxyEnvironment ENV = ProxyEnvironment.valkey();

  @Override
  ProxyEnvironment env() {
    return ENV;
  }
}
