package io.compactor.it;

import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * Bucket rules on Redis 7.0 (no per-field expiry: expiry lives in the field's envelope), on three event
 * loops (see {@link RedisTransparencyIT}); the Valkey run keeps the default.
 */
class RedisBucketIT extends BucketContract {
  @RegisterExtension
  static final ProxyEnvironment ENV = ProxyEnvironment.redis().with("rules", RULES).with("server.io-threads", "3");

  @Override
  ProxyEnvironment env() {
    return ENV;
  }
}
