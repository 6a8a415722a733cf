package io.compactor;

import io.compactor.config.ConfigException;
import io.compactor.config.ConfigLoader;
import io.compactor.config.ProxyConfig;
import io.compactor.config.RedisUri;
import io.compactor.upstream.LocalRedis;
import java.net.InetAddress;
import java.net.UnknownHostException;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.Callable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * Command-line entry point: {@code java -jar redis-compactor.jar [--config FILE] [--listen HOST:PORT]
 * [--upstream URI] [--admin HOST:PORT] [--set name=value ...]}.
 *
 * <p>Exit codes: 0 after a clean shutdown (SIGTERM or SIGINT), 2 for a configuration or usage error
 * (one line on stderr naming the setting), 1 when the proxy cannot start (address in use, no
 * redis-server for the throwaway upstream).
 */
@Command(
    name = "redis-compactor",
    mixinStandardHelpOptions = true,
    version = "redis-compactor 0.1.0",
    description = "A Redis-protocol proxy that forwards every command to a Redis or Valkey server.",
    sortOptions = false)
public final class ProxyMain implements Callable<Integer> {
  private static final Logger log = LoggerFactory.getLogger(ProxyMain.class);

  @Option(names = "--config", paramLabel = "FILE", description = "YAML config file (see config/README.md).")
  Path config;

  @Option(names = "--listen", paramLabel = "HOST:PORT", description = "Client address (server.listen; default 127.0.0.1:6380).")
  String listen;

  @Option(names = "--upstream", paramLabel = "URI",
      description = "redis://[[user]:pass@]host:port[/db] or rediss:// (upstream.uri). "
          + "When no upstream is configured anywhere, a throwaway local redis-server is started.")
  String upstream;

  @Option(names = "--admin", paramLabel = "HOST:PORT", description = "HTTP health endpoint (admin.listen; default off).")
  String admin;

  @Option(names = "--set", paramLabel = "NAME=VALUE", description = "Any setting by its dotted name, e.g. --set limits.max-bulk-bytes=64mb.")
  List<String> sets = List.of();

  private final Map<String, String> env;
  private final CountDownLatch stopped = new CountDownLatch(1);

  ProxyMain(Map<String, String> env) {
    this.env = env;
  }

  /** Runs the proxy until SIGTERM/SIGINT; exits with the code above. */
  public static void main(String[] args) {
    // Netty's leak detector (SIMPLE by default) costs about 0.5 of the proxy's ~3.1 us of user CPU per
    // request (loadtest/bench/cpu-per-request.sh). The test suite runs with it at paranoid; production runs without it unless
    // asked: -Dio.netty.leakDetection.level=simple.
    if (System.getProperty("io.netty.leakDetection.level") == null
        && System.getProperty("io.netty.leakDetectionLevel") == null) {
      System.setProperty("io.netty.leakDetection.level", "disabled");
    }
    CommandLine cli = new CommandLine(new ProxyMain(System.getenv()));
    cli.setParameterExceptionHandler((ex, a) -> {
      System.err.println("redis-compactor: " + ex.getMessage() + " (see --help)");
      return 2;
    });
    System.exit(cli.execute(args));
  }

  /** Loads the configuration from file, environment and flags; throws {@link ConfigException}. */
  ProxyConfig loadConfig() {
    Map<String, String> overrides = new LinkedHashMap<>();
    for (String s : sets) {
      int eq = s.indexOf('=');
      if (eq <= 0) {
        throw new ConfigException("--set: '" + s + "' (expected: NAME=VALUE)");
      }
      overrides.put(s.substring(0, eq).trim(), s.substring(eq + 1));
    }
    if (listen != null) {
      overrides.put("server.listen", listen);
    }
    if (upstream != null) {
      overrides.put("upstream.uri", upstream);
    }
    if (admin != null) {
      overrides.put("admin.listen", admin);
    }
    return ConfigLoader.load(config, env, overrides);
  }

  @Override
  public Integer call() {
    ProxyConfig cfg;
    try {
      cfg = loadConfig();
    } catch (ConfigException e) {
      System.err.println("redis-compactor: " + e.getMessage());
      return 2;
    }
    LocalRedis throwaway = null;
    ProxyServer server;
    try {
      if (cfg.upstream().uri() == null) {
        if (!isLoopback(cfg.server().listen().host())) {
          System.err.println("redis-compactor: upstream.uri: missing (expected: redis://host:port; a throwaway "
              + "local redis-server is only started when listening on loopback)");
          return 2;
        }
        throwaway = LocalRedis.start();
        log.warn("no upstream configured: started a throwaway redis-server at {} (data is discarded at exit; "
            + "set --upstream or COMPACTOR_UPSTREAM_URI for a real one)", throwaway.uri());
        cfg = cfg.withUpstream(cfg.upstream().withUri(RedisUri.parse(throwaway.uri())));
      }
      server = ProxyServer.start(cfg);
    } catch (Exception e) {
      System.err.println("redis-compactor: cannot start: " + e.getMessage());
      if (throwaway != null) {
        throwaway.close();
      }
      return 1;
    }
    LocalRedis spawned = throwaway;
    Runtime.getRuntime().addShutdownHook(new Thread(() -> {
      server.close();
      if (spawned != null) {
        spawned.close();
      }
      stopped.countDown();
    }, "compactor-shutdown"));
    if (server.adminAddress() != null) { // before the listening line, which tells scripts the proxy is up
      System.out.println("redis-compactor admin on " + server.adminAddress().getHostString() + ":"
          + server.adminAddress().getPort() + " (/metrics, /dashboard, /health/ready)");
    }
    System.out.println("redis-compactor listening on " + server.localAddress().getHostString() + ":"
        + server.localAddress().getPort() + " -> " + cfg.upstream().uri().redacted());
    System.out.flush();
    try {
      stopped.await();
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
    return 0;
  }

  private static boolean isLoopback(String host) {
    try {
      return InetAddress.getByName(host).isLoopbackAddress();
    } catch (UnknownHostException e) {
      return false;
    }
  }
}
