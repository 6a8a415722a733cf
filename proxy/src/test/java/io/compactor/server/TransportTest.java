package io.compactor.server;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.netty.channel.EventLoopGroup;
import io.netty.channel.epoll.Epoll;
import io.netty.channel.uring.IoUring;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

class TransportTest {
  @Test
  void auto_prefersIoUringThenEpollThenNio() {
    String expected = IoUring.isAvailable() ? "io_uring" : Epoll.isAvailable() ? "epoll" : "nio";
    assertThat(Transport.select("auto").name()).isEqualTo(expected);
  }

  @Test
  void start_givesBothGroupsOnTheChosenTransport() throws Exception {
    Transport.Loops loops = Transport.start("auto", 2);
    try {
      assertThat(loops.transport().name()).isEqualTo(Transport.select("auto").name());
      assertThat(loops.workers().submit(() -> Thread.currentThread().getName()).get()).startsWith("compactor-io");
      assertThat(loops.boss().submit(() -> Thread.currentThread().getName()).get()).startsWith("compactor-accept");
    } finally {
      loops.workers().shutdownGracefully(0, 1, TimeUnit.SECONDS).sync();
      loops.boss().shutdownGracefully(0, 1, TimeUnit.SECONDS).sync();
    }
  }

  @Test
  void eachTransport_runsAnEventLoopOrSaysWhyNot() throws Exception {
    for (String name : new String[] {"io_uring", "epoll", "nio"}) {
      boolean available = switch (name) {
        case "io_uring" -> IoUring.isAvailable();
        case "epoll" -> Epoll.isAvailable();
        default -> true;
      };
      if (!available) {
        assertThatThrownBy(() -> Transport.select(name))
            .hasMessageContaining("server.transport: " + name + " is not available here");
        continue;
      }
      Transport t = Transport.select(name);
      assertThat(t.name()).isEqualTo(name);
      EventLoopGroup group = t.group(1, "transport-test");
      try {
        assertThat(group.submit(() -> Thread.currentThread().getName()).get()).startsWith("transport-test");
      } finally {
        group.shutdownGracefully(0, 1, TimeUnit.SECONDS).sync();
      }
    }
  }
}
