package io.compactor.it;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * Bucket rules that all have {@code legacy-reads: false}: the script's plain SET is then op {@code s}
 * (without the plain-key delete), which the other bucket tests, all with legacy reads somewhere, never send,
 * and pipelined runs go as transactions without the plain keys' DEL and GETs.
 */
class BucketNoLegacyIT {
  @RegisterExtension
  static final ProxyEnvironment ENV = ProxyEnvironment.redis().with("rules",
      "[{name: m, pattern: 'm:*', strategy: bucket, legacy-reads: false},"
          + " {name: t, pattern: 't:*', strategy: bucket, legacy-reads: false}]");

  @Test
  void plainSet_fieldOverflowAndExpiry_sameReplies() throws Exception {
    String longValue = "L".repeat(200);
    try (Differential d = ENV.differential()) {
      for (String k : List.of("m:1", "m:2", "t:abc")) {
        d.exact("SET", k, "v");
        d.exact("GET", k);
        d.exact("SET", k, longValue); // to the overflow key
        d.exact("GET", k);
        d.exact("SET", k, "short again"); // back into the bucket: the overflow key goes
        d.exact("GET", k);
        d.exact("STRLEN", k);
        d.exact("SET", k, "with ttl", "EX", "100");
        d.exact("TTL", k);
        d.exact("SET", k, "no ttl"); // the bucket's expiry goes too
        d.exact("TTL", k);
        d.exact("EXISTS", k);
        d.exact("SET", k, "");
        d.exact("GET", k);
        d.exact("STRLEN", k);
        d.exact("DEL", k);
        d.exact("GET", k);
      }
      List<String[]> run = new ArrayList<>();
      for (int i = 0; i < 20; i++) {
        run.add(new String[] {"SET", "m:" + (i % 7), "value " + i});
        run.add(new String[] {"GET", "m:" + ((i + 3) % 7)});
      }
      d.pipeline(run);
      d.exact("MGET", "m:0", "m:1", "m:2", "m:3", "m:4", "m:5", "m:6");
      d.exact("DBSIZE");
    }
  }
  @Test
  void pipelinedRuns_asTransactions_withoutPlainKeys_sameReplies() throws Exception {
    String longValue = "L".repeat(200);
    try (Differential d = ENV.differential(); RespClient up = ENV.upstreamClient();
        RespClient proxy = ENV.proxyClient()) {
      BucketContract.awaitTransactions(up, proxy, "m:999");
      d.exact("SET", "m:100", longValue); // in its overflow key
      d.exact("SET", "m:101", "short");
      List<String[]> sets = new ArrayList<>();
      List<String[]> gets = new ArrayList<>();
      for (int i = 0; i < 16; i++) {
        sets.add(new String[] {"SET", "m:" + (100 + i % 6), "s" + i}); // m:100 leaves its overflow key
        sets.add(new String[] {"SET", "t:k" + i % 5, "t" + i});
        gets.add(new String[] {"GET", "m:" + (98 + i % 9)});
        gets.add(new String[] {"GET", "t:k" + i % 7});
      }
      long before = execs(up);
      for (int from = 0; from < 32; from += 8) { // 8 GETs and a PING, one read: not read through
        List<String[]> chunk = new ArrayList<>(gets.subList(from, from + 8));
        chunk.add(new String[] {"PING"});
        d.pipeline(chunk);
        if (from == 8) {
          d.pipeline(sets.subList(0, 16));
        }
      }
      d.pipeline(sets.subList(16, 32));
      assertThat(execs(up) - before).as("the runs went as transactions").isGreaterThanOrEqualTo(5);
      d.pipeline(gets); // ending the read: read through
      d.exact("DBSIZE");
    }
  }

  private static long execs(RespClient up) throws Exception {
    return BucketContract.calls(new String(up.call("INFO", "commandstats"), java.nio.charset.StandardCharsets.US_ASCII), "exec");
  }
}
