package io.compactor.it;

import org.junit.jupiter.api.extension.RegisterExtension;

/** Compression rules on Redis 7.0. */
class RedisCompressIT extends CompressContract {
  @RegisterExtension
  static final ProxyEnvironment ENV = ProxyEnvironment.redis().with("rules", RULES);

  @Override
  ProxyEnvironment env() {
    return ENV;
  }
}
