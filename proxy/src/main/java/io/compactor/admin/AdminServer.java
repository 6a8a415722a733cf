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
 * The HTTP admin endpoint: {@code /health/live} (the process serves requests) and
 * {@code /health/ready} (the upstream answers PING through the proxy's own login). Runs on one small
 * thread of its own, never on the proxy's event loops.
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
    http.createContext("/", ex -> respond(ex, 404, "{\"error\":\"not found\",\"paths\":[\"/health/live\",\"/health/ready\","
        + "\"/dictionaries/train\"]}\n"));
    http.setExecutor(Executors.newSingleThreadExecutor(r -> {
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
    byte[] bytes = body.getBytes(StandardCharsets.UTF_8);
    ex.getResponseHeaders().set("Content-Type", "application/json");
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
