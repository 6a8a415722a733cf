package io.compactor.it;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * A Redis that refuses MULTI (here renamed away; an ACL without {@code @transaction} refuses it the same
 * way): the proxy's maintenance connection finds out, and a lone bucketed SET, which otherwise goes as
 * MULTI/HSET/DEL/PERSIST/EXEC, goes as a script call instead, never as commands outside a transaction.
 */
class TransactionsRefusedIT {
  @RegisterExtension
  static final ProxyEnvironment ENV = ProxyEnvironment.redis()
      .serverArgs("--rename-command", "MULTI", "")
      .with("rules", BucketContract.RULES);

  private static String ascii(byte[] b) {
    return new String(b, StandardCharsets.UTF_8);
  }

  private static long stat(RespClient up, String section, String field) throws java.io.IOException {
    for (String line : ascii(up.call("INFO", section)).split("\r\n")) {
      if (line.startsWith(field)) {
        return Long.parseLong(line.substring(field.length(), line.contains(",") ? line.indexOf(',') : line.length()));
      }
    }
    return 0;
  }

  @Test
  void multiRefused_setsGoAsScriptCalls() throws Exception {
    try (RespClient proxy = ENV.proxyClient(); RespClient up = ENV.upstreamClient()) {
      // the proxy tries MULTI at start-up and with every re-read of the limits (5 s): wait for the refusal
      ENV.awaitUpstream(r -> r.contains("errorstat_ERR:count="), "the proxy's MULTI refused", "INFO", "errorstats");
      long scripts = stat(up, "commandstats", "cmdstat_evalsha:calls=");
      long errors = stat(up, "stats", "total_error_replies:");
      for (int i = 0; i < 20; i++) {
        assertThat(ascii(proxy.call("SET", "media:" + i, "v" + i))).isEqualTo("+OK\r\n");
      }
      assertThat(stat(up, "commandstats", "cmdstat_evalsha:calls=") - scripts).isGreaterThanOrEqualTo(20);
      assertThat(stat(up, "commandstats", "cmdstat_exec:calls=")).as("no EXEC behind a refused MULTI").isZero();
      assertThat(stat(up, "stats", "total_error_replies:") - errors).as("no SET met an error").isLessThanOrEqualTo(1);
      assertThat(ascii(proxy.call("GET", "media:7"))).isEqualTo("$2\r\nv7\r\n");
      assertThat(ascii(up.call("HGET", "__rc:b:{media:n0}", "7"))).isEqualTo("$2\r\nv7\r\n");
      // the maintenance connection still works after the refused MULTI: it reclaims an expired field
      assertThat(ascii(proxy.call("SET", "media:50", "x", "PX", "100"))).isEqualTo("+OK\r\n");
      ENV.awaitUpstream(r -> r.equals(":20\r\n"), "the maintenance pass dropped media:50's field",
          "HLEN", "__rc:b:{media:n0}");
    }
  }
}
