package io.compactor.it;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/** Malformed requests get Redis's own error, then the connection closes; the proxy and other clients carry on. */
class ProtocolErrorIT {
  @RegisterExtension
  static final ProxyEnvironment ENV = ProxyEnvironment.redis();

  private static void sameAsRedis(String input) throws IOException {
    byte[] bytes = input.getBytes(StandardCharsets.ISO_8859_1);
    try (RespClient direct = ENV.directClient();
        RespClient proxied = ENV.proxyClient()) {
      direct.write(bytes);
      proxied.write(bytes);
      byte[] expected = direct.readUntilClosed();
      byte[] actual = proxied.readUntilClosed();
      assertThat(RespClient.show(actual)).as("reply to %s", RespClient.show(bytes)).isEqualTo(RespClient.show(expected));
    }
  }

  @Test
  void malformed_sameErrorAsRedisThenClose() throws IOException {
    sameAsRedis("*abc\r\n");
    sameAsRedis("*1\r\n+foo\r\n");
    sameAsRedis("*1\r\n$-5\r\n");
    sameAsRedis("*1\r\n$abc\r\n");
    sameAsRedis("*99999999999\r\n");
    sameAsRedis("*3\r\n$3\r\nSET\r\n$1\r\nk\r\n*1\r\n");
    sameAsRedis("SET \"unbalanced\r\n");
    sameAsRedis("SET k v\r\nGET k\r\n*1\r\n$x\r\n");
    sameAsRedis("*2\r\n$3\r\nGET\r\n$1\r\nk\r\n*2\r\n$3\r\nGET\r\n$1\r\nk\r\n*1\r\n:1\r\n");
    sameAsRedis("x".repeat(70 * 1024));
    sameAsRedis("*" + "1".repeat(70 * 1024));
  }

  @Test
  void proxyLimits_clearErrorNamingTheLimit() throws Exception {
    ProxyEnvironment env = ENV;
    try (RespClient c = env.proxyClient()) {
      c.writeAscii("*2000000\r\n");
      String reply = new String(c.readUntilClosed(), StandardCharsets.UTF_8);
      assertThat(reply).isEqualTo(
          "-ERR Protocol error: invalid multibulk length: 2000000 (expected: <= 1048576, limits.max-array-length)\r\n");
    }
    try (RespClient other = env.proxyClient()) {
      assertThat(other.callString("PING")).isEqualTo("+PONG\r\n");
    }
  }

  @Test
  void afterProtocolErrors_otherClientsAreServed() throws IOException {
    try (RespClient steady = ENV.proxyClient()) {
      assertThat(steady.callString("SET", "steady", "1")).isEqualTo("+OK\r\n");
      for (int i = 0; i < 20; i++) {
        try (RespClient bad = ENV.proxyClient()) {
          bad.writeAscii("*1\r\n$-" + i + "x\r\n");
          assertThat(new String(bad.readUntilClosed(), StandardCharsets.UTF_8)).startsWith("-ERR Protocol error");
        }
      }
      assertThat(steady.callString("GET", "steady")).isEqualTo("$1\r\n1\r\n");
    }
  }
}
