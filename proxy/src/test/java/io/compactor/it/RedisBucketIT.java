package io.compactor.it;

import org.junit.jupiter.api.extension.RegisterExtension;

/** Bucket rules on Redis 7.0 (no per-field expiry: expiry lives in the field's envelope). */
class RedisBucketIT extends BucketContract {
  @RegisterExtension
  static final ProxyEnvironment ENV = ProxyEnvironment.redis().with("rules", RULES);

  @Override
  ProxyEnvironment env() {
    return ENV;
  }
}
