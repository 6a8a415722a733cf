package io.compactor.it;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * A Redis that accepts MULTI but not EXEC (renamed away): Redis then keeps the proxy's probing
 * transaction open, and the proxy must end it (DISCARD) so its maintenance connection keeps working;
 * bucketed SETs go as script calls.
 */
class ExecRefusedIT {
  @RegisterExtension
  static final ProxyEnvironment ENV = ProxyEnvironment.redis()
      .serverArgs("--rename-command", "EXEC", "")
      .with("rules", BucketContract.RULES);

  private static String ascii(byte[] b) {
    return new String(b, StandardCharsets.UTF_8);
  }

  @Test
  void execRefused_setsGoAsScriptCalls_maintenanceStillWorks() throws Exception {
    try (RespClient proxy = ENV.proxyClient(); RespClient up = ENV.upstreamClient()) {
      for (int i = 0; i < 20; i++) {
        assertThat(ascii(proxy.call("SET", "media:" + i, "v" + i))).isEqualTo("+OK\r\n");
      }
      assertThat(ascii(proxy.call("GET", "media:7"))).isEqualTo("$2\r\nv7\r\n");
      // the maintenance connection is not stuck in a transaction: it reclaims an expired field
      assertThat(ascii(proxy.call("SET", "media:50", "x", "PX", "100"))).isEqualTo("+OK\r\n");
      ENV.awaitUpstream(r -> r.equals(":20\r\n"), "the maintenance pass dropped media:50's field",
          "HLEN", "__rc:b:{media:n0}");
      assertThat(ascii(up.call("HGET", "__rc:b:{media:n0}", "19"))).isEqualTo("$3\r\nv19\r\n");
    }
  }
}
