package io.compactor.it;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;

/**
 * Run by {@code RedisMetricsIT} and {@code ValkeyMetricsIT}. The figures the proxy shows: the survey's saving estimate against Redis's own {@code used_memory}, the
 * same totals in {@code INFO compactor} and {@code /api/stats}, {@code /metrics} through the Prometheus
 * text-format parser, the rules' write counters, and {@code COMPACTOR KEY}.
 */
abstract class MetricsContract {
  /** The proxy settings both subclasses use. */
  static ProxyEnvironment configure(ProxyEnvironment e) {
    return e.with("admin.listen", "127.0.0.1:0")
        .with("metrics.survey-period", "0")
        .with("rules", "[{name: media, pattern: 'media:*', strategy: bucket},"
            + " {name: pages, pattern: 'page:*', strategy: compress, codec: zstd}]");
  }

  abstract ProxyEnvironment env();

  private static final HttpClient http = HttpClient.newHttpClient();

  private String get(String path) throws Exception {
    return http.send(HttpRequest.newBuilder(admin(path)).build(), HttpResponse.BodyHandlers.ofString()).body();
  }

  private URI admin(String path) {
    return URI.create("http://127.0.0.1:" + env().proxy().adminAddress().getPort() + path);
  }

  private long survey() throws Exception {
    HttpResponse<String> r = http.send(HttpRequest.newBuilder(admin("/survey"))
        .POST(HttpRequest.BodyPublishers.noBody()).build(), HttpResponse.BodyHandlers.ofString());
    assertThat(r.statusCode()).as(r.body()).isEqualTo(200);
    return number(r.body(), "savedBytes");
  }

  private static long number(String text, String field) {
    Matcher m = Pattern.compile("\"" + field + "\":(-?\\d+)").matcher(text);
    assertThat(m.find()).as(field + " in " + text).isTrue();
    return Long.parseLong(m.group(1));
  }

  private static long usedMemory(RespClient c) throws IOException {
    String info = c.callString("INFO", "memory");
    Map<String, Long> v = new HashMap<>();
    for (String line : info.split("\r\n")) {
      String[] kv = line.split(":");
      if (kv.length == 2 && (kv[0].equals("used_memory") || kv[0].equals("mem_clients_normal"))) {
        v.put(kv[0], Long.parseLong(kv[1].trim()));
      }
    }
    return v.get("used_memory") - v.get("mem_clients_normal");
  }

  /** Writes the same data directly and through the proxy, in pipelines. */
  private static void load(RespClient c, int media, int pages) throws IOException {
    java.util.Random rnd = new java.util.Random(7);
    String[] words = {"alpha", "beta", "gamma", "delta", "epsilon", "zeta", "theta", "kappa"};
    for (int from = 0; from < media; from += 500) {
      int n = Math.min(500, media - from);
      for (int i = from; i < from + n; i++) {
        c.send("SET", "media:" + i, i % 3 == 0 ? Integer.toString(i * 7) : "v" + Long.toHexString(rnd.nextLong()),
            "EX", i % 2 == 0 ? "3600" : "7200");
      }
      c.readReplies(n);
    }
    for (int i = 0; i < pages; i++) {
      StringBuilder b = new StringBuilder();
      while (b.length() < 2000 + rnd.nextInt(4000)) {
        b.append(words[rnd.nextInt(words.length)]).append(' ');
      }
      c.send("SET", "page:" + i, b.toString());
    }
    c.readReplies(pages);
  }

  private static long settled(RespClient c) throws Exception {
    long last = -1;
    for (int i = 0; i < 40; i++) {
      long now = usedMemory(c);
      if (now == last) {
        return now;
      }
      last = now;
      TimeUnit.MILLISECONDS.sleep(250);
    }
    return last;
  }

  @Test
  void estimate_matchesUsedMemoryDifference() throws Exception {
    try (RespClient direct = env().directClient(); RespClient proxy = env().proxyClient();
        RespClient upstream = env().upstreamClient()) {
      // warm both servers up with the same work first: what Redis allocates once and keeps (script caches,
      // the slow log, clients' argv arrays) is not per key, and the estimate is about keys
      for (int round = 0; round < 2; round++) {
        load(direct, 30_000, 300);
        load(proxy, 30_000, 300);
        direct.callString("FLUSHALL");
        proxy.callString("FLUSHALL");
        for (RespClient c : new RespClient[] {direct, upstream}) {
          c.callString("SLOWLOG", "RESET");
        }
      }
      long d0 = settled(direct);
      long u0 = settled(upstream);
      load(direct, 30_000, 300);
      load(proxy, 30_000, 300);
      long directDelta = settled(direct) - d0;
      long upstreamDelta = settled(upstream) - u0;
      long measured = directDelta - upstreamDelta;
      long estimated = survey();
      org.slf4j.LoggerFactory.getLogger(getClass()).info("direct +{} B, upstream +{} B; stats {}", directDelta,
          upstreamDelta, get("/api/stats").replaceAll(",\"history\".*", ""));
      org.slf4j.LoggerFactory.getLogger(getClass()).info("saving: measured {} B, estimated {} B ({} %)",
          measured, estimated, String.format("%.2f", 100.0 * (estimated - measured) / measured));
      assertThat(measured).isPositive();
      assertThat((double) estimated).isCloseTo(measured, org.assertj.core.data.Percentage.withPercentage(5));

      String info = proxy.callString("INFO", "compactor");
      String stats = get("/api/stats");
      assertThat(info).contains("\r\n# Compactor\r\n")
          .contains("compactor_memory_saved_bytes:" + number(stats, "savedBytes") + "\r\n")
          .contains("rule_media:strategy=bucket,codec=none,keys=30000,physical_keys=235,")
          .containsPattern("rule_pages:strategy=compress,codec=zstd,keys=300,physical_keys=300,.*,compacted=[1-9]");
      assertThat(number(stats, "logicalKeys")).isEqualTo(30_300);
      // INFO with no argument keeps Redis's sections and gains ours at the end
      String all = proxy.callString("INFO");
      assertThat(all).contains("# Server\r\n").contains("\r\n\r\n# Compactor\r\n");
    }
  }

  @Test
  void metrics_passPrometheusParser() throws Exception {
    try (RespClient proxy = env().proxyClient()) {
      load(proxy, 1000, 10);
      proxy.callString("COMPACTOR", "KEY", "media:1");
      survey();
      String text = get("/metrics");
      Path file = Files.createTempFile("compactor-metrics", ".txt");
      try {
        Files.writeString(file, text);
        Process p = new ProcessBuilder("/usr/bin/python3", "-c",
            "import sys\nfrom prometheus_client.parser import text_string_to_metric_families as f\n"
                + "fams = list(f(open(sys.argv[1]).read()))\n"
                + "names = {s.name for fam in fams for s in fam.samples}\n"
                + "print(len(fams), 'proxy_rule_keys_compacted_total' in names, 'proxy_latency_seconds_bucket' in names)",
            file.toString()).redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8).trim();
        assertThat(p.waitFor()).as("parser output: " + out
            + " (install it with .ci/install-servers --for-tests)").isZero();
        assertThat(out).endsWith("True True");
      } finally {
        Files.delete(file);
      }
      assertThat(text).containsPattern("proxy_rule_keys_compacted_total\\{codec=\"none\",rule=\"media\",strategy=\"bucket\"\\} [1-9]")
          .contains("proxy_commands_total{group=\"string\"}")
          .doesNotContain("NaN\n" + "proxy_connections");
      assertThat(text).containsPattern("proxy_connections [1-9]");
    }
  }

  @Test
  void compactorKey_describesStorage() throws Exception {
    try (RespClient proxy = env().proxyClient()) {
      proxy.callString("SET", "media:5", "hello");
      proxy.callString("SET", "page:1", "x".repeat(5000));
      assertThat(proxy.callString("COMPACTOR", "KEY", "media:5"))
          .contains("rule: media (bucket)").contains("field '5' of hash '__rc:b:{media:n0}' (listpack")
          .contains("value: 5 bytes, stored as written");
      assertThat(proxy.callString("COMPACTOR", "KEY", "page:1"))
          .contains("rule: pages (compress, codec zstd)").contains("value: 5000 bytes logical").contains("codec zstd");
      assertThat(proxy.callString("COMPACTOR", "KEY", "other")).contains("stored: nowhere");
      assertThat(proxy.callString("COMPACTOR", "BOGUS")).startsWith("-ERR wrong arguments for 'COMPACTOR'");
    }
  }
}
