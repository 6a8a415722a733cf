package io.compactor.it;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import org.junit.jupiter.api.Test;

/** Blocking commands wait as long as the client waits, and never hold up other clients. Concrete classes pick the server. */
abstract class BlockingContract {
  abstract ProxyEnvironment env();

  @Test
  void blpopZero_waitsUntilPushed() throws IOException {
    try (RespClient blocked = env().proxyClient();
        RespClient other = env().proxyClient()) {
      blocked.send("BLPOP", "q", "0");
      assertThat(blocked.isSilentFor(3000)).as("BLPOP 0 still waiting after 3 s").isTrue();
      long start = System.nanoTime();
      assertThat(other.callString("SET", "unrelated", "1")).isEqualTo("+OK\r\n");
      assertThat(other.callString("GET", "unrelated")).isEqualTo("$1\r\n1\r\n");
      assertThat((System.nanoTime() - start) / 1_000_000).as("other clients are not held up (ms)").isLessThan(1000);
      assertThat(other.callString("LPUSH", "q", "item")).isEqualTo(":1\r\n");
      assertThat(blocked.readReply()).isEqualTo("*2\r\n$1\r\nq\r\n$4\r\nitem\r\n".getBytes());
    }
  }

  @Test
  void blockingTimeouts_sameRepliesAsRedis() throws IOException {
    try (Differential d = env().differential()) {
      d.exact("BLPOP", "none", "0.1");
      d.exact("BZPOPMIN", "none", "0.1");
      d.exact("XREAD", "BLOCK", "100", "STREAMS", "nostream", "$");
      d.exact("RPUSH", "ready", "a");
      d.exact("BRPOP", "ready", "1");
      d.exact("BLMOVE", "none", "dst", "LEFT", "RIGHT", "0.1");
      d.exact("WAIT", "0", "100");
    }
  }

  @Test
  void clientUnblock_releasesABlockedClient() throws IOException {
    try (RespClient blocked = env().proxyClient();
        RespClient other = env().proxyClient()) {
      String id = blocked.callString("CLIENT", "ID").substring(1).trim();
      blocked.send("BLPOP", "never", "0");
      assertThat(blocked.isSilentFor(300)).isTrue();
      assertThat(other.callString("CLIENT", "UNBLOCK", id)).isEqualTo(":1\r\n");
      assertThat(blocked.callString("PING")).isEqualTo("*-1\r\n"); // the BLPOP reply comes first
      assertThat(new String(blocked.readReply())).isEqualTo("+PONG\r\n");
    }
  }

  @Test
  void clientDisconnect_unblocksUpstream() throws Exception {
    RespClient blocked = env().proxyClient();
    blocked.send("BLPOP", "gone", "0");
    assertThat(blocked.isSilentFor(300)).isTrue();
    blocked.close();
    env().awaitUpstream(info -> info.contains("blocked_clients:0"), "the BLPOP released in Redis", "INFO", "clients");
  }
}
