package io.compactor.it;

import static org.assertj.core.api.Assertions.assertThat;

import io.compactor.ProxyServer;
import io.compactor.config.ConfigLoader;
import java.io.IOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code rediss://}: the proxy reaches a TLS-only Redis, checks its certificate (CA and host name), and
 * logs in with the URI's ACL user and database.
 */
class TlsUpstreamIT {
  @TempDir
  static Path dir;

  private static TestServer redis;
  private static int tlsPort;

  private static void openssl(String... args) throws Exception {
    Process p = new ProcessBuilder(args).directory(dir.toFile()).redirectErrorStream(true).start();
    String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    assertThat(p.waitFor(60, TimeUnit.SECONDS)).isTrue();
    assertThat(p.exitValue()).as("%s: %s", String.join(" ", args), out).isZero();
  }

  @BeforeAll
  static void startTlsRedis() throws Exception {
    openssl("openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-keyout", "ca.key", "-out", "ca.pem",
        "-days", "2", "-subj", "/CN=compactor-test-ca");
    openssl("openssl", "req", "-newkey", "rsa:2048", "-nodes", "-keyout", "server.key", "-out", "server.csr",
        "-subj", "/CN=localhost");
    Files.writeString(dir.resolve("ext.cnf"), "subjectAltName=DNS:localhost\n");
    openssl("openssl", "x509", "-req", "-in", "server.csr", "-CA", "ca.pem", "-CAkey", "ca.key",
        "-CAcreateserial", "-out", "server.pem", "-days", "2", "-extfile", "ext.cnf");
    try (ServerSocket s = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
      tlsPort = s.getLocalPort();
    }
    redis = TestServer.start(ServerKind.REDIS, List.of(
        "--tls-port", Integer.toString(tlsPort),
        "--tls-cert-file", dir.resolve("server.pem").toString(),
        "--tls-key-file", dir.resolve("server.key").toString(),
        "--tls-ca-cert-file", dir.resolve("ca.pem").toString(),
        "--tls-auth-clients", "no"));
    try (RespClient admin = new RespClient(redis.port())) {
      assertThat(admin.callString("ACL", "SETUSER", "app", "on", ">pw", "~*", "+@all")).isEqualTo("+OK\r\n");
    }
  }

  @AfterAll
  static void stop() {
    if (redis != null) {
      redis.close();
    }
  }

  private static ProxyServer proxy(String uri) throws Exception {
    return ProxyServer.start(ConfigLoader.load(null, Map.of(), Map.of(
        "server.listen", "127.0.0.1:0",
        "upstream.uri", uri,
        "upstream.tls-ca-file", dir.resolve("ca.pem").toString())));
  }

  @Test
  void rediss_verifiedCertificate_logsInAndSelects() throws Exception {
    ProxyServer proxy = proxy("rediss://app:pw@localhost:" + tlsPort + "/2");
    try (RespClient c = new RespClient(proxy.localAddress().getPort())) {
      assertThat(c.callString("SET", "over", "tls")).isEqualTo("+OK\r\n");
      assertThat(c.callString("ACL", "WHOAMI")).isEqualTo("$3\r\napp\r\n");
    } finally {
      proxy.close();
    }
    try (RespClient plain = new RespClient(redis.port())) {
      plain.call("SELECT", "2");
      assertThat(plain.callString("GET", "over")).isEqualTo("$3\r\ntls\r\n");
    }
  }

  @Test
  void rediss_hostNameNotInCertificate_clientGetsAClearError() throws Exception {
    ProxyServer proxy = proxy("rediss://127.0.0.1:" + tlsPort); // the certificate names only localhost
    try (RespClient c = new RespClient(proxy.localAddress().getPort())) {
      String reply = new String(c.readUntilClosed(), StandardCharsets.UTF_8);
      assertThat(reply).startsWith("-ERR upstream 127.0.0.1:" + tlsPort + " unavailable (TLS handshake with")
          .contains("failed");
    } finally {
      proxy.close();
    }
  }

  @Test
  void rediss_wrongPassword_clientGetsTheServersRefusal() throws Exception {
    ProxyServer proxy = proxy("rediss://app:wrong@localhost:" + tlsPort);
    try (RespClient c = new RespClient(proxy.localAddress().getPort())) {
      String reply = new String(c.readUntilClosed(), StandardCharsets.UTF_8);
      assertThat(reply).startsWith("-ERR upstream localhost:" + tlsPort + " refused the proxy's login: WRONGPASS");
    } catch (IOException e) {
      throw e;
    } finally {
      proxy.close();
    }
  }
}
