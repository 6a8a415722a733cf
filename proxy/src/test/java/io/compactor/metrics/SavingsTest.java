package io.compactor.metrics;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import java.util.List;
import org.junit.jupiter.api.Test;

class SavingsTest {
  private static final RedisCost.Server REDIS = RedisCost.Server.REDIS_7;
  private static final long REDIS_SLACK = 8; // MEMORY USAGE's dictEntry: 24 counted, 32 allocated
  private static byte[] b(String s) {
    return s.getBytes(StandardCharsets.US_ASCII);
  }

  @Test
  void tally_scalesSampleAndModelsTables() {
    Savings.Tally t = new Savings.Tally(List.of("media", "pages"), List.of("bucket", "compress"), 2, true, REDIS);
    // four buckets of rule 0, two sampled
    for (int i = 0; i < 4; i++) {
      boolean sampled = t.count(0);
      assertThat(sampled).isEqualTo(i < 2);
      if (sampled) {
        t.bucket(0, 1000, false, "listpack", new int[] {8, 8}, new byte[][] {b("hello"), b("42")},
            new boolean[] {false, true});
      }
    }
    Savings.Estimate e = t.finish(4, 0);
    Savings.RuleEstimate media = e.rules().get(0);
    assertThat(media.physicalKeys()).isEqualTo(4);
    assertThat(media.sampledKeys()).isEqualTo(2);
    assertThat(media.logicalKeys()).isEqualTo(8);
    assertThat(media.listpackBuckets()).isEqualTo(4);
    // plain: per logical key a dict entry + key sds, the value (shared 42 costs nothing) and an expire entry
    long perBucketPlain = 2 * RedisCost.keyEntry(8) + RedisCost.stringValue(b("hello"), true)
        + RedisCost.stringValue(b("42"), true) + RedisCost.EXPIRE_ENTRY;
    double plainTables = RedisCost.dictTable(8) + RedisCost.dictTable(4); // 8 keys, 4 of them expiring
    assertThat(media.plainBytes()).isEqualTo(Math.round(4 * perBucketPlain + plainTables));
    assertThat(media.actualBytes()).isEqualTo(Math.round(4 * (1000 + REDIS_SLACK) + RedisCost.dictTable(4)));
    assertThat(e.savedBytes()).isEqualTo(media.savedBytes() + e.rules().get(1).savedBytes() + e.otherTablesBytes());
    assertThat(e.otherTablesBytes()).isZero(); // no keys other than the rule's
  }

  @Test
  void tally_compressedStringCountsItsDecodedLength() {
    Savings.Tally t = new Savings.Tally(List.of("pages"), List.of("compress"), 10, true, REDIS);
    assertThat(t.count(0)).isTrue();
    // envelope v1, codec zstd (2), decoded length 300 (varint 0xAC 0x02), then payload
    byte[] head = {(byte) 0xFC, 0x12, (byte) 0xAC, 0x02, 1, 2, 3};
    t.string(0, 6, 200, false, 120, head);
    assertThat(t.count(0)).isTrue();
    t.string(0, 6, 80, false, 20, b("plain value"));
    Savings.RuleEstimate r = t.finish(2, 0).rules().get(0);
    long tables = RedisCost.dictTable(2);
    assertThat(r.plainBytes()).isEqualTo(RedisCost.keyEntry(6) + RedisCost.stringValue(300, true)
        + 80 + REDIS_SLACK + tables);
    assertThat(r.actualBytes()).isEqualTo(200 + 80 + 2 * REDIS_SLACK + tables);
  }

  @Test
  void tally_valkeyModelsEmbeddedKeysAndExactMemoryUsage() {
    Savings.Tally t = new Savings.Tally(List.of("media"), List.of("bucket"), 10, true, RedisCost.Server.VALKEY_8);
    assertThat(t.count(0)).isTrue();
    t.bucket(0, 1000, true, "listpack", new int[] {10, 10}, new byte[][] {b("hello"), b("42")},
        new boolean[] {false, false});
    assertThat(t.count(0)).isTrue();
    t.other(0, 500, false); // a key stored as written: costs what MEMORY USAGE says, nothing added
    Savings.RuleEstimate r = t.finish(2, 1).rules().get(0);
    // plain: per logical key one embedded entry (17 + 3 + 10 + 1 in 32), the values (hello: embstr 32, 42 shared)
    long plain = 2 * 32 + 32 + 0 + 500;
    assertThat(RedisCost.Server.VALKEY_8.keyEntry(10)).isEqualTo(32);
    assertThat(r.plainBytes()).isEqualTo(plain + RedisCost.dictTable(3)); // 3 plain keys, none expiring
    // actual: MEMORY USAGE as read (Valkey counts the entry's allocation), the bucket's expire entry, tables
    assertThat(r.actualBytes()).isEqualTo(1000 + RedisCost.EXPIRE_ENTRY + 500 + RedisCost.dictTable(2)
        + RedisCost.dictTable(1));
  }

  @Test
  void estimate_noneIsAllZero() {
    Savings.Estimate e = Savings.Estimate.none(List.of("a"), List.of("bucket"));
    assertThat(e.savedBytes()).isZero();
    assertThat(e.timeMillis()).isZero();
    assertThat(e.rules()).hasSize(1);
  }
}
