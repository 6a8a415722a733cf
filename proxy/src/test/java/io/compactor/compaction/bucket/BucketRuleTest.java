package io.compactor.compaction.bucket;

import static org.assertj.core.api.Assertions.assertThat;

import io.compactor.config.RuleConfig;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;

class BucketRuleTest {
  private static String s(byte[] b) {
    return new String(b, StandardCharsets.UTF_8);
  }

  private static Placement place(RuleConfig rule, String key) {
    return new BucketRule(rule).place(key.getBytes(StandardCharsets.UTF_8));
  }

  @Test
  void place_numericIdSplitInstagramStyle() {
    Placement p = place(RuleConfig.bucket("media", "media:*"), "media:1155315");
    // 1155315 = 9025 * 128 + 115: 128 fields per bucket by default, so the field is a 7-bit listpack integer
    assertThat(s(p.bucket())).isEqualTo("__rc:b:{media:n9025}");
    assertThat(s(p.field())).isEqualTo("115");
    assertThat(s(p.overflow())).isEqualTo("__rc:o:{media:n9025}:115");
    assertThat(s(p.scratch())).isEqualTo("__rc:s:{media:n9025}");
    assertThat(s(p.key())).isEqualTo("media:1155315");
  }

  @Test
  void place_idInTheMiddle() {
    Placement p = place(new RuleConfig("uname", "user:*:name", RuleConfig.Strategy.BUCKET, 100, 64, true),
        "user:1234:name");
    assertThat(s(p.bucket())).isEqualTo("__rc:b:{uname:n12}");
    assertThat(s(p.field())).isEqualTo("34");
  }

  @Test
  void place_nonCanonicalNumbersAreHashed() {
    RuleConfig rule = new RuleConfig("m", "m:*", RuleConfig.Strategy.BUCKET, 100, 64, true);
    for (String id : new String[] {"007", "-5", "+5", "1e3", "1234567890123456", "abc", ""}) {
      Placement p = place(rule, "m:" + id);
      assertThat(s(p.bucket())).as(id).startsWith("__rc:b:{m:h");
      assertThat(s(p.field())).as(id).isEqualTo(id);
      int bucket = Integer.parseInt(s(p.bucket()).replaceAll(".*:h(\\d+)}$", "$1"));
      assertThat(bucket).isBetween(0, 63);
    }
    assertThat(s(place(rule, "m:999999999999999").bucket())).isEqualTo("__rc:b:{m:n9999999999999}");
  }

  @Test
  void place_isAPureFunctionOfTheKey() {
    RuleConfig rule = RuleConfig.bucket("s", "sess:*");
    Placement a = place(rule, "sess:abcdef");
    Placement b = place(rule, "sess:abcdef");
    assertThat(a.bucket()).isEqualTo(b.bucket());
    assertThat(a.field()).isEqualTo(b.field());
    // pinned: the CRC32 spread must never change, or stored data becomes unreachable
    assertThat(s(a.bucket())).isEqualTo("__rc:b:{s:h" + crcBucket("abcdef", 16384) + "}");
  }

  private static long crcBucket(String var, int buckets) {
    java.util.zip.CRC32 crc = new java.util.zip.CRC32();
    crc.update(var.getBytes(StandardCharsets.UTF_8));
    return crc.getValue() % buckets;
  }

  @Test
  void place_keepsTheLogicalHashTag() {
    Placement p = place(RuleConfig.bucket("t", "t:*"), "t:{user1}:42");
    assertThat(s(p.bucket())).startsWith("__rc:b:{user1}t:h");
    assertThat(s(p.overflow())).startsWith("__rc:o:{user1}t:h");
    assertThat(s(p.scratch())).isEqualTo("__rc:s:{user1}");
    assertThat(BucketRule.hashTag("a{}b".getBytes(StandardCharsets.UTF_8))).isNull();
  }

  @Test
  void reservedNamespace() {
    assertThat(BucketRule.isReserved("__rc:b:x".getBytes(StandardCharsets.UTF_8))).isTrue();
    assertThat(BucketRule.isReserved("__rc".getBytes(StandardCharsets.UTF_8))).isFalse();
    assertThat(BucketRule.isReserved("media:1".getBytes(StandardCharsets.UTF_8))).isFalse();
  }
}
