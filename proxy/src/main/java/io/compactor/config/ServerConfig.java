package io.compactor.config;

import java.time.Duration;

/**
 * The client-facing side.
 *
 * @param listen where clients connect
 * @param ioThreads event-loop threads; 0 means half the available cores, at least one (see
 *     {@link #effectiveIoThreads(int)})
 * @param maxInFlight commands per connection sent upstream and not yet answered; above it the proxy
 *     stops reading that client until replies drain
 * @param drainTimeout on shutdown, how long in-flight commands may take to finish before connections
 *     are closed
 * @param slowClientTimeout how long a client that does not read its replies may hold up a shared
 *     upstream connection before it is disconnected
 * @param transport Netty transport: {@code auto} (io_uring where the kernel allows it, else epoll, else
 *     NIO), {@code io_uring}, {@code epoll} or {@code nio}
 */
public record ServerConfig(
    HostPort listen, int ioThreads, int maxInFlight, Duration drainTimeout, Duration slowClientTimeout,
    String transport) {
  /** The values {@code server.transport} takes. */
  public static final java.util.List<String> TRANSPORTS = java.util.List.of("auto", "io_uring", "epoll", "nio");

  public ServerConfig {
    if (!TRANSPORTS.contains(transport)) {
      throw ConfigException.invalid("server.transport", transport, String.join(", ", TRANSPORTS));
    }
    if (ioThreads < 0) {
      throw ConfigException.invalid("server.io-threads", ioThreads, ">= 0");
    }
    if (maxInFlight < 1) {
      throw ConfigException.invalid("server.max-in-flight", maxInFlight, ">= 1");
    }
    if (slowClientTimeout.isZero() || slowClientTimeout.isNegative()) {
      throw ConfigException.invalid("server.slow-client-timeout", slowClientTimeout, "> 0");
    }
    if (drainTimeout.isNegative()) {
      throw ConfigException.invalid("server.drain-timeout", drainTimeout, ">= 0");
    }
  }

  /** Loopback port 6380, threads for half the cores, 1024 in flight, 10 s drain, 10 s slow-client timeout. */
  public static ServerConfig defaults() {
    return new ServerConfig(new HostPort("127.0.0.1", 6380), 0, 1024, Duration.ofSeconds(10), Duration.ofSeconds(10), "auto");
  }

  /**
   * The event-loop threads to start on a machine with {@code cores} available processors: {@code
   * io-threads} when set, else half the cores, at least one. Half, because the proxy shares its host
   * with Redis or with the application it fronts, and a second loop on two cores measured slower than
   * one (loadtest/README.md, "How the upstream design was chosen").
   */
  public int effectiveIoThreads(int cores) {
    return ioThreads > 0 ? ioThreads : Math.max(1, cores / 2);
  }
}
