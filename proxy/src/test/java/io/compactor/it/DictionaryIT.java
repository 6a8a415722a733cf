package io.compactor.it;

import static org.assertj.core.api.Assertions.assertThat;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/** Dictionaries trained on demand (the admin endpoint) and again when the data drifts. */
class DictionaryIT {
  @RegisterExtension
  static final ProxyEnvironment ENV = ProxyEnvironment.redis().with("admin.listen", "127.0.0.1:0")
      .with("rules", "[{name: s, pattern: 's:*', strategy: compress, codec: zstd-dict, train-after: 100000},"
          + " {name: d, pattern: 'd:*', strategy: compress, codec: zstd-dict, train-after: 200},"
          + " {name: f, pattern: 'f:*', strategy: compress, codec: zstd-dict, train-after: 200},"
          // auto's speed budgets lowered: a busy 2-core machine ran json at half its usual speed, below the
          // default 50 MB/s; these tests are about which candidate is smallest (AutoSelectorTest covers the budgets)
          + " {name: a, pattern: 'a:*', strategy: bucket, codec: auto, train-after: 200, auto-max-micros-per-value: 10},"
          + " {name: j, pattern: 'j:*', strategy: compress, codec: auto, train-after: 200, auto-min-mb-per-second: 5},"
          + " {name: jf, pattern: 'jf:*', strategy: compress, codec: json, train-after: 100},"
          + " {name: z, pattern: 'z:*', strategy: compress, codec: zstd}]");

  private static HttpResponse<String> post(String path) throws Exception {
    HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();
    URI uri = URI.create("http://127.0.0.1:" + ENV.proxy().adminAddress().getPort() + path);
    return http.send(HttpRequest.newBuilder(uri).POST(HttpRequest.BodyPublishers.noBody())
        .timeout(Duration.ofSeconds(70)).build(), HttpResponse.BodyHandlers.ofString());
  }

  private static String current(RespClient upstream, String rule) throws Exception {
    List<String> r = RespClient.flatten(upstream.call("GET", "__rc:d:rule:" + rule));
    return r.isEmpty() ? null : r.get(0);
  }

  @Test
  void train_onDemand_thenValuesUseTheDictionary() throws Exception {
    assertThat(post("/dictionaries/train?rule=nope").body()).contains("no compression rule is named 'nope'");
    assertThat(post("/dictionaries/train?rule=z").body()).contains("uses codec zstd, which takes no dictionary");
    assertThat(post("/dictionaries/train").statusCode()).isEqualTo(400);
    try (RespClient proxy = ENV.proxyClient(); RespClient upstream = ENV.upstreamClient()) {
      proxy.call("SET", "s:0", CompressContract.json(0));
      HttpResponse<String> tooFew = post("/dictionaries/train?rule=s");
      assertThat(tooFew.statusCode()).isEqualTo(409);
      assertThat(tooFew.body()).contains("no dictionary trained from 1 sampled values");
      for (int i = 1; i < 300; i++) {
        proxy.call("SET", "s:" + i, CompressContract.json(i));
      }
      HttpResponse<String> trained = post("/dictionaries/train?rule=s");
      assertThat(trained.statusCode()).as(trained.body()).isEqualTo(200);
      assertThat(trained.body()).matches("\\{\"outcome\":\"rule 's': trained dictionary [0-9]+ on 300 sampled values\"}\\n");
      assertThat(current(upstream, "s")).matches("[0-9]+ zstd-dict");
      proxy.call("SET", "s:new", CompressContract.json(7));
      byte[] stored = CompressContract.body(upstream.call("GET", "s:new"));
      assertThat(stored[1]).as("codec: zstd with a dictionary").isEqualTo((byte) 0x13);
      assertThat(CompressContract.body(proxy.call("GET", "s:new")))
          .isEqualTo(CompressContract.json(7).getBytes(StandardCharsets.UTF_8));
    }
  }

  /** A purchase order as JSON: none of the session JSON's field names or vocabulary. */
  static String order(int j) {
    java.util.Random r = new java.util.Random(j);
    String[] cities = {"Zaragoza", "Quimper", "Vladivostok", "Yokohama", "Kalgoorlie", "Whitehorse"};
    return "{\"orderNumber\":\"PO-" + (100000 + j) + "\",\"shippingAddress\":{\"city\":\""
        + cities[r.nextInt(cities.length)] + "\",\"postcode\":\"" + (10000 + r.nextInt(89999)) + "\"},"
        + "\"lineItems\":[{\"articleCode\":\"ART" + r.nextInt(500) + "\",\"quantityOrdered\":" + r.nextInt(9)
        + ",\"unitPriceCents\":" + r.nextInt(100000) + "}],\"paymentMethod\":\"invoice\",\"warehouse\":\"north\"}";
  }

  @Test
  void drift_trainsANewDictionary_oldValuesStayReadable() throws Exception {
    List<String> texts = new ArrayList<>();
    try (RespClient proxy = ENV.proxyClient(); RespClient upstream = ENV.upstreamClient()) {
      int i = 0;
      // JSON first: the first dictionary is trained on it, then more JSON sets the ratio to beat
      for (; i < 25_000; i++) {
        proxy.send("SET", "d:" + i, CompressContract.json(i));
        if (i % 1000 == 999) {
          proxy.readReplies(1000);
        }
      }
      String first = current(upstream, "d");
      assertThat(first).as("a dictionary trained on the JSON").isNotNull();
      // then documents of another shape, which the first dictionary knows nothing of: after a window of
      // them the ratio is worse than after training, and the rule trains again
      for (int j = 0; j < 40_000; j++) {
        String t = order(j);
        texts.add(t);
        proxy.call("SET", "d:t" + j, t);
        if (j % 1000 == 999 && !first.equals(current(upstream, "d"))) {
          break;
        }
      }
      ENV.awaitUpstream(s -> !s.contains(first), "a second dictionary for rule d", "GET", "__rc:d:rule:d");
      for (int k = 0; k < 25_000; k += 997) {
        assertThat(CompressContract.body(proxy.call("GET", "d:" + k)))
            .isEqualTo(CompressContract.json(k).getBytes(StandardCharsets.UTF_8));
      }
      for (int k = 0; k < texts.size(); k += 97) {
        assertThat(CompressContract.body(proxy.call("GET", "d:t" + k))).isEqualTo(texts.get(k).getBytes(StandardCharsets.UTF_8));
      }
    }
  }

  /**
   * FLUSHALL (or a server that comes back empty) while the proxy encodes with a dictionary: the values it
   * writes next still name that dictionary, so the proxy stores it again, and the next dictionary gets a
   * new id instead of the lost counter's 1, 2, ... (which once made a new table answer for old values).
   */
  @Test
  void flushall_dictionaryStoredAgain_idNeverReused() throws Exception {
    try (RespClient proxy = ENV.proxyClient(); RespClient upstream = ENV.upstreamClient()) {
      for (int i = 0; i < 300; i++) {
        proxy.call("SET", "f:" + i, CompressContract.json(i));
      }
      ENV.awaitUpstream(s -> s.contains(" zstd-dict\r\n"), "a dictionary for rule f", "GET", "__rc:d:rule:f");
      int id = Integer.parseInt(current(upstream, "f").split(" ")[0]);
      byte[] dict = CompressContract.body(upstream.call("GET", "__rc:d:" + id));
      assertThat(dict).isNotEmpty();

      upstream.call("FLUSHALL");
      for (int i = 0; i < 300; i++) {
        proxy.call("SET", "f:after:" + i, CompressContract.json(i + 1000));
      }
      byte[] stored = CompressContract.body(upstream.call("GET", "f:after:7"));
      assertThat(stored[1]).as("codec: zstd with a dictionary").isEqualTo((byte) 0x13);
      assertThat(stored[2]).as("the dictionary id, a one-byte varint").isEqualTo((byte) id);
      ENV.awaitUpstream(s -> s.contains("\r\n" + id + " zstd-dict\r\n"), "rule f named again", "GET", "__rc:d:rule:f");
      assertThat(CompressContract.body(upstream.call("GET", "__rc:d:" + id))).as("dictionary stored again").isEqualTo(dict);

      HttpResponse<String> trained = post("/dictionaries/train?rule=f");
      assertThat(trained.statusCode()).as(trained.body()).isEqualTo(200);
      int next = Integer.parseInt(current(upstream, "f").split(" ")[0]);
      assertThat(next).as("a new id, past every id used before the flush").isGreaterThan(id);
      assertThat(CompressContract.body(upstream.call("GET", "__rc:d:" + id))).isEqualTo(dict);
      for (int i = 0; i < 300; i += 7) {
        assertThat(CompressContract.body(proxy.call("GET", "f:after:" + i)))
            .isEqualTo(CompressContract.json(i + 1000).getBytes(StandardCharsets.UTF_8));
      }
    }
  }

  /** {@code auto} on names and e-mail addresses: it measures the candidates and picks fsst. */
  @Test
  void auto_shortStrings_picksFsst_valuesReadBack() throws Exception {
    try (RespClient proxy = ENV.proxyClient()) {
      for (int i = 0; i < 300; i++) {
        proxy.call("SET", "a:" + i, CompressContract.person(i));
      }
      ENV.awaitUpstream(s -> s.contains(" fsst\r\n"), "auto choosing fsst for rule a", "GET", "__rc:d:rule:a");
      for (int i = 0; i < 300; i++) {
        proxy.call("SET", "a:" + i, CompressContract.person(i + 1));
      }
      for (int i = 0; i < 300; i += 7) {
        assertThat(CompressContract.body(proxy.call("GET", "a:" + i)))
            .isEqualTo(CompressContract.person(i + 1).getBytes(StandardCharsets.UTF_8));
      }
      String v = CompressContract.person(12);
      assertThat(CompressContract.body(proxy.call("GETRANGE", "a:11", "0", "-1"))).isEqualTo(v.getBytes(StandardCharsets.UTF_8));
    }
  }

  /** {@code auto} on session-like JSON documents: json is the smallest candidate and fast enough. */
  @Test
  void auto_jsonDocuments_picksJson_valuesReadBack() throws Exception {
    try (RespClient proxy = ENV.proxyClient(); RespClient upstream = ENV.upstreamClient()) {
      for (int i = 0; i < 300; i++) {
        proxy.call("SET", "j:" + i, CompressContract.session(i));
      }
      ENV.awaitUpstream(s -> s.contains(" json\r\n"), "auto choosing json for rule j", "GET", "__rc:d:rule:j");
      for (int i = 0; i < 300; i++) {
        proxy.call("SET", "j:" + i, CompressContract.session(i + 1));
      }
      for (int i = 0; i < 300; i += 7) {
        assertThat(CompressContract.body(proxy.call("GET", "j:" + i)))
            .isEqualTo(CompressContract.session(i + 1).getBytes(StandardCharsets.UTF_8));
        assertThat(CompressContract.body(upstream.call("GET", "j:" + i))[1]).as("codec byte").isEqualTo((byte) 0x17);
      }
    }
  }

  /** Waits until rule {@code rule}'s sample size (its metric) satisfies {@code condition}. */
  private static void awaitSampled(String rule, java.util.function.IntPredicate condition) throws InterruptedException {
    long deadline = System.nanoTime() + java.util.concurrent.TimeUnit.SECONDS.toNanos(10);
    double n = Double.NaN;
    while (System.nanoTime() < deadline) {
      n = ENV.proxy().metrics().rules().stream().filter(r -> r.config().name().equals(rule)).findFirst().orElseThrow()
          .sampled().getAsInt();
      if (condition.test((int) n)) {
        return;
      }
      Thread.sleep(20);
    }
    throw new AssertionError("rule " + rule + ": " + n + " values sampled, for 10 s");
  }

  /**
   * A training that fails on its own (here: json on values that are not JSON) starts the sample over: the
   * next attempt waits for train-after new values instead of coming back every second on the old ones.
   */
  @Test
  void failedTraining_waitsForANewSample() throws Exception {
    try (RespClient proxy = ENV.proxyClient(); RespClient upstream = ENV.upstreamClient()) {
      for (int i = 0; i < 100; i++) {
        proxy.call("SET", "jf:t" + i, CompressContract.text(200, i));
      }
      // the maintenance thread tries, and fails (no compact JSON in the sample): the sample starts over
      awaitSampled("jf", n -> n == 0);
      for (int i = 0; i < 50; i++) {
        proxy.call("SET", "jf:s" + i, CompressContract.session(i));
      }
      awaitSampled("jf", n -> n == 50); // under train-after: no attempt (the old sample would have had 150)
      assertThat(ENV.proxy().metrics().scrape()).containsPattern("proxy_rule_dictionary_sampled\\{[^}]*rule=\"jf\"[^}]*} 50");
      assertThat(current(upstream, "jf")).as("no model from a sample of 50").isNull();
      for (int i = 50; i < 110; i++) {
        proxy.call("SET", "jf:s" + i, CompressContract.session(i));
      }
      ENV.awaitUpstream(s -> s.contains(" json\r\n"), "a json model for rule jf", "GET", "__rc:d:rule:jf");
      for (int i = 0; i < 110; i += 11) {
        assertThat(CompressContract.body(proxy.call("GET", "jf:s" + i)))
            .isEqualTo(CompressContract.session(i).getBytes(StandardCharsets.UTF_8));
      }
    }
  }
}
