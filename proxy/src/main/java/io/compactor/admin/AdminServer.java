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
    http.createContext("/", ex -> respond(ex, 404, "{\"error\":\"not found\",\"paths\":[\"/health/live\",\"/health/ready\"]}\n"));
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
