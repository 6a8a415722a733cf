package io.compactor.upstream;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

/**
 * A throwaway {@code redis-server} (or {@code valkey-server}) process on a free loopback port, with no
 * persistence, in its own temporary directory. Used when no upstream is configured, by the tests and by
 * the load driver. {@link #close()} stops the process and deletes the directory.
 */
public final class LocalRedis implements AutoCloseable {
  private final Process process;
  private final int port;
  private final Path dir;

  private LocalRedis(Process process, int port, Path dir) {
    this.process = process;
    this.port = port;
    this.dir = dir;
  }

  /**
   * Starts {@code executable} (a name on PATH or a path) with {@code extraArgs} appended to the
   * command line, and waits until it answers PING.
   *
   * @throws IOException when the executable is missing or the server does not come up
   */
  public static LocalRedis start(String executable, List<String> extraArgs) throws IOException {
    return start(executable, 0, extraArgs);
  }

  /**
   * Like {@link #start(String, List)} on a given port ({@code 0}: a free one), for tests that restart a
   * server where clients expect it.
   */
  public static LocalRedis start(String executable, int fixedPort, List<String> extraArgs) throws IOException {
    IOException last = null;
    for (int attempt = 0; attempt < (fixedPort == 0 ? 5 : 20); attempt++) {
      int port = fixedPort == 0 ? freePort() : fixedPort;
      Path dir = Files.createTempDirectory("compactor-redis-");
      List<String> cmd = new ArrayList<>(List.of(
          executable, "--port", Integer.toString(port), "--bind", "127.0.0.1", "--save", "",
          "--appendonly", "no", "--daemonize", "no", "--dir", dir.toString(),
          "--logfile", dir.resolve("server.log").toString()));
      cmd.addAll(extraArgs);
      Process p;
      try {
        p = new ProcessBuilder(cmd).redirectErrorStream(true)
            .redirectOutput(dir.resolve("stdout.log").toFile()).start();
      } catch (IOException e) {
        deleteTree(dir);
        throw new IOException(executable + ": cannot start (" + e.getMessage()
            + "); install it, e.g. apt-get install redis-server", e);
      }
      LocalRedis server = new LocalRedis(p, port, dir);
      if (server.awaitPing(10_000)) {
        return server;
      }
      String log = server.log();
      server.close();
      last = new IOException(executable + " on port " + port + " did not answer PING: " + log);
      if (fixedPort != 0) {
        try {
          Thread.sleep(250); // the old process may still hold the port
        } catch (InterruptedException e) {
          Thread.currentThread().interrupt();
          break;
        }
      }
    }
    throw last;
  }

  /** Starts {@code redis-server} with no extra arguments. */
  public static LocalRedis start() throws IOException {
    return start("redis-server", List.of());
  }

  /** The loopback port it listens on. */
  public int port() {
    return port;
  }

  /** {@code redis://127.0.0.1:PORT}. */
  public String uri() {
    return "redis://127.0.0.1:" + port;
  }

  /** Whether the process is still running. */
  public boolean isAlive() {
    return process.isAlive();
  }

  /** The process id, for tests that signal it. */
  public long pid() {
    return process.pid();
  }

  private boolean awaitPing(long timeoutMillis) {
    long deadline = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(timeoutMillis);
    while (System.nanoTime() < deadline) {
      if (!process.isAlive()) {
        return false;
      }
      try (Socket s = new Socket()) {
        s.connect(new InetSocketAddress(InetAddress.getLoopbackAddress(), port), 500);
        s.setSoTimeout(1000);
        OutputStream out = s.getOutputStream();
        out.write("PING\r\n".getBytes(StandardCharsets.US_ASCII));
        out.flush();
        InputStream in = s.getInputStream();
        byte[] buf = new byte[64];
        int n = in.read(buf);
        String reply = n > 0 ? new String(buf, 0, n, StandardCharsets.US_ASCII) : "";
        if (reply.startsWith("+PONG")) {
          return true;
        }
      } catch (IOException e) {
        // not up yet
      }
      try {
        Thread.sleep(20);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        return false;
      }
    }
    return false;
  }

  private String log() {
    try {
      Path log = dir.resolve("server.log");
      Path out = dir.resolve("stdout.log");
      String text = (Files.exists(log) ? Files.readString(log) : "") + (Files.exists(out) ? Files.readString(out) : "");
      return text.length() > 2000 ? text.substring(text.length() - 2000) : text;
    } catch (IOException e) {
      return "(no log)";
    }
  }

  private static int freePort() throws IOException {
    try (ServerSocket s = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
      s.setReuseAddress(true);
      return s.getLocalPort();
    }
  }

  /** Stops the server (SIGTERM, then SIGKILL after 5 s) and deletes its directory. */
  @Override
  public void close() {
    process.destroy();
    try {
      if (!process.waitFor(5, TimeUnit.SECONDS)) {
        process.destroyForcibly().waitFor(5, TimeUnit.SECONDS);
      }
    } catch (InterruptedException e) {
      process.destroyForcibly();
      Thread.currentThread().interrupt();
    }
    deleteTree(dir);
  }

  private static void deleteTree(Path dir) {
    try (Stream<Path> walk = Files.walk(dir)) {
      walk.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
    } catch (IOException e) {
      // best effort: a temp directory
    }
  }
}
