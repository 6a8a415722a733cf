package io.compactor.it;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * A Redis whose CONFIG command is disabled (as on several managed services): the proxy assumes Redis's
 * default listpack limits, keeps serving bucketed keys, and its periodic re-read of the limits changes
 * nothing.
 */
class ConfigRefusedIT {
  @RegisterExtension
  static final ProxyEnvironment ENV = ProxyEnvironment.redis()
      .serverArgs("--rename-command", "CONFIG", "")
      .with("rules", BucketContract.RULES);

  private static String ascii(byte[] b) {
    return new String(b, StandardCharsets.UTF_8);
  }

  private static long errorReplies(RespClient up) throws java.io.IOException {
    for (String line : ascii(up.call("INFO", "stats")).split("\r\n")) {
      if (line.startsWith("total_error_replies:")) {
        return Long.parseLong(line.substring("total_error_replies:".length()));
      }
    }
    throw new AssertionError("INFO stats has no total_error_replies");
  }

  @Test
  void configRefused_defaultsAssumedAcrossReReads() throws Exception {
    try (RespClient proxy = ENV.proxyClient(); RespClient up = ENV.upstreamClient()) {
      assertThat(ascii(up.call("CONFIG", "GET", "hash-max-listpack-value"))).startsWith("-ERR unknown command");
      // the proxy's next periodic CONFIG GET (every 5 s) is refused too: wait until Redis has answered it
      long before = errorReplies(up);
      long deadline = System.nanoTime() + java.util.concurrent.TimeUnit.SECONDS.toNanos(15);
      while (errorReplies(up) == before) {
        assertThat(System.nanoTime()).as("the proxy never read the limits again").isLessThan(deadline);
        Thread.sleep(50);
      }
      String longer = "v".repeat(100); // over the default 64: an overflow key
      assertThat(ascii(proxy.call("SET", "media:1", longer))).isEqualTo("+OK\r\n");
      assertThat(ascii(proxy.call("SET", "media:2", "short"))).isEqualTo("+OK\r\n");
      assertThat(ascii(up.call("EXISTS", "__rc:o:{media:n0}:1"))).isEqualTo(":1\r\n");
      assertThat(ascii(up.call("HGET", "__rc:b:{media:n0}", "2"))).isEqualTo("$5\r\nshort\r\n");
      assertThat(ascii(proxy.call("GET", "media:1"))).isEqualTo("$100\r\n" + longer + "\r\n");
    }
  }
}
