package io.compactor;

import io.compactor.admin.AdminServer;
import io.compactor.config.ProxyConfig;
import io.compactor.server.ProxyChannelInitializer;
import io.compactor.server.Transport;
import io.compactor.codec.ValueCodecs;
import io.compactor.compaction.Compactor;
import io.compactor.compaction.bucket.BucketCompactor;
import io.compactor.compaction.compress.CompressCompactor;
import io.compactor.compaction.compress.CompressRule;
import io.compactor.compaction.compress.Dictionaries;
import io.compactor.config.RuleConfig;
import io.compactor.compaction.bucket.BucketScript;
import io.compactor.metrics.ProxyMetrics;
import io.compactor.upstream.Maintenance;
import io.compactor.upstream.UpstreamConnector;
import io.netty.bootstrap.ServerBootstrap;
import io.netty.channel.Channel;
import io.netty.channel.ChannelOption;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.ServerChannel;
import io.netty.channel.WriteBufferWaterMark;
import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The running proxy: binds the listen address, accepts clients, and shuts down gracefully (stop
 * accepting, let in-flight commands finish within the drain timeout, close).
 */
public final class ProxyServer implements AutoCloseable {
  private static final Logger log = LoggerFactory.getLogger(ProxyServer.class);

  /**
   * Buckets per call of the script's active-expiry step: small enough that a call over full buckets of
   * 128 fields stays well under Redis's slow-log threshold (10 ms), where 50 did not.
   */
  private static final int REAP_BATCH = 8;

  private final ProxyConfig config;
  private final EventLoopGroup boss;
  private final EventLoopGroup workers;
  private final Channel serverChannel;
  private final ProxyChannelInitializer initializer;
  private final AdminServer admin;
  private Maintenance maintenance;
  private ProxyMetrics metrics;
  private volatile boolean closed;

  private ProxyServer(ProxyConfig config, EventLoopGroup boss, EventLoopGroup workers, Channel serverChannel,
      ProxyChannelInitializer initializer, AdminServer admin) {
    this.config = config;
    this.boss = boss;
    this.workers = workers;
    this.serverChannel = serverChannel;
    this.initializer = initializer;
    this.admin = admin;
  }

  /**
   * Starts a proxy for {@code config}, whose upstream uri must be set. Returns once the listen socket
   * is bound.
   *
   * @throws Exception when binding fails
   */
  public static ProxyServer start(ProxyConfig config) throws Exception {
    if (config.upstream().uri() == null) {
      throw new IllegalArgumentException("upstream.uri: missing (expected: redis://host:port)");
    }
    int threads = config.server().effectiveIoThreads(Runtime.getRuntime().availableProcessors());
    Transport.Loops loops = Transport.start(
        Boolean.getBoolean("compactor.nio") ? "nio" : config.server().transport(), threads);
    Transport transport = loops.transport();
    EventLoopGroup boss = loops.boss();
    EventLoopGroup workers = loops.workers();
    Class<? extends ServerChannel> serverClass = transport.serverChannel();
    Class<? extends Channel> clientClass = transport.socketChannel();
    AdminServer admin = null;
    try {
      boolean anyRules = !config.rules().isEmpty();
      java.util.concurrent.atomic.AtomicReference<Maintenance> maintenance = new java.util.concurrent.atomic.AtomicReference<>();
      ValueCodecs codecs = new ValueCodecs(id -> {
        Maintenance m = maintenance.get();
        return m == null ? null : m.dictionary(id);
      }, config.limits().maxBulkBytes());
      BucketCompactor buckets = new BucketCompactor(config.rules(), codecs);
      CompressCompactor compression = new CompressCompactor(config.rules(), codecs);
      Compactor compactor = new Compactor(buckets, compression.isEmpty() ? null : compression, config.rules());
      UpstreamConnector connector = new UpstreamConnector(config.upstream(), clientClass,
          anyRules ? List.of(BucketScript.body()) : List.of());
      ProxyChannelInitializer initializer =
          new ProxyChannelInitializer(connector, config.limits(), config.server().maxInFlight(),
              config.upstream().multiplex(), config.server().slowClientTimeout().toMillis(),
              anyRules ? compactor : null);
      ProxyMetrics metrics = config.metrics().enabled()
          ? ProxyMetrics.create(compactor.rules(), initializer::connections, codecs::dictionaryCacheStats)
          : ProxyMetrics.disabled(compactor.rules());
      initializer.metrics(metrics, config.metrics().compactorCommand());
      ServerBootstrap b = new ServerBootstrap()
          .group(boss, workers)
          .channel(serverClass)
          .option(ChannelOption.SO_BACKLOG, 1024)
          .option(ChannelOption.SO_REUSEADDR, true)
          .childOption(ChannelOption.TCP_NODELAY, true)
          .childOption(ChannelOption.SO_KEEPALIVE, true)
          .childOption(ChannelOption.AUTO_READ, false) // read once the upstream connection is ready
          .childOption(ChannelOption.WRITE_BUFFER_WATER_MARK, new WriteBufferWaterMark(64 * 1024, 256 * 1024))
          .childHandler(initializer);
      Channel ch = b.bind(config.server().listen().toAddress()).sync().channel();
      if (config.admin().listen() != null) {
        admin = AdminServer.start(config.admin().listen(), connector, workers.next(), initializer::connections,
            rule -> {
              Maintenance m = maintenance.get();
              return m == null ? java.util.concurrent.CompletableFuture.completedFuture("no compression rules")
                  : m.trainDictionary(rule);
            }, metrics, anyRules ? () -> {
              Maintenance m = maintenance.get();
              return m == null ? java.util.concurrent.CompletableFuture.failedFuture(
                  new IllegalStateException("maintenance not started yet")) : m.surveyNow();
            } : null);
      }
      if (admin != null) {
        log.info("admin on {}", admin.address());
      }
      log.info("listening on {} ({} io threads, {}, {}), upstream {}", ch.localAddress(), threads,
          transport.name(), config.upstream().multiplex() ? "multiplexed" : "pinned connections",
          config.upstream().uri().redacted());
      ProxyServer server = new ProxyServer(config, boss, workers, ch, initializer, admin);
      server.metrics = metrics;
      if (anyRules) {
        int widest = config.rules().stream().filter(r -> r.strategy() == RuleConfig.Strategy.BUCKET)
            .mapToInt(r -> r.fieldsPerBucket()).max().orElse(0);
        server.maintenance = Maintenance.start(config, BucketScript.body(), BucketScript.sha(),
            new Maintenance.Limits() {
              @Override
              public void maxListpackValue(int bytes) {
                buckets.maxListpackValue(bytes);
              }

              @Override
              public void maxmemory(long bytes) {
                buckets.maxmemory(bytes);
              }

              @Override
              public void transactions(boolean allowed) {
                buckets.transactions(allowed);
              }
            }, widest, Duration.ofMillis(100), buckets.isEmpty() ? 0 : REAP_BATCH);
        maintenance.set(server.maintenance);
        if (metrics.isEnabled()) {
          server.maintenance.survey(config.rules(), buckets.rulesArgv(), config.metrics().surveySample(),
              config.metrics().surveyPeriod(), metrics::publish);
        }
        List<CompressRule> coded = new java.util.ArrayList<>(compression.rules());
        coded.addAll(buckets.compressedRules());
        if (!coded.isEmpty()) {
          server.maintenance.manage(new Dictionaries(coded, codecs));
        }
        log.info("{} rule(s): {}", config.rules().size(), config.rules().stream()
            .map(r -> r.name() + " " + r.pattern() + " " + r.strategy().name().toLowerCase(java.util.Locale.ROOT)
                + (r.compression() == null ? "" : " " + r.compression().codec()))
            .collect(java.util.stream.Collectors.joining(", ")));
      }
      return server;
    } catch (Exception | Error e) {
      if (admin != null) {
        admin.close();
      }
      boss.shutdownGracefully(0, 0, TimeUnit.SECONDS);
      workers.shutdownGracefully(0, 0, TimeUnit.SECONDS);
      throw e;
    }
  }

  /** The bound listen address (useful with port 0). */
  public InetSocketAddress localAddress() {
    return (InetSocketAddress) serverChannel.localAddress();
  }

  /** The bound admin address, or null when the admin endpoint is disabled. */
  public InetSocketAddress adminAddress() {
    return admin == null ? null : admin.address();
  }

  /** The proxy's meters (no-ops when {@code metrics.enabled} is false). */
  public ProxyMetrics metrics() {
    return metrics;
  }

  /** Runs a keyspace survey now (see {@link Maintenance#surveyNow()}); fails when there are no rules or metrics are off. */
  public java.util.concurrent.CompletableFuture<io.compactor.metrics.Savings.Estimate> surveyNow() {
    return maintenance == null || !metrics.isEnabled()
        ? java.util.concurrent.CompletableFuture.failedFuture(new IllegalStateException("no survey configured"))
        : maintenance.surveyNow();
  }

  /** Client connections open now. */
  public int connections() {
    return initializer.connections();
  }

  /**
   * Graceful shutdown: stops accepting, lets each connection finish the commands it has in flight (up
   * to the drain timeout), then closes everything. Idempotent.
   */
  @Override
  public void close() {
    if (closed) {
      return;
    }
    closed = true;
    Duration drain = config.server().drainTimeout();
    log.info("shutting down: draining {} connection(s), up to {} ms", connections(), drain.toMillis());
    serverChannel.close().syncUninterruptibly();
    if (admin != null) {
      admin.close();
    }
    if (maintenance != null) {
      maintenance.close();
    }
    if (metrics != null) {
      metrics.close();
    }
    initializer.drainAll();
    long deadline = System.nanoTime() + drain.toNanos();
    while (initializer.connections() > 0 && System.nanoTime() < deadline) {
      try {
        Thread.sleep(10);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        break;
      }
    }
    int left = initializer.connections();
    if (left > 0) {
      log.warn("drain timeout: closing {} connection(s) with commands still in flight", left);
      initializer.closeAll();
    }
    workers.shutdownGracefully(0, 2, TimeUnit.SECONDS).syncUninterruptibly();
    boss.shutdownGracefully(0, 2, TimeUnit.SECONDS).syncUninterruptibly();
    log.info("stopped");
  }
}
