package io.compactor.it;

import static org.assertj.core.api.Assertions.assertThat;

import io.netty.buffer.PooledByteBufAllocator;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.util.Arrays;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * A client that does not read its replies must not make the proxy buffer without bound: the proxy stops
 * reading upstream (TCP backpressure), and on a shared connection a client that stalls it too long is
 * disconnected so other clients carry on.
 */
class BackpressureIT {
  @RegisterExtension
  static final ProxyEnvironment ENV = ProxyEnvironment.redis()
      .with("server.slow-client-timeout", "3s")
      .with("server.io-threads", "1"); // every client on one event loop, so they share one upstream connection

  private static final int VALUE_BYTES = 1 << 20;
  private static final int REQUESTS = 200;

  private static long proxyDirectMemory() {
    return PooledByteBufAllocator.DEFAULT.metric().usedDirectMemory();
  }

  private static void slowReaderStaysBounded(String pinCommand) throws Exception {
    byte[] value = new byte[VALUE_BYTES];
    Arrays.fill(value, (byte) 'v');
    try (RespClient setup = ENV.proxyClient()) {
      setup.call("SET".getBytes(), "big".getBytes(), value);
    }
    long before = proxyDirectMemory();
    try (RespClient slow = new RespClient(ENV.proxyPort(), 30_000)) {
      if (pinCommand != null) {
        slow.call(pinCommand, "0");
      }
      ByteArrayOutputStream requests = new ByteArrayOutputStream();
      for (int i = 0; i < REQUESTS; i++) {
        requests.writeBytes(RespClient.encode("GET", "big"));
      }
      slow.write(requests.toByteArray()); // 200 MB of replies requested, none read yet
      long peak = 0;
      for (int i = 0; i < 10; i++) {
        Thread.sleep(100);
        peak = Math.max(peak, proxyDirectMemory() - before);
      }
      assertThat(peak).as("proxy direct memory held for a client that does not read (bytes)")
          .isLessThan(32L * 1024 * 1024);
      for (int i = 0; i < REQUESTS; i++) {
        byte[] reply = slow.readReply();
        assertThat(reply.length).isEqualTo(VALUE_BYTES + 12); // "$1048576\r\n" + value + "\r\n"
      }
    }
  }

  @Test
  void slowReader_sharedConnection_boundedMemory() throws Exception {
    slowReaderStaysBounded(null);
  }

  @Test
  void slowReader_pinnedConnection_boundedMemory() throws Exception {
    slowReaderStaysBounded("SELECT");
  }

  @Test
  void stalledReader_isDisconnectedAndOthersCarryOn() throws Exception {
    byte[] value = new byte[VALUE_BYTES];
    try (RespClient setup = ENV.proxyClient()) {
      setup.call("SET".getBytes(), "big".getBytes(), value);
    }
    try (RespClient stalled = ENV.proxyClient();
        RespClient other = ENV.proxyClient()) {
      ByteArrayOutputStream requests = new ByteArrayOutputStream();
      for (int i = 0; i < 100; i++) {
        requests.writeBytes(RespClient.encode("GET", "big"));
      }
      stalled.write(requests.toByteArray());
      // the stall has begun once Redis holds replies the proxy is not reading (output buffer in use)
      ENV.awaitUpstream(list -> java.util.regex.Pattern.compile(" omem=[1-9]").matcher(list).find(),
          "replies queued in Redis for the stalled shared connection", "CLIENT", "LIST");
      long start = System.nanoTime();
      assertThat(other.callString("PING")).isEqualTo("+PONG\r\n");
      long waitedMillis = (System.nanoTime() - start) / 1_000_000;
      assertThat(waitedMillis).as("another client waits at most about the slow-client timeout")
          .isBetween(1000L, 6000L);
      assertThat(stalled.isClosedWithinDiscarding(10_000)).as("stalled client disconnected").isTrue();
    }
  }
}
