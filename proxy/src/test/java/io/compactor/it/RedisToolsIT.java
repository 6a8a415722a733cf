package io.compactor.it;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/** Redis's own tools work through the proxy: redis-cli (RESP2 and RESP3) and redis-benchmark. */
class RedisToolsIT {
  @RegisterExtension
  static final ProxyEnvironment ENV = ProxyEnvironment.redis();

  private static String run(String input, String... command) throws IOException, InterruptedException {
    Process p = new ProcessBuilder(command).redirectErrorStream(true).start();
    p.getOutputStream().write(input.getBytes(StandardCharsets.UTF_8));
    p.getOutputStream().close();
    String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    assertThat(p.waitFor(120, TimeUnit.SECONDS)).isTrue();
    assertThat(p.exitValue()).as("exit code of %s; output: %s", String.join(" ", command), out).isZero();
    return out;
  }

  private static final String SESSION = String.join("\n",
      "SET greeting hello", "GET greeting", "INCR counter", "INCRBY counter 10", "HSET h a 1 b 2",
      "HGETALL h", "LPUSH l x y z", "LRANGE l 0 -1", "GET nothing", "INCR greeting", "NOSUCH cmd",
      "MULTI", "SET t 1", "EXEC", "SELECT 3", "DBSIZE", "EVAL \"return {1,'a',{2}}\" 0", "") + "\n";

  @Test
  void redisCli_sameOutputAsDirect() throws Exception {
    for (String protocol : new String[] {"-2", "-3"}) {
      String direct = run(SESSION, "redis-cli", protocol, "-p", Integer.toString(ENV.direct().port()));
      String proxied = run(SESSION, "redis-cli", protocol, "-p", Integer.toString(ENV.proxyPort()));
      assertThat(proxied).as("redis-cli %s", protocol).isEqualTo(direct);
      assertThat(proxied).contains("hello");
      run("", "redis-cli", "-p", Integer.toString(ENV.direct().port()), "FLUSHALL");
      run("", "redis-cli", "-p", Integer.toString(ENV.proxyPort()), "FLUSHALL");
    }
  }

  @Test
  void redisBenchmark_allTestsCompleteWithoutErrors() throws Exception {
    List<String> cmd = new ArrayList<>(List.of("redis-benchmark", "-h", "127.0.0.1", "-p",
        Integer.toString(ENV.proxyPort()), "-n", "2000", "-c", "20", "-q")); // no -t: every test ("-t all" matches none)
    String out = run("", cmd.toArray(new String[0]));
    String lower = out.toLowerCase();
    assertThat(lower).doesNotContain("err").doesNotContain("error");
    for (String test : new String[] {"PING_INLINE", "SET", "GET", "INCR", "LPUSH", "LPOP", "SADD", "HSET",
        "ZADD", "LRANGE_600", "MSET"}) {
      assertThat(out).as("redis-benchmark output").contains(test);
    }
  }
}
