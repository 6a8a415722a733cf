package io.compactor.it;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The packaged jar as users run it: flags, config errors, environment variables, SIGTERM, throwaway upstream. */
class CliIT {
  private static final Path JAR = Path.of("target", "redis-compactor.jar");

  private static final Map<Process, Path> STDERR = new java.util.concurrent.ConcurrentHashMap<>();

  private static String stderrOf(Process p) throws IOException {
    return Files.readString(STDERR.get(p));
  }

  private static Process launch(Map<String, String> env, String... args) throws IOException {
    assertThat(JAR).as("the jar is built by `mvn package` before integration tests").exists();
    List<String> cmd = new ArrayList<>(List.of(
        Path.of(System.getProperty("java.home"), "bin", "java").toString(), "-jar", JAR.toString()));
    cmd.addAll(List.of(args));
    ProcessBuilder pb = new ProcessBuilder(cmd);
    pb.environment().keySet().removeIf(k -> k.startsWith("COMPACTOR_"));
    pb.environment().putAll(env);
    Path err = Files.createTempFile("compactor-cli", ".stderr"); // Process.destroy() closes the pipes
    err.toFile().deleteOnExit();
    pb.redirectError(err.toFile());
    Process p = pb.start();
    STDERR.put(p, err);
    return p;
  }

  private record Result(int exit, String stdout, String stderr) {}

  private static Result runToExit(Map<String, String> env, String... args) throws Exception {
    Process p = launch(env, args);
    assertThat(p.waitFor(30, TimeUnit.SECONDS)).as("exits").isTrue();
    return new Result(p.exitValue(), new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8),
        stderrOf(p));
  }

  private static void configError(Map<String, String> env, String expectedFragment, String... args) throws Exception {
    Result r = runToExit(env, args);
    assertThat(r.exit()).as("exit code for %s", List.of(args)).isEqualTo(2);
    assertThat(r.stderr().strip().lines().count()).as("one line: %s", r.stderr()).isEqualTo(1);
    assertThat(r.stderr()).contains(expectedFragment);
  }

  @Test
  void badSettings_exitTwoWithOneLineNamingTheSetting(@TempDir Path dir) throws Exception {
    configError(Map.of(), "server.listen: 'nope' (expected: HOST:PORT", "--listen", "nope");
    configError(Map.of(), "upstream.uri: 'http://x' (expected: redis://", "--upstream", "http://x");
    configError(Map.of(), "unknown flag 'foo.bar'", "--set", "foo.bar=1");
    configError(Map.of(), "--set: 'novalue' (expected: NAME=VALUE)", "--set", "novalue");
    configError(Map.of("COMPACTOR_SERVER_LISSEN", "x"), "unknown environment variable 'COMPACTOR_SERVER_LISSEN'");
    configError(Map.of("COMPACTOR_SERVER_MAX_IN_FLIGHT", "0"), "server.max-in-flight: '0' (expected: >= 1)");
    Path yaml = dir.resolve("bad.yaml");
    Files.writeString(yaml, "server:\n  listen: 127.0.0.1:6380\n  bogus: 1\n");
    configError(Map.of(), "unknown setting 'server.bogus'", "--config", yaml.toString());
    configError(Map.of(), "cannot read", "--config", dir.resolve("missing.yaml").toString());
    configError(Map.of(), "Unknown option: '--nope'", "--nope");
  }

  private static int awaitListening(Process p) throws IOException {
    BufferedReader out = new BufferedReader(new InputStreamReader(p.getInputStream(), StandardCharsets.UTF_8));
    Pattern listening = Pattern.compile("listening on 127\\.0\\.0\\.1:(\\d+)");
    for (String line; (line = out.readLine()) != null; ) {
      Matcher m = listening.matcher(line);
      if (m.find()) {
        return Integer.parseInt(m.group(1));
      }
    }
    throw new IOException("proxy exited before listening: " + stderrOf(p));
  }

  @Test
  void sigterm_shutsDownCleanly() throws Exception {
    try (TestServer redis = TestServer.start(ServerKind.REDIS, List.of())) {
      Process p = launch(Map.of("COMPACTOR_UPSTREAM_URI", redis.uri()), "--listen", "127.0.0.1:0");
      int port = awaitListening(p);
      try (RespClient c = new RespClient(port)) {
        assertThat(c.callString("SET", "via", "jar")).isEqualTo("+OK\r\n");
      }
      p.destroy(); // SIGTERM
      assertThat(p.waitFor(20, TimeUnit.SECONDS)).isTrue();
      String stderr = stderrOf(p);
      assertThat(p.exitValue()).as("the JVM's exit status after SIGTERM (128+15); log: %s", stderr).isEqualTo(143);
      assertThat(stderr).contains("shutting down").contains("stopped");
      try (RespClient direct = new RespClient(redis.port())) {
        assertThat(direct.callString("GET", "via")).isEqualTo("$3\r\njar\r\n");
      }
    }
  }

  @Test
  void noUpstreamConfigured_startsAndStopsAThrowawayRedis() throws Exception {
    Process p = launch(Map.of(), "--listen", "127.0.0.1:0");
    int port = awaitListening(p);
    int redisPort;
    try (RespClient c = new RespClient(port)) {
      assertThat(c.callString("SET", "k", "v")).isEqualTo("+OK\r\n");
      String info = new String(c.call("CONFIG", "GET", "port"), StandardCharsets.UTF_8);
      redisPort = Integer.parseInt(info.split("\r\n")[4]);
    }
    p.destroy();
    assertThat(p.waitFor(20, TimeUnit.SECONDS)).isTrue();
    String stderr = stderrOf(p);
    assertThat(stderr).contains("throwaway redis-server");
    assertThat(canConnect(redisPort)).as("throwaway redis-server stopped with the proxy").isFalse();
  }

  @Test
  void noUpstreamConfigured_nonLoopbackListen_isAnError() throws Exception {
    configError(Map.of(), "upstream.uri: missing", "--listen", "0.0.0.0:0");
  }

  private static boolean canConnect(int port) {
    try (RespClient c = new RespClient(port)) {
      return true;
    } catch (IOException e) {
      return false;
    }
  }
}
