package io.compactor.it;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * Redis going away: owed replies become errors and the client is closed, new clients are refused with a
 * clear error while it is down, and the proxy recovers by itself when it is back.
 */
class UpstreamFailureIT {
  @RegisterExtension
  static final ProxyEnvironment ENV = ProxyEnvironment.redis();

  @Test
  void upstreamDiesMidPipeline_pendingGetErrorsThenRecovers() throws Exception {
    try (RespClient warm = ENV.proxyClient()) {
      assertThat(warm.callString("PING")).isEqualTo("+PONG\r\n");
    }
    try (RespClient shared = ENV.proxyClient();
        RespClient pinned = ENV.proxyClient();
        RespClient idle = ENV.proxyClient();
        RespClient admin = ENV.upstreamClient()) {
      assertThat(idle.callString("PING")).isEqualTo("+PONG\r\n");
      assertThat(pinned.callString("SELECT", "0")).isEqualTo("+OK\r\n");
      pinned.send("BLPOP", "nothing", "0");
      assertThat(admin.callString("CLIENT", "PAUSE", "10000", "ALL")).isEqualTo("+OK\r\n");
      ByteArrayOutputStream pipeline = new ByteArrayOutputStream();
      for (int i = 0; i < 100; i++) {
        pipeline.writeBytes(RespClient.encode("GET", "k" + i));
      }
      shared.write(pipeline.toByteArray());
      assertThat(shared.isSilentFor(300)).as("replies held by CLIENT PAUSE").isTrue();

      ENV.upstream().stop();

      String expectedError = "-ERR upstream 127.0.0.1:" + ENV.upstream().port() + " closed the connection\r\n";
      for (int i = 0; i < 100; i++) {
        assertThat(shared.callStringOrRead()).isEqualTo(expectedError);
      }
      assertThat(shared.isClosedWithin(5000)).isTrue();
      assertThat(new String(pinned.readReply(), StandardCharsets.UTF_8)).isEqualTo(expectedError);
      assertThat(pinned.isClosedWithin(5000)).isTrue();
      assertThat(idle.isClosedWithin(5000)).as("an idle client of the lost shared connection is closed").isTrue();
    }

    try (RespClient refused = ENV.proxyClient()) {
      String reply = new String(refused.readUntilClosed(), StandardCharsets.UTF_8);
      assertThat(reply).startsWith("-ERR upstream 127.0.0.1:" + ENV.upstream().port() + " unavailable (")
          .endsWith(")\r\n");
    }

    ENV.upstream().restart();
    try (RespClient back = ENV.proxyClient()) {
      assertThat(back.callString("SET", "after", "restart")).isEqualTo("+OK\r\n");
      assertThat(back.callString("GET", "after")).isEqualTo("$7\r\nrestart\r\n");
      assertThat(back.callString("SELECT", "0")).isEqualTo("+OK\r\n");
    }
  }
}
