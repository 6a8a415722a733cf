package io.compactor.config;

import java.nio.file.Path;
import java.time.Duration;

/**
 * The Redis (or Valkey) the proxy forwards to.
 *
 * @param uri the server and credentials; null means "none configured": the launcher then starts a
 *     throwaway local redis-server (loopback listen addresses only)
 * @param connectTimeout how long to wait for a TCP (and TLS) connection
 * @param tlsCaFile PEM file of CA certificates to trust for {@code rediss://}; null uses the JVM's
 *     trust store
 * @param multiplex whether clients start on one upstream connection shared per I/O thread and move to
 *     their own on their first connection-stateful command (true), or get their own from the start
 */
public record UpstreamConfig(RedisUri uri, Duration connectTimeout, Path tlsCaFile, boolean multiplex) {
  public UpstreamConfig {
    if (connectTimeout.isZero() || connectTimeout.isNegative()) {
      throw ConfigException.invalid("upstream.connect-timeout", connectTimeout, "> 0");
    }
  }

  /** No upstream (throwaway), 2 s connect timeout, JVM trust store, multiplexing on. */
  public static UpstreamConfig defaults() {
    return new UpstreamConfig(null, Duration.ofSeconds(2), null, true);
  }

  /** A copy pointing at {@code newUri}. */
  public UpstreamConfig withUri(RedisUri newUri) {
    return new UpstreamConfig(newUri, connectTimeout, tlsCaFile, multiplex);
  }
}
