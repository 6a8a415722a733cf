package io.compactor.it;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;

/** Pub/sub (RESP2 messages and RESP3 pushes), sharded pub/sub and MONITOR through the proxy. Concrete classes pick the server. */
abstract class PubSubContract {
  abstract ProxyEnvironment env();

  @Test
  void subscribe_resp2MessagesMatchRedis() throws IOException {
    try (Differential sub = env().differential();
        Differential pub = env().differential()) {
      sub.exact("SUBSCRIBE", "news", "sport");
      sub.next("second subscribe confirmation");
      sub.exact("PSUBSCRIBE", "n*");
      pub.exact("PUBLISH", "news", "hello");
      sub.next("message");
      sub.next("pmessage");
      pub.exact("PUBLISH", "sport", "goal");
      sub.next("message on sport");
      sub.exact("PING");
      sub.exact("UNSUBSCRIBE", "news");
      sub.exact("GET", "k"); // refused in RESP2 subscribed mode, with Redis's error
      sub.exact("RESET");
      sub.exact("SET", "k", "after-reset");
      sub.exact("GET", "k");
      pub.exact("PUBLISH", "news", "nobody");
    }
  }

  @Test
  void subscribe_resp3PushesMatchRedis() throws IOException {
    try (Differential sub = env().differential();
        Differential pub = env().differential()) {
      sub.shape("HELLO", "3");
      sub.exact("SUBSCRIBE", "ch");
      sub.exact("SET", "k", "v"); // RESP3 allows commands while subscribed
      pub.exact("PUBLISH", "ch", "payload");
      sub.next("push message");
      sub.exact("GET", "k");
      sub.exact("SSUBSCRIBE", "shard");
      pub.exact("SPUBLISH", "shard", "s-payload");
      sub.next("smessage");
      sub.exact("UNSUBSCRIBE");
      sub.exact("SUNSUBSCRIBE");
      sub.exact("PING");
    }
  }

  @Test
  void monitor_streamsCommandsSentThroughTheProxy() throws IOException {
    try (RespClient monitor = env().proxyClient();
        RespClient other = env().proxyClient()) {
      assertThat(monitor.callString("MONITOR")).isEqualTo("+OK\r\n");
      other.call("SET", "monitored", "42");
      String line = new String(monitor.readReply(), StandardCharsets.UTF_8);
      assertThat(line).startsWith("+").contains("\"SET\" \"monitored\" \"42\"");
      assertThat(monitor.callString("RESET")).isEqualTo("+RESET\r\n");
      assertThat(monitor.callString("PING")).isEqualTo("+PONG\r\n");
    }
  }
}
