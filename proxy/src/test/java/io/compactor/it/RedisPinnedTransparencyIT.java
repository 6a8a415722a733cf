package io.compactor.it;

import org.junit.jupiter.api.extension.RegisterExtension;

/** The pass-through contract on Redis with multiplexing off: every client has its own upstream connection. */
class RedisPinnedTransparencyIT extends TransparencyContract {
  @RegisterExtension
  static final ProxyEnvironment ENV = ProxyEnvironment.redis().with("upstream.multiplex", "false");

  @Override
  ProxyEnvironment env() {
    return ENV;
  }
}
