package io.compactor.it;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/** Graceful shutdown: stop accepting, let in-flight commands finish within the drain timeout, close. */
class ShutdownIT {
  @RegisterExtension
  static final ProxyEnvironment ENV = ProxyEnvironment.redis().with("server.drain-timeout", "4s");

  @Test
  void close_inFlightCommandsFinishThenConnectionsClose() throws Exception {
    try (RespClient inFlight = ENV.proxyClient();
        RespClient idle = ENV.proxyClient();
        RespClient stuck = ENV.proxyClient()) {
      assertThat(idle.callString("PING")).isEqualTo("+PONG\r\n");
      inFlight.send("BLPOP", "q", "1.5"); // answers (nil) after 1.5 s
      stuck.send("BLPOP", "q2", "0"); // would wait forever
      ENV.awaitUpstream(info -> info.contains("blocked_clients:2"), "both BLPOPs blocked in Redis", "INFO", "clients");
      long start = System.nanoTime();
      CompletableFuture<Void> closing = CompletableFuture.runAsync(() -> ENV.proxy().close());

      assertThat(idle.isClosedWithin(2000)).as("idle connection closed promptly").isTrue();
      assertThat(inFlight.readReply()).as("in-flight command answered").isEqualTo("*-1\r\n".getBytes());
      assertThat(inFlight.isClosedWithin(2000)).isTrue();
      assertThat(stuck.isClosedWithin(6000)).as("closed at the drain timeout").isTrue();
      closing.get(10, TimeUnit.SECONDS);
      long tookMillis = (System.nanoTime() - start) / 1_000_000;
      assertThat(tookMillis).isBetween(1000L, 8000L);
      int port = ENV.proxyPort();
      assertThatThrownBy(() -> new RespClient(port)).isInstanceOf(IOException.class);
    } finally {
      ENV.startProxy(); // leave a running proxy for afterAll to stop
    }
  }
}
