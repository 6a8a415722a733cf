package io.compactor.loadtest;

import io.compactor.loadtest.dataset.Dataset;
import io.compactor.loadtest.dataset.Datasets;
import io.compactor.loadtest.dataset.Entry;
import io.compactor.loadtest.report.DatasetResult;
import io.compactor.loadtest.report.HtmlReport;
import io.compactor.loadtest.report.JsonReport;
import io.compactor.loadtest.report.ModeResult;
import io.compactor.loadtest.report.RunReport;
import io.compactor.loadtest.report.TerminalTable;
import io.compactor.loadtest.report.WorkloadResult;
import io.lettuce.core.protocol.ProtocolVersion;
import io.lettuce.core.resource.ClientResources;
import io.lettuce.core.resource.DefaultClientResources;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Iterator;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.concurrent.TimeUnit;
import me.tongfei.progressbar.ProgressBar;
import me.tongfei.progressbar.ProgressBarBuilder;
import me.tongfei.progressbar.ProgressBarStyle;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * The load driver: loads realistic datasets straight into one Redis and through redis-compactor into
 * another, interleaved so speed figures are ratios from the same run, reads every key back through its
 * path, measures memory per key, runs workloads, and reports (terminal table, JSON, HTML with charts).
 *
 * <p>Exit status: 0 done, 2 bad arguments, 1 a server could not be started or reached, 3 a value read
 * back differed from what was written.
 */
@Command(name = "redis-compactor-loadtest", mixinStandardHelpOptions = true, version = "0.1.0", sortOptions = false,
    description = "Measures what redis-compactor saves and costs, against Redis directly, in one run.")
public final class LoadTestMain implements Callable<Integer> {
  @Option(names = "--quick", description = "A run of about a minute: 10,000 keys per dataset, short workloads.")
  boolean quick;

  @Option(names = "--datasets", split = ",", paramLabel = "NAME",
      description = "Datasets to load (default: small,small-ttl,sessions,visitors,text,counters).")
  List<String> datasets = new ArrayList<>(List.of("small", "small-ttl", "sessions", "visitors", "text", "counters"));

  @Option(names = "--replay", paramLabel = "FILE", description = "Also load a JSON-lines sample of your own data (see REPLAY.md).")
  Path replay;

  @Option(names = "--keys", description = "Keys per dataset (default 100000; --quick: 10000).")
  Integer keys;

  @Option(names = "--seed", description = "Random seed for the datasets (default ${DEFAULT-VALUE}).")
  long seed = 42;

  @Option(names = "--clients", description = "Concurrent connections per mode (default ${DEFAULT-VALUE}).")
  int clients = 8;

  @Option(names = "--pipeline", description = "Commands per pipeline (default ${DEFAULT-VALUE}; 1 = no pipelining).")
  int pipeline = 16;

  @Option(names = "--workloads", split = ",", paramLabel = "NAME",
      description = "read-heavy, mixed, ttl-churn, or none (default: all three).")
  List<String> workloads = new ArrayList<>(List.of("read-heavy", "mixed", "ttl-churn"));

  @Option(names = "--workload-dataset", description = "Dataset the workloads run on (default ${DEFAULT-VALUE}).")
  String workloadDataset = "sessions";

  @Option(names = "--workload-ops", description = "Operations per workload round (default 200000; --quick: 20000).")
  Long workloadOps;

  @Option(names = "--rounds", description = "Interleaved rounds per workload (default 3; --quick: 1).")
  Integer rounds;

  @Option(names = "--resp", description = "Protocol the clients speak: 2 or 3 (default ${DEFAULT-VALUE}).")
  int resp = 2;

  @Option(names = "--direct-port", description = "Use this running Redis on 127.0.0.1 for the direct mode instead of starting one.")
  int directPort;

  @Option(names = "--upstream-port", description = "Use this running Redis on 127.0.0.1 behind the proxy instead of starting one.")
  int upstreamPort;

  @Option(names = "--redis-config", paramLabel = "NAME=VALUE", description = "A redis-server setting for both "
      + "servers the load test starts (e.g. hash-max-listpack-value=256), so direct and proxy run alike.")
  List<String> redisConfig = new ArrayList<>();

  @Option(names = "--proxy-set", paramLabel = "NAME=VALUE", description = "A proxy setting (as the proxy's --set).")
  List<String> proxySettings = new ArrayList<>();

  @Option(names = "--no-ttl", description = "Write every key without its dataset's TTL (what keys and values "
      + "cost alone; Redis keeps expiries in a second table).")
  boolean noTtl;

  @Option(names = "--no-rules", description = "Run the proxy without the built-in compaction rules (pass-through; "
      + "a rules=... given with --proxy-set replaces them anyway).")
  boolean noRules;

  @Option(names = "--json", paramLabel = "FILE", description = "JSON report (default loadtest-results/run-TIME.json).")
  Path json;

  @Option(names = "--html", paramLabel = "FILE", description = "HTML report with charts (default next to the JSON).")
  Path html;

  @Option(names = "--no-progress", description = "No progress bars (they are off anyway when not on a terminal).")
  boolean noProgress;

  private String commandLine = "";

  public static void main(String[] args) {
    LoadTestMain main = new LoadTestMain();
    main.commandLine = "redis-compactor-loadtest " + String.join(" ", args);
    CommandLine cli = new CommandLine(main);
    cli.setParameterExceptionHandler((ex, a) -> {
      System.err.println("loadtest: " + ex.getMessage() + " (see --help)");
      return 2;
    });
    System.exit(cli.execute(args));
  }

  /**
   * The proxy rules a run uses unless told otherwise: bucket the keys of the small-value datasets
   * ({@code small} and {@code counters}), one rule per key shape so each numeric id is split into bucket
   * and field. Larger values (sessions, visitors, text) are left to the compression rules.
   */
  static String defaultRules() {
    return "[{name: media, pattern: 'media:*', strategy: bucket},"
        + " {name: uname, pattern: 'user:*:name', strategy: bucket, codec: fsst},"
        + " {name: uemail, pattern: 'user:*:email', strategy: bucket, codec: fsst},"
        + " {name: cviews, pattern: 'counter:page:*:views', strategy: bucket},"
        + " {name: clikes, pattern: 'counter:post:*:likes', strategy: bucket},"
        + " {name: clogins, pattern: 'counter:user:*:logins', strategy: bucket},"
        + " {name: cplays, pattern: 'counter:video:*:plays', strategy: bucket},"
        + " {name: cshares, pattern: 'counter:post:*:shares', strategy: bucket},"
        + " {name: sessions, pattern: 'session:*', strategy: compress, codec: json},"
        + " {name: pages, pattern: 'page:*', strategy: compress, codec: zstd-dict}]";
  }

  /** The settings the proxy is started with: --proxy-set ones, plus the built-in rules when none are given. */
  List<String> effectiveProxySettings() {
    List<String> out = new ArrayList<>(proxySettings);
    if (!noRules && out.stream().noneMatch(s -> s.startsWith("rules="))) {
      out.add("rules=" + defaultRules());
    }
    return out;
  }

  private int keysPerDataset() {
    return keys != null ? keys : quick ? 10_000 : 100_000;
  }

  /** {@code --redis-config name=value} as redis-server arguments ({@code --name value}). */
  List<String> redisArgs() {
    List<String> out = new ArrayList<>();
    for (String c : redisConfig) {
      int eq = c.indexOf('=');
      out.add("--" + c.substring(0, eq));
      out.add(c.substring(eq + 1));
    }
    return out;
  }

  private String validate() {
    if (keysPerDataset() < 1) {
      return "--keys: " + keysPerDataset() + " (expected: >= 1)";
    }
    if (clients < 1 || clients > 1024) {
      return "--clients: " + clients + " (expected: 1..1024)";
    }
    if (pipeline < 1 || pipeline > 100_000) {
      return "--pipeline: " + pipeline + " (expected: 1..100000)";
    }
    if (resp != 2 && resp != 3) {
      return "--resp: " + resp + " (expected: 2 or 3)";
    }
    for (String w : workloads) {
      if (!List.of("read-heavy", "mixed", "ttl-churn", "none").contains(w)) {
        return "--workloads: '" + w + "' (expected: read-heavy, mixed, ttl-churn or none)";
      }
    }
    for (String c : redisConfig) {
      if (!c.matches("[a-z][a-z0-9-]*=.*")) {
        return "--redis-config: '" + c + "' (expected: NAME=VALUE, e.g. hash-max-listpack-value=256)";
      }
      String name = c.substring(0, c.indexOf('='));
      if (List.of("port", "bind", "dir", "logfile", "daemonize").contains(name)) {
        return "--redis-config: '" + name + "' is set by the load test itself (a free loopback port, a "
            + "temporary directory, in the foreground)";
      }
    }
    if (!redisConfig.isEmpty() && (directPort != 0 || upstreamPort != 0)) {
      return "--redis-config: applies to the servers the load test starts, not to --direct-port/--upstream-port "
          + "(configure those servers yourself)";
    }
    if (replay != null && !Files.isReadable(replay)) {
      return "--replay: " + replay + " (expected: a readable JSON-lines file)";
    }
    return null;
  }

  @Override
  public Integer call() throws Exception {
    String problem = validate();
    List<Dataset> chosen = new ArrayList<>();
    if (problem == null) {
      try {
        for (String name : datasets) {
          chosen.add(Datasets.byName(name));
        }
        if (replay != null) {
          chosen.add(Datasets.replay(replay));
        }
        if (noTtl) {
          chosen.replaceAll(Datasets::withoutTtl);
        }
      } catch (IllegalArgumentException e) {
        problem = e.getMessage();
      }
    }
    if (problem != null) {
      System.err.println("loadtest: " + problem);
      return 2;
    }
    String startedAt = DateTimeFormatter.ISO_INSTANT.format(Instant.now());
    String stamp = DateTimeFormatter.ofPattern("yyyyMMdd-HHmmss").withZone(ZoneOffset.UTC).format(Instant.now());
    Path jsonFile = json != null ? json : Path.of("loadtest-results", "run-" + stamp + ".json");
    Path htmlFile = html != null ? html : Path.of(jsonFile.toString().replaceAll("\\.json$", "") + ".html");

    ClientResources resources = DefaultClientResources.builder().ioThreadPoolSize(2).computationThreadPoolSize(2).build();
    Servers servers;
    try {
      servers = Servers.start(directPort, upstreamPort, redisArgs(), effectiveProxySettings());
    } catch (Exception e) {
      System.err.println("loadtest: cannot start the servers: " + e.getMessage());
      resources.shutdown(0, 2, TimeUnit.SECONDS);
      return 1;
    }
    ProtocolVersion protocol = resp == 3 ? ProtocolVersion.RESP3 : ProtocolVersion.RESP2;
    List<DatasetResult> datasetResults = new ArrayList<>();
    List<WorkloadResult> workloadResults = new ArrayList<>();
    List<String> notes = new ArrayList<>();
    long mismatches = 0;
    boolean workloadsRan = false;
    try {
      try (Driver direct = new Driver(resources, servers.direct(), clients, pipeline, protocol);
          Driver proxy = new Driver(resources, servers.proxy(), clients, pipeline, protocol)) {
        warmUp(direct, proxy, quick ? 20_000 : 100_000);
      }
      for (Dataset ds : chosen) {
        if (servers.ownsRedis()) {
          servers.restartRedis(); // every dataset starts from an empty allocator, RSS included
        }
        try (Driver direct = new Driver(resources, servers.direct(), clients, pipeline, protocol);
            Driver proxy = new Driver(resources, servers.proxy(), clients, pipeline, protocol)) {
          // after a restart the proxy reconnects and loads its script: let that happen before the baseline
          warmUp(direct, proxy, 2_000);
          DatasetResult r = loadDataset(resources, ds, direct, proxy, servers);
          datasetResults.add(r);
          mismatches += r.direct().mismatches() + r.proxy().mismatches();
          if (ds.name().equals(workloadDataset) && !workloads.contains("none")) {
            List<Entry> pool = new ArrayList<>();
            Iterator<Entry> it = ds.entries(seed, keysPerDataset());
            while (it.hasNext() && pool.size() < 200_000) {
              pool.add(it.next());
            }
            if (it instanceof AutoCloseable c) {
              c.close(); // a replay file read only in part
            }
            for (String w : workloads) {
              workloadResults.add(runWorkload(w, pool, direct, proxy));
            }
            workloadsRan = true;
          }
        }
      }
      if (!redisConfig.isEmpty()) {
        notes.add("Both redis-server processes ran with " + String.join(", ", redisConfig) + " (--redis-config).");
      }
      if (!workloadsRan && !workloads.contains("none") && !workloads.isEmpty()) {
        notes.add("workloads skipped: dataset '" + workloadDataset + "' was not loaded in this run");
      }
      if (!servers.ownsRedis()) {
        notes.add("Servers given by --direct-port/--upstream-port are flushed, not restarted, between datasets: "
            + "RSS per key is approximate.");
      }
      String claimed = " The proxy-claimed saving is the proxy's own estimate (POST /survey on "
          + "its admin address after the load), to compare with direct B/key - proxy B/key.";
      if (proxySettings.stream().anyMatch(x -> x.startsWith("rules="))) {
        notes.add("The proxy runs with the rules given by --proxy-set rules=... (see proxy settings above)." + claimed);
      } else if (!noRules) {
        notes.add("The proxy runs with bucket rules for the small-value datasets (small, small-ttl, counters) and "
            + "compression rules for sessions (json: shapes and per-field symbol tables) and text (zstd with a "
            + "dictionary), each trained on the first 1,000 values; "
            + "visitors pass through." + claimed);
      } else {
        notes.add("The proxy runs without rules (--no-rules): memory through the proxy is expected to equal direct.");
      }
      notes.add("Latency is the round trip of the pipeline each command was in (" + pipeline + " commands, "
          + clients + " connections per mode); the proxy runs as its own JVM, its CPU read from the OS.");
      RunReport report = new RunReport(startedAt, commandLine,
          new RunReport.Environment(Driver.redisVersion(resources, servers.direct()),
              Runtime.getRuntime().availableProcessors(), System.getProperty("java.version"), seed,
              keysPerDataset(), clients, pipeline, effectiveProxySettings().isEmpty() ? "defaults" : String.join(" ", effectiveProxySettings())),
          datasetResults, workloadResults, notes);
      Path parent = jsonFile.toAbsolutePath().getParent();
      Files.createDirectories(parent);
      Files.createDirectories(htmlFile.toAbsolutePath().getParent());
      JsonReport.write(report, jsonFile);
      HtmlReport.write(report, htmlFile);
      System.out.println(TerminalTable.render(report));
      System.out.println("JSON: " + jsonFile + "\nHTML: " + htmlFile);
    } catch (IllegalStateException | java.io.IOException e) {
      System.err.println("loadtest: " + e.getMessage() + " (proxy log: " + servers.proxyLog() + ")");
      return 1;
    } finally {
      servers.close();
      resources.shutdown(0, 2, TimeUnit.SECONDS);
    }
    if (mismatches > 0) {
      System.err.println("loadtest: VERIFICATION FAILED: " + mismatches
          + " value(s) read back differ from what was written (details above and in the JSON report)");
      return 3;
    }
    return 0;
  }

  /** Warms the proxy's JIT and both connection pools on a scratch key space, then empties both servers. */
  private void warmUp(Driver direct, Driver proxy, int n) {
    Dataset small = Datasets.byName("small");
    for (Driver d : List.of(direct, proxy)) {
      d.load(small.entries(seed + 1, n), n, x -> { });
      d.verify(small.entries(seed + 1, n), n, x -> { });
      d.flushAll();
    }
  }

  private DatasetResult loadDataset(ClientResources resources, Dataset ds, Driver direct, Driver proxy,
      Servers servers) {
    int n = keysPerDataset();
    List<String> dictionaries = Driver.dictionaryKeys(resources, proxy.endpoint());
    direct.flushAll();
    proxy.flushAll();
    Driver.awaitKeys(resources, proxy.endpoint(), dictionaries, Duration.ofSeconds(5));
    Map<String, Long> before0 = Driver.settledMemory(resources, direct.endpoint());
    Map<String, Long> before1 = Driver.settledMemory(resources, proxy.endpoint());
    Iterator<Entry> itDirect = ds.entries(seed, n);
    Iterator<Entry> itProxy = ds.entries(seed, n);
    int chunks = Math.max(1, Math.min(10, n / 1000));
    long chunk = (n + chunks - 1) / chunks;
    Phase loadDirect = new Phase();
    Phase loadProxy = new Phase();
    long logical = 0;
    try (ProgressBar bar = bar("load " + ds.name(), 2L * n)) {
      for (int c = 0; c < chunks; c++) {
        // alternate which mode goes first, so drift in machine speed hits both alike
        boolean directFirst = c % 2 == 0;
        for (int k = 0; k < 2; k++) {
          boolean isDirect = (k == 0) == directFirst;
          Phase p = isDirect ? direct.load(itDirect, chunk, bar::stepBy) : proxy.load(itProxy, chunk, bar::stepBy);
          Phase acc = isDirect ? loadDirect : loadProxy;
          acc.add(p);
          acc.nanos += p.nanos;
          acc.cpuNanos += p.cpuNanos;
        }
      }
    }
    Map<String, Long> after0 = Driver.settledMemory(resources, direct.endpoint());
    Map<String, Long> after1 = Driver.settledMemory(resources, proxy.endpoint());
    Long claimed = servers.claimedSaving(); // after the reading: the survey's own reads leave memory alone
    Iterator<Entry> sizes = ds.entries(seed, n);
    long loaded = 0;
    while (sizes.hasNext()) {
      logical += sizes.next().logicalBytes();
      loaded++;
    }
    Phase verifyDirect;
    Phase verifyProxy;
    try (ProgressBar bar = bar("verify " + ds.name(), 2L * loaded)) {
      verifyDirect = direct.verify(ds.entries(seed, n), n, bar::stepBy);
      verifyProxy = proxy.verify(ds.entries(seed, n), n, bar::stepBy);
    }
    for (Phase v : List.of(verifyDirect, verifyProxy)) {
      for (String s : v.mismatchSamples) {
        System.err.println("loadtest: MISMATCH in " + ds.name() + ": " + s);
      }
    }
    ModeResult d = mode("direct", loaded, logical, before0, after0, loadDirect, verifyDirect, false, null);
    ModeResult p = mode("proxy", loaded, logical, before1, after1, loadProxy, verifyProxy, true, claimed);
    return new DatasetResult(ds.name(), ds.description(), d, p,
        d.bytesPerKey() == 0 ? 0 : p.bytesPerKey() / d.bytesPerKey(),
        d.keysPerSecond() == 0 ? 0 : p.keysPerSecond() / d.keysPerSecond());
  }

  private static ModeResult mode(String mode, long keys, long logical, Map<String, Long> before,
      Map<String, Long> after, Phase load, Phase verify, boolean proxy, Long claimed) {
    long used = after.get("used_memory") - before.get("used_memory");
    long rss = after.get("used_memory_rss") - before.get("used_memory_rss");
    return new ModeResult(mode, keys, logical, used, rss, keys == 0 ? 0 : (double) used / keys,
        keys == 0 ? 0 : (double) rss / keys, load.nanos == 0 ? 0 : keys * 1e9 / load.nanos, load.latency(),
        load.cpuMicrosPerOp(proxy), claimed, verify.operations, verify.mismatches);
  }

  private WorkloadResult runWorkload(String name, List<Entry> pool, Driver direct, Driver proxy) {
    double readFraction = switch (name) {
      case "read-heavy" -> 0.9;
      case "mixed" -> 0.5;
      default -> 0.5; // ttl-churn: half writes with a 50 ms expiry, half reads of those keys
    };
    long churnTtlMillis = name.equals("ttl-churn") ? 50 : 0; // short, so reads meet expired keys within a run
    long ops = workloadOps != null ? workloadOps : quick ? 20_000 : 200_000;
    int n = rounds != null ? rounds : quick ? 1 : 3;
    List<Double> rateDirect = new ArrayList<>();
    List<Double> rateProxy = new ArrayList<>();
    Phase allDirect = new Phase();
    Phase allProxy = new Phase();
    try (ProgressBar bar = bar(name, 2L * n)) {
      for (int r = 0; r < n; r++) {
        boolean directFirst = r % 2 == 0;
        for (int k = 0; k < 2; k++) {
          boolean isDirect = (k == 0) == directFirst;
          Phase p = (isDirect ? direct : proxy).workload(pool, ops, readFraction, churnTtlMillis, seed + r);
          (isDirect ? rateDirect : rateProxy).add(p.perSecond());
          Phase acc = isDirect ? allDirect : allProxy;
          acc.add(p);
          acc.nanos += p.nanos;
          acc.cpuNanos += p.cpuNanos;
          bar.step();
        }
      }
    }
    double md = median(rateDirect);
    double mp = median(rateProxy);
    return new WorkloadResult(name, workloadDataset, clients, pipeline, readFraction, ops, md, mp,
        md == 0 ? 0 : mp / md, allDirect.latency(), allProxy.latency(), allProxy.cpuMicrosPerOp(true),
        allDirect.misses, allProxy.misses);
  }

  private static double median(List<Double> xs) {
    double[] a = xs.stream().mapToDouble(Double::doubleValue).toArray();
    Arrays.sort(a);
    return a.length == 0 ? 0 : a.length % 2 == 1 ? a[a.length / 2] : (a[a.length / 2 - 1] + a[a.length / 2]) / 2;
  }

  private ProgressBar bar(String task, long max) {
    ProgressBarBuilder b = new ProgressBarBuilder().setTaskName(task).setInitialMax(max)
        .setStyle(ProgressBarStyle.ASCII).setUpdateIntervalMillis(250);
    if (noProgress || System.console() == null) {
      b.setConsumer(new me.tongfei.progressbar.ConsoleProgressBarConsumer(
          new java.io.PrintStream(java.io.OutputStream.nullOutputStream())));
    }
    return b.build();
  }
}
