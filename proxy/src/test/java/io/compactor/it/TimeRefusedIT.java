package io.compactor.it;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * A Redis that refuses TIME (renamed away here; an ACL without it refuses it the same way): pipelined
 * GETs, which otherwise go as one transaction starting with TIME, go as script calls, and the proxy's
 * transaction check (MULTI; TIME; EXEC) says so, so they never meet a discarded transaction.
 */
class TimeRefusedIT {
  @RegisterExtension
  static final ProxyEnvironment ENV = ProxyEnvironment.redis()
      .serverArgs("--rename-command", "TIME", "")
      .with("rules", BucketContract.RULES);

  private static String ascii(byte[] b) {
    return new String(b, StandardCharsets.UTF_8);
  }

  @Test
  void timeRefused_pipelinedGetsGoAsScriptCalls() throws Exception {
    try (RespClient proxy = ENV.proxyClient(); RespClient up = ENV.upstreamClient()) {
      // the check runs at start-up and every 5 s: wait until it has been refused once
      ENV.awaitUpstream(r -> r.contains("errorstat_ERR:count="), "the proxy's TIME refused", "INFO", "errorstats");
      StringBuilder sets = new StringBuilder();
      StringBuilder gets = new StringBuilder();
      for (int i = 0; i < 16; i++) {
        sets.append(new String(RespClient.encode(new String[] {"SET", "media:" + i, "v" + i}), StandardCharsets.UTF_8));
        gets.append(new String(RespClient.encode(new String[] {"GET", "media:" + i}), StandardCharsets.UTF_8));
      }
      proxy.write(sets.toString().getBytes(StandardCharsets.UTF_8));
      for (int i = 0; i < 16; i++) {
        assertThat(ascii(proxy.readReply())).isEqualTo("+OK\r\n");
      }
      proxy.write(gets.toString().getBytes(StandardCharsets.UTF_8));
      for (int i = 0; i < 16; i++) {
        assertThat(ascii(proxy.readReply())).as("GET media:%d", i).isEqualTo("$" + ("v" + i).length() + "\r\nv" + i + "\r\n");
      }
      assertThat(ascii(up.call("HGET", "__rc:b:{media:n0}", "7"))).isEqualTo("$2\r\nv7\r\n");
    }
  }
}
