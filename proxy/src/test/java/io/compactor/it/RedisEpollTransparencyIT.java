package io.compactor.it;

import org.junit.jupiter.api.extension.RegisterExtension;

/** The pass-through contract on Redis with the epoll transport (the default, auto, takes io_uring where the kernel has it). */
class RedisEpollTransparencyIT extends TransparencyContract {
  @RegisterExtension
  static final ProxyEnvironment ENV = ProxyEnvironment.redis().with("server.transport", "epoll");

  @Override
  ProxyEnvironment env() {
    return ENV;
  }
}
