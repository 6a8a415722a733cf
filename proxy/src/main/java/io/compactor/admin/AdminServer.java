package io.compactor.admin;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import io.compactor.config.HostPort;
import io.compactor.upstream.UpstreamConnector;
import io.compactor.upstream.UpstreamProbe;
import io.netty.channel.EventLoop;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.function.IntSupplier;

/**
 * The HTTP admin endpoint: {@code /health/live} (the process serves requests),
 * {@code /health/ready} (the upstream answers PING through the proxy's own login), and the metrics
 * endpoints (see {@link #start(HostPort, UpstreamConnector, EventLoop, IntSupplier, java.util.function.Function,
 * io.compactor.metrics.ProxyMetrics, java.util.function.Supplier)}). Runs on a few small threads of its
 * own, never on the proxy's event loops.
 */
public final class AdminServer implements AutoCloseable {
  private final HttpServer http;

  private AdminServer(HttpServer http) {
    this.http = http;
  }

  /**
   * Binds {@code listen} and starts serving.
   *
   * @param connections how many client connections are open, reported by the health endpoints
   * @throws IOException when the address cannot be bound
   */
  public static AdminServer start(HostPort listen, UpstreamConnector connector, EventLoop loop,
      IntSupplier connections) throws IOException {
    return start(listen, connector, loop, connections, rule -> java.util.concurrent.CompletableFuture.completedFuture(
        "no compression rules"));
  }

  /**
   * As {@link #start(HostPort, UpstreamConnector, EventLoop, IntSupplier)}, with {@code POST
   * /dictionaries/train?rule=NAME}, which trains a compression rule's dictionary now through {@code train}.
   */
  public static AdminServer start(HostPort listen, UpstreamConnector connector, EventLoop loop,
      IntSupplier connections, java.util.function.Function<String, java.util.concurrent.CompletableFuture<String>> train)
      throws IOException {
    return start(listen, connector, loop, connections, train, null, null);
  }

  /**
   * As above, with the metrics endpoints: {@code GET /metrics} (Prometheus text), {@code GET /api/stats}
   * (the dashboard's JSON), {@code GET /dashboard} (the page), {@code POST /survey} (a keyspace survey
   * now, answered when it is done).
   *
   * @param metrics the proxy's meters, or null when disabled
   * @param survey starts a survey and completes with its estimate, or null when there is none
   */
  public static AdminServer start(HostPort listen, UpstreamConnector connector, EventLoop loop,
      IntSupplier connections, java.util.function.Function<String, java.util.concurrent.CompletableFuture<String>> train,
      io.compactor.metrics.ProxyMetrics metrics,
      java.util.function.Supplier<java.util.concurrent.CompletableFuture<io.compactor.metrics.Savings.Estimate>> survey)
      throws IOException {
    HttpServer http = HttpServer.create(new InetSocketAddress(listen.host(), listen.port()), 16);
    UpstreamProbe probe = new UpstreamProbe(connector, loop);
    http.createContext("/health/live", ex -> respond(ex, 200,
        "{\"status\":\"live\",\"connections\":" + connections.getAsInt() + "}\n"));
    http.createContext("/health/ready", ex -> {
      String problem;
      try {
        problem = probe.check(1000).get(2, TimeUnit.SECONDS);
      } catch (Exception e) {
        problem = "probe failed: " + e;
      }
      if (problem == null) {
        respond(ex, 200, "{\"status\":\"ready\",\"upstream\":\"" + connector.describe() + "\"}\n");
      } else {
        respond(ex, 503, "{\"status\":\"not ready\",\"reason\":\"" + json(problem) + "\"}\n");
      }
    });
    http.createContext("/dictionaries/train", ex -> {
      if (!"POST".equals(ex.getRequestMethod())) {
        respond(ex, 405, "{\"error\":\"use POST /dictionaries/train?rule=NAME\"}\n");
        return;
      }
      String query = ex.getRequestURI().getQuery();
      String rule = query != null && query.startsWith("rule=") ? query.substring(5) : null;
      if (rule == null || rule.isEmpty()) {
        respond(ex, 400, "{\"error\":\"missing rule (POST /dictionaries/train?rule=NAME)\"}\n");
        return;
      }
      String outcome;
      try {
        outcome = train.apply(rule).get(60, TimeUnit.SECONDS);
      } catch (Exception e) {
        outcome = "training failed: " + e;
      }
      respond(ex, outcome.contains("trained dictionary") ? 200 : 409, "{\"outcome\":\"" + json(outcome) + "\"}\n");
    });
    boolean on = metrics != null && metrics.isEnabled();
    http.createContext("/metrics", ex -> {
      if (!on) {
        respond(ex, 404, "{\"error\":\"metrics are off (metrics.enabled: false)\"}\n");
        return;
      }
      send(ex, 200, "text/plain; version=0.0.4; charset=utf-8", metrics.scrape().getBytes(StandardCharsets.UTF_8));
    });
    http.createContext("/api/stats", ex -> {
      if (!on) {
        respond(ex, 404, "{\"error\":\"metrics are off (metrics.enabled: false)\"}\n");
        return;
      }
      respond(ex, 200, io.compactor.metrics.Reports.json(metrics, connections.getAsInt()));
    });
    http.createContext("/survey", ex -> {
      if (!"POST".equals(ex.getRequestMethod())) {
        respond(ex, 405, "{\"error\":\"use POST /survey\"}\n");
        return;
      }
      if (!on || survey == null) {
        respond(ex, 409, "{\"error\":\"no survey: metrics are off or no rule is configured\"}\n");
        return;
      }
      try {
        io.compactor.metrics.Savings.Estimate e = survey.get().get(10, TimeUnit.MINUTES);
        respond(ex, 200, "{\"savedBytes\":" + e.savedBytes() + ",\"logicalKeys\":" + e.logicalKeys()
            + ",\"durationMillis\":" + e.durationMillis() + "}\n");
      } catch (Exception e) {
        respond(ex, 503, "{\"error\":\"survey failed: " + json(String.valueOf(e.getMessage())) + "\"}\n");
      }
    });
    http.createContext("/dashboard", ex -> {
      String path = ex.getRequestURI().getPath();
      if (path.equals("/dashboard/chart.js")) {
        send(ex, 200, "text/javascript", ChartJs.source());
        return;
      }
      if (!path.equals("/dashboard") && !path.equals("/dashboard/")) {
        respond(ex, 404, "{\"error\":\"not found\"}\n");
        return;
      }
      try (java.io.InputStream in = AdminServer.class.getResourceAsStream("/io/compactor/admin/dashboard.html")) {
        send(ex, 200, "text/html; charset=utf-8", in.readAllBytes());
      }
    });
    http.createContext("/", ex -> {
      if (ex.getRequestURI().getPath().equals("/") && on) {
        ex.getResponseHeaders().set("Location", "/dashboard");
        ex.sendResponseHeaders(302, -1);
        ex.close();
        return;
      }
      respond(ex, 404, "{\"error\":\"not found\",\"paths\":[\"/health/live\",\"/health/ready\","
          + "\"/dictionaries/train\",\"/metrics\",\"/api/stats\",\"/dashboard\",\"/survey\"]}\n");
    });
    http.setExecutor(Executors.newFixedThreadPool(4, r -> { // a survey request must not hold up health probes
      Thread t = new Thread(r, "compactor-admin");
      t.setDaemon(true);
      return t;
    }));
    http.start();
    return new AdminServer(http);
  }

  /** The bound address. */
  public InetSocketAddress address() {
    return http.getAddress();
  }

  private static void respond(HttpExchange ex, int status, String body) throws IOException {
    send(ex, status, "application/json", body.getBytes(StandardCharsets.UTF_8));
  }

  private static void send(HttpExchange ex, int status, String type, byte[] bytes) throws IOException {
    ex.getResponseHeaders().set("Content-Type", type);
    ex.sendResponseHeaders(status, bytes.length);
    try (OutputStream out = ex.getResponseBody()) {
      out.write(bytes);
    }
  }

  private static String json(String s) {
    return s.replace("\\", "\\\\").replace("\"", "\\\"").replace("\n", " ").replace("\r", " ");
  }

  /** Stops serving. */
  @Override
  public void close() {
    http.stop(0);
  }
}
