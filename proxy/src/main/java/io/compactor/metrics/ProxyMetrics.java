package io.compactor.metrics;

import io.compactor.compaction.Compactor;
import io.compactor.compaction.RuleStats;
import io.compactor.config.RuleConfig;
import io.compactor.resp.Command;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.FunctionCounter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.Tags;
import io.micrometer.core.instrument.Timer;
import io.micrometer.core.instrument.binder.jvm.JvmGcMetrics;
import io.micrometer.core.instrument.binder.jvm.JvmMemoryMetrics;
import io.micrometer.core.instrument.binder.jvm.JvmThreadMetrics;
import io.micrometer.core.instrument.binder.system.ProcessorMetrics;
import io.micrometer.core.instrument.binder.system.UptimeMetrics;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import io.netty.buffer.PooledByteBufAllocator;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.LongAdder;
import java.util.function.IntSupplier;
import java.util.function.Supplier;

/**
 * Every meter the proxy has, registered once at start-up and kept in fields, so the hot path only
 * increments {@link LongAdder}s or records into a timer it already holds; the rules' own counters
 * ({@link RuleStats}) are read by function counters at scrape time. {@link #disabled()} makes every
 * hot-path call a no-op ({@code metrics.enabled: false}). A metric call never throws into a command:
 * the hot-path methods do nothing that can fail. Thread-safe.
 */
public final class ProxyMetrics {
  /** Why the proxy answered with an error of its own. Closed set (a metric tag). */
  public enum ErrorKind {
    PROTOCOL, UPSTREAM_UNAVAILABLE, UPSTREAM_CLOSED, REFUSED, SLOW_CLIENT;

    String tag() {
      return name().toLowerCase(Locale.ROOT).replace('_', '-');
    }
  }

  private final boolean enabled;
  private final PrometheusMeterRegistry registry;
  private final List<Compactor.RuleView> rules;
  private final LongAdder[] commands = new LongAdder[CommandGroups.count()];
  private final LongAdder[] errors = new LongAdder[ErrorKind.values().length];
  private final LongAdder reconnects = new LongAdder();
  private final LongAdder inFlight = new LongAdder();
  private final Timer latency;
  private final Timer upstreamLatency;
  private final long startNanos = System.nanoTime();
  private volatile Savings.Estimate estimate;
  private final History history;
  /** Held here: a function counter keeps only a weak reference to what it reads. */
  private final Supplier<com.github.benmanes.caffeine.cache.stats.CacheStats> dictionaryCache;

  private ProxyMetrics(boolean enabled, List<Compactor.RuleView> rules, IntSupplier connections,
      Supplier<com.github.benmanes.caffeine.cache.stats.CacheStats> dictionaryCache) {
    this.enabled = enabled;
    this.dictionaryCache = dictionaryCache;
    this.rules = List.copyOf(rules);
    for (int i = 0; i < commands.length; i++) {
      commands[i] = new LongAdder();
    }
    for (int i = 0; i < errors.length; i++) {
      errors[i] = new LongAdder();
    }
    List<String> names = new ArrayList<>();
    List<String> strategies = new ArrayList<>();
    for (Compactor.RuleView r : this.rules) {
      names.add(r.config().name());
      strategies.add(strategy(r.config()));
    }
    this.estimate = Savings.Estimate.none(names, strategies);
    if (!enabled) {
      registry = null;
      latency = null;
      upstreamLatency = null;
      history = null;
      return;
    }
    registry = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
    latency = Timer.builder("proxy.latency")
        .description("Time from reading a client's request to flushing the next reply to it (sampled)")
        .publishPercentiles(0.5, 0.99, 0.999).publishPercentileHistogram()
        .minimumExpectedValue(Duration.ofNanos(10_000)).maximumExpectedValue(Duration.ofSeconds(10))
        .register(registry);
    upstreamLatency = Timer.builder("proxy.upstream.latency")
        .description("Time from queueing a command on a shared upstream connection to its reply (sampled)")
        .publishPercentiles(0.5, 0.99, 0.999).publishPercentileHistogram()
        .minimumExpectedValue(Duration.ofNanos(10_000)).maximumExpectedValue(Duration.ofSeconds(10))
        .register(registry);
    for (int i = 0; i < commands.length; i++) {
      FunctionCounter.builder("proxy.commands", commands[i], LongAdder::sum)
          .description("Client commands by Redis command group").tag("group", CommandGroups.name(i)).register(registry);
    }
    for (ErrorKind k : ErrorKind.values()) {
      FunctionCounter.builder("proxy.errors", errors[k.ordinal()], LongAdder::sum)
          .description("Errors the proxy answered itself, by kind").tag("kind", k.tag()).register(registry);
    }
    FunctionCounter.builder("proxy.upstream.reconnects", reconnects, LongAdder::sum)
        .description("Shared upstream connections made again after one was lost").register(registry);
    Gauge.builder("proxy.upstream.in.flight", inFlight, LongAdder::sum)
        .description("Commands sent on shared upstream connections and not answered yet").register(registry);
    Gauge.builder("proxy.connections", connections, IntSupplier::getAsInt).strongReference(true)
        .description("Client connections open").register(registry);
    Gauge.builder("proxy.netty.direct.memory", PooledByteBufAllocator.DEFAULT.metric(), m -> m.usedDirectMemory())
        .baseUnit("bytes").register(registry);
    Gauge.builder("proxy.netty.heap.memory", PooledByteBufAllocator.DEFAULT.metric(), m -> m.usedHeapMemory())
        .baseUnit("bytes").register(registry);
    if (dictionaryCache != null) {
      FunctionCounter.builder("proxy.dictionary.cache.hits", dictionaryCache, s -> s.get().hitCount()).register(registry);
      FunctionCounter.builder("proxy.dictionary.cache.misses", dictionaryCache, s -> s.get().missCount()).register(registry);
      FunctionCounter.builder("proxy.dictionary.cache.loads", dictionaryCache, s -> s.get().loadCount()).register(registry);
      FunctionCounter.builder("proxy.dictionary.cache.evictions", dictionaryCache, s -> s.get().evictionCount())
          .register(registry);
    }
    for (int i = 0; i < this.rules.size(); i++) {
      registerRule(i);
    }
    Gauge.builder("proxy.memory.saved", this, m -> m.estimate.savedBytes()).baseUnit("bytes")
        .description("Estimated memory the rules save in Redis, less the proxy's own keys").register(registry);
    Gauge.builder("proxy.memory.overhead", this, m -> m.estimate.overheadBytes()).baseUnit("bytes")
        .description("Memory of the proxy's own keys (compression dictionaries)").register(registry);
    Gauge.builder("proxy.survey.age", this, m -> m.estimate.timeMillis() == 0 ? Double.NaN
            : (System.currentTimeMillis() - m.estimate.timeMillis()) / 1000.0)
        .baseUnit("seconds").description("Time since the last keyspace survey completed").register(registry);
    new JvmMemoryMetrics().bindTo(registry);
    new JvmGcMetrics().bindTo(registry);
    new JvmThreadMetrics().bindTo(registry);
    new ProcessorMetrics().bindTo(registry);
    new UptimeMetrics().bindTo(registry);
    history = new History(this);
  }

  private void registerRule(int i) {
    Compactor.RuleView view = rules.get(i);
    RuleConfig rc = view.config();
    RuleStats s = view.stats();
    Tags tags = Tags.of("rule", rc.name(), "strategy", strategy(rc), "codec", codec(rc));
    FunctionCounter.builder("proxy.rule.logical", s, RuleStats::logicalBytes).baseUnit("bytes").tags(tags)
        .description("Bytes clients wrote under the rule (key and value)").register(registry);
    FunctionCounter.builder("proxy.rule.stored", s, RuleStats::storedBytes).baseUnit("bytes").tags(tags)
        .description("Bytes the proxy stored for them").register(registry);
    FunctionCounter.builder("proxy.rule.keys.written", s, RuleStats::writes).tags(tags).register(registry);
    FunctionCounter.builder("proxy.rule.keys.compacted", s, RuleStats::compacted).tags(tags)
        .description("Keys bucketed and values stored compressed").register(registry);
    FunctionCounter.builder("proxy.rule.refused", s, RuleStats::refusedCommands).tags(tags)
        .description("Commands refused by the rule's contract").register(registry);
    for (RuleStats.Uncompressed why : RuleStats.Uncompressed.values()) {
      FunctionCounter.builder("proxy.rule.values.uncompressed", s, x -> x.uncompressed(why))
          .tags(tags.and("reason", why.tag())).register(registry);
    }
    for (int b = 0; b <= RuleStats.RATIO_BOUNDS.length; b++) {
      int bucket = b;
      String le = b < RuleStats.RATIO_BOUNDS.length ? String.valueOf(RuleStats.RATIO_BOUNDS[b]) : "+Inf";
      FunctionCounter.builder("proxy.rule.compression.ratio", s, x -> cumulative(x, bucket))
          .description("Compressed values whose stored/logical ratio is at most 'le' (cumulative, as histogram buckets)")
          .tags(tags.and("le", le)).register(registry);
    }
    Gauge.builder("proxy.rule.memory.saved", this, m -> m.rule(i).savedBytes()).baseUnit("bytes").tags(tags)
        .register(registry);
    Gauge.builder("proxy.rule.memory.plain", this, m -> m.rule(i).plainBytes()).baseUnit("bytes").tags(tags)
        .description("What the rule's keys would take in Redis stored as plain strings (model)").register(registry);
    Gauge.builder("proxy.rule.memory.actual", this, m -> m.rule(i).actualBytes()).baseUnit("bytes").tags(tags)
        .description("What they take (MEMORY USAGE of a sample, scaled)").register(registry);
    Gauge.builder("proxy.rule.keys.logical", this, m -> m.rule(i).logicalKeys()).tags(tags).register(registry);
    Gauge.builder("proxy.rule.keys.physical", this, m -> m.rule(i).physicalKeys()).tags(tags).register(registry);
    Gauge.builder("proxy.rule.buckets", this, m -> m.rule(i).listpackBuckets()).tags(tags.and("encoding", "listpack"))
        .register(registry);
    Gauge.builder("proxy.rule.buckets", this, m -> m.rule(i).hashtableBuckets()).tags(tags.and("encoding", "hashtable"))
        .register(registry);
    if (view.dictionaryId() != null) {
      Gauge.builder("proxy.rule.dictionary.id", view.dictionaryId(), d -> d.getAsInt()).strongReference(true).tags(tags)
          .register(registry);
    }
    if (view.sampled() != null) {
      Gauge.builder("proxy.rule.dictionary.sampled", view.sampled(), d -> d.getAsInt()).strongReference(true).tags(tags)
          .description("Values sampled toward the rule's next dictionary (training starts at train-after; a failed "
              + "training starts the sample over)").register(registry);
    }
  }

  private static double cumulative(RuleStats s, int bucket) {
    long n = 0;
    for (int b = 0; b <= bucket; b++) {
      n += s.ratioCount(b);
    }
    return n;
  }

  /** Metrics with every hot-path call a no-op and nothing registered (the rules' counters still count). */
  public static ProxyMetrics disabled(List<Compactor.RuleView> rules) {
    return new ProxyMetrics(false, rules, () -> 0, null);
  }

  /** Metrics for {@code rules}, reading {@code connections} and the dictionary cache's stats at scrape time. */
  public static ProxyMetrics create(List<Compactor.RuleView> rules, IntSupplier connections,
      Supplier<com.github.benmanes.caffeine.cache.stats.CacheStats> dictionaryCache) {
    return new ProxyMetrics(true, rules, connections, dictionaryCache);
  }

  public boolean isEnabled() {
    return enabled;
  }

  // ------------------------------------------------------------------ hot path

  /** A client command read. */
  public void command(Command c) {
    if (enabled) {
      commands[CommandGroups.of(c)].increment();
    }
  }

  /** A sampled proxy-side latency. */
  public void latency(long nanos) {
    if (enabled) {
      latency.record(nanos, TimeUnit.NANOSECONDS);
    }
  }

  /** A sampled upstream latency. */
  public void upstreamLatency(long nanos) {
    if (enabled) {
      upstreamLatency.record(nanos, TimeUnit.NANOSECONDS);
    }
  }

  /** Commands sent on (positive) or answered by (negative) a shared upstream connection. */
  public void inFlight(int delta) {
    if (enabled) {
      inFlight.add(delta);
    }
  }

  public void error(ErrorKind kind) {
    if (enabled) {
      errors[kind.ordinal()].increment();
    }
  }

  public void reconnect() {
    if (enabled) {
      reconnects.increment();
    }
  }

  // ------------------------------------------------------------------ reading

  /** Takes a completed survey's estimate. */
  public void publish(Savings.Estimate e) {
    estimate = e;
  }

  /** The latest estimate (all zero before the first survey completes). */
  public Savings.Estimate estimate() {
    return estimate;
  }

  private Savings.RuleEstimate rule(int i) {
    return estimate.rules().get(i);
  }

  public List<Compactor.RuleView> rules() {
    return rules;
  }

  /** Bytes clients wrote under every rule so far (see {@link RuleStats#logicalBytes}). */
  public long logicalBytesWritten() {
    long n = 0;
    for (Compactor.RuleView r : rules) {
      n += r.stats().logicalBytes();
    }
    return n;
  }

  /** Bytes the proxy stored for them (see {@link RuleStats#storedBytes}). */
  public long storedBytesWritten() {
    long n = 0;
    for (Compactor.RuleView r : rules) {
      n += r.stats().storedBytes();
    }
    return n;
  }

  /** Client commands read so far. */
  public long commands() {
    long n = 0;
    for (LongAdder a : commands) {
      n += a.sum();
    }
    return n;
  }

  /** Percentile {@code p} (0.5, 0.99 or 0.999) of the proxy-side or upstream latency, in microseconds; NaN when off. */
  public double latencyMicros(boolean upstream, double p) {
    Timer t = upstream ? upstreamLatency : latency;
    if (t == null) {
      return Double.NaN;
    }
    for (io.micrometer.core.instrument.distribution.ValueAtPercentile v : t.takeSnapshot().percentileValues()) {
      if (v.percentile() == p) {
        return v.value(TimeUnit.MICROSECONDS);
      }
    }
    return Double.NaN;
  }

  public double uptimeSeconds() {
    return (System.nanoTime() - startNanos) / 1e9;
  }

  /** The recent history for the dashboard (empty when disabled). */
  public List<History.Point> history() {
    return history == null ? List.of() : history.points();
  }

  /** Ops/s over the last history interval. */
  public double opsPerSecond() {
    return history == null ? 0 : history.opsPerSecond();
  }

  /** The Prometheus text exposition; empty when disabled. */
  public String scrape() {
    return registry == null ? "" : registry.scrape();
  }

  /** Stops the history sampler. */
  public void close() {
    if (history != null) {
      history.close();
    }
    if (registry != null) {
      registry.close();
    }
  }

  static String strategy(RuleConfig rc) {
    return rc.strategy().name().toLowerCase(Locale.ROOT);
  }

  static String codec(RuleConfig rc) {
    return rc.compression() == null ? "none" : rc.compression().codec();
  }
}
