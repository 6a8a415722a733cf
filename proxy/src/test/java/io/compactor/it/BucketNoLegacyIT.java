package io.compactor.it;

import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * Bucket rules that all have {@code legacy-reads: false}: the script's plain SET is then op {@code s}
 * (without the plain-key delete), which the other bucket tests, all with legacy reads somewhere, never send.
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
}
