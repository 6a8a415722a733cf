package io.compactor.it;

import io.compactor.ProxyServer;
import io.compactor.config.ConfigLoader;
import io.compactor.config.ProxyConfig;
import java.io.IOException;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.extension.AfterAllCallback;
import org.junit.jupiter.api.extension.BeforeAllCallback;
import org.junit.jupiter.api.extension.BeforeEachCallback;
import org.junit.jupiter.api.extension.ExtensionContext;

/**
 * JUnit 5 extension for one test class: two fresh real servers of the same kind, {@code direct} (the
 * oracle) and {@code upstream}, and an in-process proxy on a free loopback port in front of
 * {@code upstream}. Both servers are flushed before each test; everything is stopped after the class.
 *
 * <pre>{@code @RegisterExtension static final ProxyEnvironment env = ProxyEnvironment.redis();}</pre>
 */
public final class ProxyEnvironment implements BeforeAllCallback, AfterAllCallback, BeforeEachCallback {
  private final ServerKind kind;
  private final List<String> serverArgs = new ArrayList<>();
  private final Map<String, String> settings = new LinkedHashMap<>();
  private TestServer direct;
  private TestServer upstream;
  private ProxyServer proxy;

  private ProxyEnvironment(ServerKind kind) {
    this.kind = kind;
    // DEBUG is off by default since Redis 7; some tests use it on both sides
    serverArgs.addAll(List.of("--enable-debug-command", "yes"));
  }

  public static ProxyEnvironment redis() {
    return new ProxyEnvironment(ServerKind.REDIS);
  }

  public static ProxyEnvironment valkey() {
    return new ProxyEnvironment(ServerKind.VALKEY);
  }

  /** A proxy setting by its dotted name, as {@code --set} takes it. */
  public ProxyEnvironment with(String setting, String value) {
    settings.put(setting, value);
    return this;
  }

  /** Extra redis-server arguments for both servers. */
  public ProxyEnvironment serverArgs(String... args) {
    serverArgs.addAll(List.of(args));
    return this;
  }

  @Override
  public void beforeAll(ExtensionContext context) throws Exception {
    direct = TestServer.start(kind, serverArgs);
    upstream = TestServer.start(kind, serverArgs);
    startProxy();
  }

  /** Starts (or restarts) the proxy with the configured settings. */
  public void startProxy() throws Exception {
    Map<String, String> s = new LinkedHashMap<>();
    s.put("server.listen", "127.0.0.1:0");
    s.put("upstream.uri", upstream.uri());
    s.put("server.drain-timeout", "5s");
    s.putAll(settings);
    ProxyConfig config = ConfigLoader.load(null, Map.of(), s);
    proxy = ProxyServer.start(config);
  }

  @Override
  public void beforeEach(ExtensionContext context) throws IOException {
    for (TestServer server : List.of(direct, upstream)) {
      try (RespClient c = new RespClient(server.port())) {
        c.call("FLUSHALL");
        c.call("SCRIPT", "FLUSH");
        c.call("FUNCTION", "FLUSH");
      }
    }
    if (settings.containsKey(ConfigLoader.RULES)) {
      // the proxy loads its script when it connects; put it back after the flush above
      try (RespClient c = new RespClient(upstream.port())) {
        c.call("SCRIPT".getBytes(java.nio.charset.StandardCharsets.US_ASCII),
            "LOAD".getBytes(java.nio.charset.StandardCharsets.US_ASCII),
            io.compactor.compaction.bucket.BucketScript.body());
      }
    }
  }

  @Override
  public void afterAll(ExtensionContext context) {
    if (proxy != null) {
      proxy.close();
    }
    if (direct != null) {
      direct.close();
    }
    if (upstream != null) {
      upstream.close();
    }
  }

  public TestServer direct() {
    return direct;
  }

  public TestServer upstream() {
    return upstream;
  }

  public ProxyServer proxy() {
    return proxy;
  }

  public int proxyPort() {
    return proxy.localAddress().getPort();
  }

  public ServerKind kind() {
    return kind;
  }

  /** A raw client to the oracle server. */
  public RespClient directClient() throws IOException {
    return new RespClient(direct.port());
  }

  /** A raw client through the proxy. */
  public RespClient proxyClient() throws IOException {
    return new RespClient(proxyPort());
  }

  /** A raw client straight to the server behind the proxy, to look at what was stored. */
  public RespClient upstreamClient() throws IOException {
    return new RespClient(upstream.port());
  }

  /**
   * Waits (up to 10 s) until the reply of {@code command} on the server behind the proxy satisfies
   * {@code condition}, for tests that must know the server reached a state (clients blocked, output
   * buffered) before acting.
   */
  public void awaitUpstream(java.util.function.Predicate<String> condition, String what, String... command)
      throws IOException, InterruptedException {
    long deadline = System.nanoTime() + java.util.concurrent.TimeUnit.SECONDS.toNanos(10);
    try (RespClient admin = upstreamClient()) {
      while (true) {
        String reply = new String(admin.call(command), java.nio.charset.StandardCharsets.UTF_8);
        if (condition.test(reply)) {
          return;
        }
        if (System.nanoTime() > deadline) {
          throw new AssertionError("upstream never reached: " + what + "; last reply:\n" + reply);
        }
        Thread.sleep(20);
      }
    }
  }

  /** A differential pair: one connection to the oracle, one through the proxy. */
  public Differential differential() throws IOException {
    return new Differential(directClient(), proxyClient());
  }
}
