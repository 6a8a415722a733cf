package io.compactor.it;

import io.compactor.upstream.LocalRedis;
import java.io.IOException;
import java.util.List;

/**
 * A real Redis or Valkey server for one test class: a local process on a free loopback port (the way
 * CI and the development machines run), or, where the binary is missing and a Docker engine answers, a
 * Testcontainers container. A missing server is a failure with instructions, never a skipped test.
 */
public final class TestServer implements AutoCloseable {
  private final ServerKind kind;
  private final List<String> args;
  private LocalRedis process;
  private ContainerServer container;
  private int port;

  private TestServer(ServerKind kind, List<String> args) {
    this.kind = kind;
    this.args = args;
  }

  /** Starts a server of {@code kind} with extra command-line {@code args}. */
  public static TestServer start(ServerKind kind, List<String> args) throws IOException {
    TestServer s = new TestServer(kind, args);
    s.startFresh();
    return s;
  }

  private void startFresh() throws IOException {
    try {
      process = LocalRedis.start(kind.executable, port, args);
      port = process.port();
    } catch (IOException e) {
      if (port == 0 && ContainerServer.dockerAvailable()) {
        container = ContainerServer.start(kind.image, args);
        port = container.port();
      } else {
        throw new IOException(kind.executable + " is needed for the integration tests: " + e.getMessage()
            + " (run .ci/install-servers, or install Docker for Testcontainers)", e);
      }
    }
  }

  public int port() {
    return port;
  }

  public String uri() {
    return "redis://127.0.0.1:" + port;
  }

  public ServerKind kind() {
    return kind;
  }

  /** Kills the server (SIGTERM), as an outage. */
  public void stop() {
    if (process != null) {
      process.close();
      process = null;
    }
    if (container != null) {
      container.close();
      container = null;
    }
  }

  /** Starts the server again on the same port after {@link #stop()}. Local processes only. */
  public void restart() throws IOException {
    if (process == null && container == null) {
      process = LocalRedis.start(kind.executable, port, args);
    }
  }

  @Override
  public void close() {
    stop();
  }
}
