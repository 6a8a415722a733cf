package io.compactor.it;

import org.junit.jupiter.api.extension.RegisterExtension;

/** Compression rules on Valkey 8. */
class ValkeyCompressIT extends CompressContract {
  @RegisterExtension
  static final ProxyEnvironment ENV = ProxyEnvironment.valkey().with("rules", RULES);

  @Override
  ProxyEnvironment env() {
    return ENV;
  }
}
