package io.compactor.it;

import static org.assertj.core.api.Assertions.assertThat;

import io.lettuce.core.ClientOptions;
import io.lettuce.core.LettuceFutures;
import io.lettuce.core.RedisClient;
import io.lettuce.core.RedisFuture;
import io.lettuce.core.RedisURI;
import io.lettuce.core.TransactionResult;
import io.lettuce.core.api.StatefulRedisConnection;
import io.lettuce.core.api.async.RedisAsyncCommands;
import io.lettuce.core.api.sync.RedisCommands;
import io.lettuce.core.protocol.ProtocolVersion;
import io.lettuce.core.pubsub.RedisPubSubAdapter;
import io.lettuce.core.pubsub.StatefulRedisPubSubConnection;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;
import org.junit.jupiter.api.extension.RegisterExtension;

/** An unchanged Lettuce application (RESP3 by default, and RESP2) works through the proxy. */
class LettuceIT {
  @RegisterExtension
  static final ProxyEnvironment ENV = ProxyEnvironment.redis();

  private static RedisClient client(ProtocolVersion protocol) {
    RedisClient client = RedisClient.create(RedisURI.create("127.0.0.1", ENV.proxyPort()));
    client.setOptions(ClientOptions.builder().protocolVersion(protocol).build());
    client.setDefaultTimeout(Duration.ofSeconds(10));
    return client;
  }

  @ParameterizedTest
  @EnumSource(value = ProtocolVersion.class, names = {"RESP2", "RESP3"})
  void commandsPipelinesTransactionsPubSub(ProtocolVersion protocol) throws Exception {
    RedisClient client = client(protocol);
    try (StatefulRedisConnection<String, String> conn = client.connect()) {
      RedisCommands<String, String> sync = conn.sync();
      assertThat(sync.set("user:1", "ada")).isEqualTo("OK");
      assertThat(sync.get("user:1")).isEqualTo("ada");
      assertThat(sync.incrby("n", 5)).isEqualTo(5);
      sync.hset("h", Map.of("a", "1", "b", "2"));
      assertThat(sync.hgetall("h")).isEqualTo(Map.of("a", "1", "b", "2"));
      assertThat(sync.zadd("z", 1.5, "m")).isEqualTo(1);
      assertThat(sync.zscore("z", "m")).isEqualTo(1.5);
      assertThat(sync.get("missing")).isNull();

      RedisAsyncCommands<String, String> async = conn.async();
      conn.setAutoFlushCommands(false);
      List<RedisFuture<?>> futures = new ArrayList<>();
      for (int i = 0; i < 1000; i++) {
        futures.add(async.set("p" + i, "v" + i));
        futures.add(async.get("p" + i));
      }
      conn.flushCommands();
      conn.setAutoFlushCommands(true);
      assertThat(LettuceFutures.awaitAll(Duration.ofSeconds(10), futures.toArray(new RedisFuture[0]))).isTrue();
      for (int i = 0; i < 1000; i++) {
        assertThat(futures.get(2 * i + 1).get()).isEqualTo("v" + i);
      }

      sync.multi();
      sync.set("t", "1");
      sync.incr("t");
      TransactionResult tx = sync.exec();
      assertThat(tx.wasDiscarded()).isFalse();
      assertThat((Object) tx.get(1)).isEqualTo(2L);
    }

    try (StatefulRedisPubSubConnection<String, String> sub = client.connectPubSub();
        StatefulRedisConnection<String, String> pub = client.connect()) {
      BlockingQueue<String> received = new ArrayBlockingQueue<>(10);
      sub.addListener(new RedisPubSubAdapter<>() {
        @Override
        public void message(String channel, String message) {
          received.add(channel + "=" + message);
        }
      });
      sub.sync().subscribe("events");
      assertThat(pub.sync().publish("events", "hello")).isEqualTo(1);
      assertThat(received.poll(5, TimeUnit.SECONDS)).isEqualTo("events=hello");
    }
    client.shutdown();
  }
}
