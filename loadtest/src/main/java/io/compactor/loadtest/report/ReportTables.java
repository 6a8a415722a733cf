package io.compactor.loadtest.report;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * The report's tables as plain cells (already formatted), shared by {@link TerminalTable} and
 * {@link HtmlReport} so the terminal and the page always show the same columns and figures.
 */
final class ReportTables {
  private ReportTables() {}

  /**
   * One column.
   *
   * @param header column title; a {@code \n} splits it over two lines
   * @param numeric right-aligned when true
   */
  record Column(String header, boolean numeric) {}

  /** A titled table of formatted cells; every row has one cell per column. */
  record Table(String title, List<Column> columns, List<List<String>> rows) {}

  /** Label and value pairs describing where and how the run happened, in display order. */
  static List<Map.Entry<String, String>> environment(RunReport r) {
    List<Map.Entry<String, String>> items = new ArrayList<>();
    RunReport.Environment e = r.environment();
    if (e != null) {
      items.add(Map.entry("Redis", text(e.redisVersion())));
      items.add(Map.entry("cores", Integer.toString(e.cores())));
      items.add(Map.entry("Java", text(e.javaVersion())));
      items.add(Map.entry("keys per dataset", Fmt.count(e.keysPerDataset())));
      items.add(Map.entry("seed", Long.toString(e.seed())));
      items.add(Map.entry("clients", Integer.toString(e.clients())));
      items.add(Map.entry("pipeline", Integer.toString(e.pipeline())));
      items.add(Map.entry("proxy settings", text(e.proxySettings())));
    }
    items.add(Map.entry("started", text(r.startedAt())));
    items.add(Map.entry("command", text(r.command())));
    return items;
  }

  static Table memory(RunReport r) {
    List<Column> columns = List.of(
        new Column("dataset", false),
        new Column("keys", true),
        new Column("direct\nB/key", true),
        new Column("proxy\nB/key", true),
        new Column("proxy/\ndirect", true),
        new Column("direct RSS\nB/key", true),
        new Column("proxy RSS\nB/key", true),
        new Column("proxy-claimed\nsaving B/key", true),
        new Column("verified", true));
    List<List<String>> rows = new ArrayList<>();
    for (DatasetResult d : datasets(r)) {
      ModeResult direct = d.direct();
      ModeResult proxy = d.proxy();
      rows.add(List.of(
          text(d.dataset()),
          keys(direct, proxy),
          direct == null ? Fmt.NA : Fmt.bytesPerKey(direct.bytesPerKey()),
          proxy == null ? Fmt.NA : Fmt.bytesPerKey(proxy.bytesPerKey()),
          Fmt.ratio(d.memoryRatio()),
          direct == null ? Fmt.NA : Fmt.bytesPerKey(direct.rssBytesPerKey()),
          proxy == null ? Fmt.NA : Fmt.bytesPerKey(proxy.rssBytesPerKey()),
          claimedSaving(proxy),
          verified(direct, proxy)));
    }
    return new Table("Memory", columns, rows);
  }

  static Table loadSpeed(RunReport r) {
    List<Column> columns = List.of(
        new Column("dataset", false),
        new Column("direct\nkeys/s", true),
        new Column("proxy\nkeys/s", true),
        new Column("proxy/\ndirect", true),
        new Column("direct µs\np50/p99/p99.9", true),
        new Column("proxy µs\np50/p99/p99.9", true),
        new Column("proxy CPU\nµs/op", true));
    List<List<String>> rows = new ArrayList<>();
    for (DatasetResult d : datasets(r)) {
      ModeResult direct = d.direct();
      ModeResult proxy = d.proxy();
      rows.add(List.of(
          text(d.dataset()),
          direct == null ? Fmt.NA : Fmt.rate(direct.keysPerSecond()),
          proxy == null ? Fmt.NA : Fmt.rate(proxy.keysPerSecond()),
          Fmt.ratio(d.speedRatio()),
          direct == null ? Fmt.NA : Fmt.percentiles(direct.latency()),
          proxy == null ? Fmt.NA : Fmt.percentiles(proxy.latency()),
          proxy == null ? Fmt.NA : Fmt.cpuMicros(proxy.proxyCpuMicrosPerOp())));
    }
    return new Table("Load speed", columns, rows);
  }

  /** The workloads table; its rows are empty when the run had no workloads. */
  static Table workloads(RunReport r) {
    List<Column> columns = List.of(
        new Column("workload", false),
        new Column("dataset", false),
        new Column("clients\n×pipeline", true),
        new Column("reads", true),
        new Column("direct\nops/s", true),
        new Column("proxy\nops/s", true),
        new Column("proxy/\ndirect", true),
        new Column("direct µs\np50/p99/p99.9", true),
        new Column("proxy µs\np50/p99/p99.9", true),
        new Column("proxy CPU\nµs/op", true),
        new Column("expired reads\ndirect/proxy", true));
    List<List<String>> rows = new ArrayList<>();
    for (WorkloadResult w : workloadList(r)) {
      rows.add(List.of(
          text(w.workload()),
          text(w.dataset()),
          w.clients() + "×" + w.pipeline(),
          Fmt.percent(w.readFraction()),
          Fmt.rate(w.opsPerSecondDirect()),
          Fmt.rate(w.opsPerSecondProxy()),
          Fmt.ratio(w.speedRatio()),
          Fmt.percentiles(w.latencyDirect()),
          Fmt.percentiles(w.latencyProxy()),
          Fmt.cpuMicros(w.proxyCpuMicrosPerOp()),
          Fmt.count(w.expiredReadsDirect()) + "/" + Fmt.count(w.expiredReadsProxy())));
    }
    return new Table("Workloads", columns, rows);
  }

  static List<DatasetResult> datasets(RunReport r) {
    return r.datasets() == null ? List.of() : r.datasets().stream().filter(Objects::nonNull).toList();
  }

  static List<WorkloadResult> workloadList(RunReport r) {
    return r.workloads() == null ? List.of() : r.workloads().stream().filter(Objects::nonNull).toList();
  }

  static List<String> notes(RunReport r) {
    return r.notes() == null ? List.of() : r.notes().stream().filter(Objects::nonNull).toList();
  }

  /** Keys read back with a differing value, over both modes and all datasets. */
  static long totalMismatches(RunReport r) {
    long total = 0;
    for (DatasetResult d : datasets(r)) {
      total += mismatches(d.direct()) + mismatches(d.proxy());
    }
    return total;
  }

  /** True for a cell that reports a verification failure (shown highlighted in the page). */
  static boolean isFailure(String cell) {
    return cell.endsWith("MISMATCH") || cell.endsWith("MISMATCHES");
  }

  private static String keys(ModeResult direct, ModeResult proxy) {
    if (direct == null && proxy == null) {
      return Fmt.NA;
    }
    if (direct == null || proxy == null || direct.keys() == proxy.keys()) {
      return Fmt.count(direct != null ? direct.keys() : proxy.keys());
    }
    return Fmt.count(direct.keys()) + "/" + Fmt.count(proxy.keys());
  }

  /** What the proxy says it saved, per key it stored, so it compares with the B/key columns. */
  private static String claimedSaving(ModeResult proxy) {
    if (proxy == null || proxy.proxyClaimedSavedBytes() == null || proxy.keys() <= 0) {
      return Fmt.NA;
    }
    return Fmt.bytesPerKey((double) proxy.proxyClaimedSavedBytes() / proxy.keys());
  }

  /**
   * "verified/keys ok" for the proxy (the mode under test) when neither mode had a mismatch, else the
   * number of mismatching keys over both modes.
   */
  private static String verified(ModeResult direct, ModeResult proxy) {
    long bad = mismatches(direct) + mismatches(proxy);
    if (bad > 0) {
      return Fmt.count(bad) + (bad == 1 ? " MISMATCH" : " MISMATCHES");
    }
    ModeResult shown = proxy != null ? proxy : direct;
    if (shown == null) {
      return Fmt.NA;
    }
    return Fmt.count(shown.verifiedKeys()) + "/" + Fmt.count(shown.keys()) + " ok";
  }

  private static long mismatches(ModeResult m) {
    return m == null ? 0 : m.mismatches();
  }

  private static String text(String s) {
    return s == null || s.isBlank() ? Fmt.NA : s;
  }
}
