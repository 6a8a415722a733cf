package io.compactor.loadtest;

import io.compactor.upstream.LocalRedis;
import java.io.BufferedReader;
import java.io.File;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The servers of one run: a Redis for the direct mode, another behind the proxy, and the proxy itself
 * as a separate JVM (so its CPU time and garbage collection are its own, as in production). Throwaway
 * {@code redis-server} processes on free loopback ports are started unless the user gives servers.
 * {@link #close()} stops whatever was started.
 */
final class Servers implements AutoCloseable {
  private final List<AutoCloseable> started = new ArrayList<>();
  private final List<LocalRedis> throwaway = new ArrayList<>();
  private Endpoint direct;
  private Endpoint proxy;
  private Path proxyLog;
  private final List<String> redisArgs;

  private Servers(List<String> redisArgs) {
    this.redisArgs = List.copyOf(redisArgs);
  }

  /**
   * Starts (or adopts) the servers.
   *
   * @param directPort an existing Redis for the direct mode, or 0 to start one
   * @param upstreamPort an existing Redis for the proxy to use, or 0 to start one
   * @param redisArgs extra redis-server arguments for the servers started here
   * @param proxySettings {@code name=value} settings passed to the proxy with --set
   */
  static Servers start(int directPort, int upstreamPort, List<String> redisArgs, List<String> proxySettings)
      throws IOException {
    Servers s = new Servers(redisArgs);
    try {
      int d = directPort != 0 ? directPort : s.redis();
      int u = upstreamPort != 0 ? upstreamPort : s.redis();
      s.direct = new Endpoint("direct", "127.0.0.1", d, d, null);
      s.proxy = s.startProxy(u, proxySettings);
      return s;
    } catch (IOException | RuntimeException e) {
      s.close();
      throw e;
    }
  }

  private int redis() throws IOException {
    LocalRedis r = LocalRedis.start("redis-server", redisArgs);
    throwaway.add(r);
    return r.port();
  }

  /** Whether every Redis was started here (and so can be restarted fresh). */
  boolean ownsRedis() {
    return throwaway.size() == 2;
  }

  /**
   * Replaces the throwaway Redis servers with fresh processes on the same ports, so each dataset is
   * measured from an empty allocator (RSS included). Clients connected to them, the proxy's included,
   * see their connections closed and reconnect.
   */
  void restartRedis() throws IOException {
    for (int i = 0; i < throwaway.size(); i++) {
      LocalRedis old = throwaway.get(i);
      int port = old.port();
      old.close();
      throwaway.set(i, LocalRedis.start("redis-server", port, redisArgs));
    }
  }

  private Endpoint startProxy(int upstreamPort, List<String> settings) throws IOException {
    String javaBin = Path.of(System.getProperty("java.home"), "bin", "java").toString();
    String classpath = System.getProperty("java.class.path");
    List<String> cmd = new ArrayList<>(List.of(javaBin, "-cp", classpath, "io.compactor.ProxyMain",
        "--listen", "127.0.0.1:0", "--upstream", "redis://127.0.0.1:" + upstreamPort,
        // the admin address for the proxy's own saving estimate; surveys only when asked (after each load)
        "--admin", "127.0.0.1:0", "--set", "metrics.survey-period=0"));
    for (String s : settings) {
      cmd.add("--set");
      cmd.add(s);
    }
    proxyLog = Files.createTempFile("compactor-loadtest-proxy", ".log");
    proxyLog.toFile().deleteOnExit();
    ProcessBuilder pb = new ProcessBuilder(cmd).redirectError(proxyLog.toFile());
    pb.environment().keySet().removeIf(k -> k.startsWith("COMPACTOR_"));
    Process p = pb.start();
    started.add(() -> {
      p.destroy();
      if (!p.waitFor(15, TimeUnit.SECONDS)) {
        p.destroyForcibly();
      }
    });
    Pattern listening = Pattern.compile("listening on 127\\.0\\.0\\.1:(\\d+)");
    Pattern adminOn = Pattern.compile("admin on /?127\\.0\\.0\\.1:(\\d+)");
    BufferedReader out = new BufferedReader(new InputStreamReader(p.getInputStream(), StandardCharsets.UTF_8));
    for (String line; (line = out.readLine()) != null; ) {
      Matcher a = adminOn.matcher(line);
      if (a.find()) {
        adminPort = Integer.parseInt(a.group(1));
      }
      Matcher m = listening.matcher(line);
      if (m.find()) {
        Thread drain = new Thread(() -> {
          try {
            while (out.readLine() != null) {
              // keep the pipe empty
            }
          } catch (IOException e) {
            // process ended
          }
        }, "proxy-stdout");
        drain.setDaemon(true);
        drain.start();
        return new Endpoint("proxy", "127.0.0.1", Integer.parseInt(m.group(1)), upstreamPort, p.toHandle());
      }
    }
    throw new IOException("the proxy exited before listening: " + Files.readString(proxyLog));
  }

  private int adminPort;

  /**
   * What the proxy estimates its rules save now, in bytes: it surveys the keyspace on demand ({@code POST
   * /survey} on its admin address) and answers when done; null when it can't say (no rules, an error).
   */
  Long claimedSaving() {
    if (adminPort == 0) {
      return null;
    }
    try {
      java.net.http.HttpResponse<String> r = java.net.http.HttpClient.newHttpClient().send(
          java.net.http.HttpRequest.newBuilder(java.net.URI.create("http://127.0.0.1:" + adminPort + "/survey"))
              .POST(java.net.http.HttpRequest.BodyPublishers.noBody()).timeout(java.time.Duration.ofMinutes(10)).build(),
          java.net.http.HttpResponse.BodyHandlers.ofString());
      Matcher m = Pattern.compile("\"savedBytes\":(-?\\d+)").matcher(r.body());
      return r.statusCode() == 200 && m.find() ? Long.valueOf(m.group(1)) : null;
    } catch (IOException e) {
      return null;
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return null;
    }
  }

  Endpoint direct() {
    return direct;
  }

  Endpoint proxy() {
    return proxy;
  }

  /** The proxy's log file (its stderr), for error messages. */
  File proxyLog() {
    return proxyLog.toFile();
  }

  @Override
  public void close() {
    for (LocalRedis r : throwaway) {
      r.close();
    }
    throwaway.clear();
    for (int i = started.size() - 1; i >= 0; i--) {
      try {
        started.get(i).close();
      } catch (Exception e) {
        // best effort: keep stopping the rest
      }
    }
    started.clear();
  }
}
