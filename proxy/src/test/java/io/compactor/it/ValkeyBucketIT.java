package io.compactor.it;

import org.junit.jupiter.api.extension.RegisterExtension;

/** Bucket rules on Valkey 8. */
class ValkeyBucketIT extends BucketContract {
  @RegisterExtension
  static final ProxyEnvironment ENV = ProxyEnvironment.valkey().with("rules", RULES);

  @Override
  ProxyEnvironment env() {
    return ENV;
  }
}
