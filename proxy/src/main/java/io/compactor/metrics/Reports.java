package io.compactor.metrics;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonGenerator;
import io.compactor.compaction.Compactor;
import io.compactor.compaction.RuleStats;
import java.io.IOException;
import java.io.StringWriter;
import java.io.UncheckedIOException;
import java.util.List;
import java.util.Map;

/**
 * The figures in the forms people read: the JSON behind the dashboard ({@code /api/stats}) and the
 * {@code # Compactor} section of {@code INFO}. Both come from the same {@link ProxyMetrics} and the same
 * survey estimate, so they show the same totals.
 */
public final class Reports {
  private static final JsonFactory JSON = new JsonFactory();

  private Reports() {}

  /** The dashboard's JSON (see docs in config/README.md, "Metrics"). */
  public static String json(ProxyMetrics m, int connections) {
    Savings.Estimate e = m.estimate();
    StringWriter out = new StringWriter();
    try (JsonGenerator g = JSON.createGenerator(out)) {
      g.writeStartObject();
      g.writeNumberField("time", System.currentTimeMillis());
      g.writeNumberField("uptimeSeconds", round(m.uptimeSeconds()));
      g.writeObjectFieldStart("survey");
      g.writeNumberField("time", e.timeMillis());
      g.writeNumberField("durationMillis", e.durationMillis());
      g.writeNumberField("dbKeys", e.dbKeys());
      g.writeEndObject();
      g.writeObjectFieldStart("totals");
      g.writeNumberField("savedBytes", e.savedBytes());
      g.writeNumberField("plainBytes", e.plainBytes());
      g.writeNumberField("logicalKeys", e.logicalKeys());
      g.writeNumberField("overheadBytes", e.overheadBytes());
      g.writeNumberField("logicalBytesWritten", m.logicalBytesWritten());
      g.writeNumberField("storedBytesWritten", m.storedBytesWritten());
      g.writeNumberField("commands", m.commands());
      g.writeNumberField("opsPerSecond", round(m.opsPerSecond()));
      g.writeNumberField("connections", connections);
      latency(g, "latencyMicros", m, false);
      latency(g, "upstreamLatencyMicros", m, true);
      g.writeEndObject();
      g.writeArrayFieldStart("rules");
      for (int i = 0; i < m.rules().size(); i++) {
        Compactor.RuleView r = m.rules().get(i);
        Savings.RuleEstimate re = e.rules().get(i);
        RuleStats s = r.stats();
        g.writeStartObject();
        g.writeStringField("name", r.config().name());
        g.writeStringField("strategy", ProxyMetrics.strategy(r.config()));
        g.writeStringField("codec", ProxyMetrics.codec(r.config()));
        g.writeNumberField("dictionaryId", r.dictionaryId() == null ? 0 : r.dictionaryId().getAsInt());
        g.writeNumberField("savedBytes", re.savedBytes());
        g.writeNumberField("plainBytes", re.plainBytes());
        g.writeNumberField("actualBytes", re.actualBytes());
        g.writeNumberField("logicalKeys", re.logicalKeys());
        g.writeNumberField("physicalKeys", re.physicalKeys());
        g.writeNumberField("logicalBytesWritten", s.logicalBytes());
        g.writeNumberField("storedBytesWritten", s.storedBytes());
        g.writeNumberField("compacted", s.compacted());
        g.writeNumberField("refused", s.refusedCommands());
        g.writeNumberField("listpackBuckets", re.listpackBuckets());
        g.writeNumberField("hashtableBuckets", re.hashtableBuckets());
        g.writeEndObject();
      }
      g.writeEndArray();
      g.writeArrayFieldStart("history");
      for (History.Point p : m.history()) {
        g.writeStartObject();
        g.writeNumberField("time", p.timeMillis());
        g.writeNumberField("savedBytes", p.savedBytes());
        g.writeObjectFieldStart("savedByRule");
        for (Map.Entry<String, Long> r : p.savedByRule().entrySet()) {
          g.writeNumberField(r.getKey(), r.getValue());
        }
        g.writeEndObject();
        g.writeNumberField("ratio", round(p.ratio()));
        g.writeNumberField("opsPerSecond", round(p.opsPerSecond()));
        g.writeNumberField("p50Micros", round(p.p50Micros()));
        g.writeNumberField("p99Micros", round(p.p99Micros()));
        g.writeEndObject();
      }
      g.writeEndArray();
      g.writeEndObject();
    } catch (IOException ex) {
      throw new UncheckedIOException(ex);
    }
    return out.toString();
  }

  private static void latency(JsonGenerator g, String name, ProxyMetrics m, boolean upstream) throws IOException {
    g.writeObjectFieldStart(name);
    g.writeNumberField("p50", round(m.latencyMicros(upstream, 0.5)));
    g.writeNumberField("p99", round(m.latencyMicros(upstream, 0.99)));
    g.writeNumberField("p999", round(m.latencyMicros(upstream, 0.999)));
    g.writeEndObject();
  }

  private static double round(double v) {
    return Double.isFinite(v) ? Math.round(v * 1000) / 1000.0 : 0;
  }

  /**
   * The {@code # Compactor} section of INFO, lines ending in CRLF: totals, then one line per rule in
   * Redis's {@code key=value,...} form (like {@code db0:keys=...}).
   */
  public static String info(ProxyMetrics m) {
    Savings.Estimate e = m.estimate();
    StringBuilder b = new StringBuilder("# Compactor\r\n");
    List<Compactor.RuleView> rules = m.rules();
    line(b, "compactor_rules", rules.size());
    line(b, "compactor_metrics_enabled", m.isEnabled() ? 1 : 0);
    line(b, "compactor_survey_time_ms", e.timeMillis());
    line(b, "compactor_survey_duration_ms", e.durationMillis());
    line(b, "compactor_logical_keys", e.logicalKeys());
    line(b, "compactor_memory_plain_bytes", e.plainBytes());
    line(b, "compactor_memory_saved_bytes", e.savedBytes());
    b.append("compactor_memory_saved_human:").append(human(e.savedBytes())).append("\r\n");
    line(b, "compactor_memory_overhead_bytes", e.overheadBytes());
    line(b, "compactor_logical_bytes_written", m.logicalBytesWritten());
    line(b, "compactor_stored_bytes_written", m.storedBytesWritten());
    line(b, "compactor_commands_processed", m.commands());
    for (int i = 0; i < rules.size(); i++) {
      Compactor.RuleView r = rules.get(i);
      Savings.RuleEstimate re = e.rules().get(i);
      RuleStats s = r.stats();
      b.append("rule_").append(r.config().name()).append(':')
          .append("strategy=").append(ProxyMetrics.strategy(r.config()))
          .append(",codec=").append(ProxyMetrics.codec(r.config()))
          .append(",keys=").append(re.logicalKeys())
          .append(",physical_keys=").append(re.physicalKeys())
          .append(",plain_bytes=").append(re.plainBytes())
          .append(",actual_bytes=").append(re.actualBytes())
          .append(",saved_bytes=").append(re.savedBytes())
          .append(",logical_bytes_written=").append(s.logicalBytes())
          .append(",stored_bytes_written=").append(s.storedBytes())
          .append(",compacted=").append(s.compacted())
          .append(",refused=").append(s.refusedCommands())
          .append(",dictionary=").append(r.dictionaryId() == null ? 0 : r.dictionaryId().getAsInt())
          .append("\r\n");
    }
    return b.toString();
  }

  private static void line(StringBuilder b, String name, long value) {
    b.append(name).append(':').append(value).append("\r\n");
  }

  /** Bytes the way INFO's {@code *_human} fields show them ({@code 1.23M}). */
  static String human(long bytes) {
    double v = Math.abs(bytes);
    String sign = bytes < 0 ? "-" : "";
    String[] units = {"B", "K", "M", "G", "T"};
    int u = 0;
    while (v >= 1024 && u < units.length - 1) {
      v /= 1024;
      u++;
    }
    return u == 0 ? sign + (long) v + "B" : sign + String.format(java.util.Locale.ROOT, "%.2f%s", v, units[u]);
  }
}
