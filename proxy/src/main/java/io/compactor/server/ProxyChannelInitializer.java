package io.compactor.server;

import io.compactor.compaction.Compactor;
import io.compactor.resp.RequestDecoder;
import io.compactor.resp.RequestLimits;
import io.compactor.upstream.UpstreamConnector;
import io.netty.channel.Channel;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.EventLoop;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Builds each client pipeline: {@link RequestDecoder}, then {@link ClientHandler} with a new
 * {@link Session}; owns the per-event-loop {@link SharedUpstream}s.
 */
public final class ProxyChannelInitializer extends ChannelInitializer<Channel> {
  private final AtomicLong ids = new AtomicLong();
  private final SessionRegistry registry = new SessionRegistry();
  private final Map<EventLoop, SharedUpstream> shared = new ConcurrentHashMap<>();
  private final UpstreamConnector connector;
  private final RequestLimits limits;
  private final int maxInFlight;
  private final boolean multiplex;
  private final long slowClientTimeoutMillis;
  private final Compactor compactor;
  private volatile io.compactor.metrics.ProxyMetrics metrics = io.compactor.metrics.ProxyMetrics.disabled(java.util.List.of());
  private volatile boolean compactorCommand = true;

  /**
   * Creates the initializer; one per server.
   *
   * @param multiplex whether clients start on a shared upstream connection per event loop (true) or each
   *     get their own from the start (false)
   * @param compactor the bucket rules, or null when there are none
   */
  public ProxyChannelInitializer(UpstreamConnector connector, RequestLimits limits, int maxInFlight,
      boolean multiplex, long slowClientTimeoutMillis, Compactor compactor) {
    this.compactor = compactor;
    this.connector = connector;
    this.limits = limits;
    this.maxInFlight = maxInFlight;
    this.multiplex = multiplex;
    this.slowClientTimeoutMillis = slowClientTimeoutMillis;
  }

  /** The meters sessions report to, and whether {@code COMPACTOR KEY} is served; set before the server binds. */
  public void metrics(io.compactor.metrics.ProxyMetrics metrics, boolean compactorCommand) {
    this.metrics = metrics;
    this.compactorCommand = compactorCommand;
  }

  @Override
  protected void initChannel(Channel ch) {
    SharedUpstream up = multiplex
        ? shared.computeIfAbsent(ch.eventLoop(), loop -> new SharedUpstream(loop, connector, slowClientTimeoutMillis, metrics))
        : null;
    Session session = new Session(ids.incrementAndGet(), ch, connector, up, registry, maxInFlight, compactor,
        metrics, compactorCommand);
    ch.pipeline().addLast("decoder", new RequestDecoder(limits));
    ch.pipeline().addLast("client", new ClientHandler(session));
  }

  /** Number of client connections open now. */
  public int connections() {
    return registry.size();
  }

  /** Asks every connection to finish its in-flight commands and close. */
  public void drainAll() {
    registry.drainAll();
  }

  /** Closes every connection now. */
  public void closeAll() {
    registry.closeAll();
  }
}
