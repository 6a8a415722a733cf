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

  private static RuleConfig binaryIds(String name, String pattern) {
    return new RuleConfig(name, pattern, RuleConfig.Strategy.BUCKET, 128, 64, true, null, true);
  }

  @Test
  void place_binaryIds_hexStoredAsItsBytes() {
    RuleConfig rule = binaryIds("tok", "tok:*");
    String hex = "00ff7a3c9d0e1b2c3d4e5f60718293a4";
    Placement p = place(rule, "tok:" + hex);
    // the same bucket number a text field would get, under kind x
    assertThat(s(p.bucket())).isEqualTo("__rc:b:{tok:x" + crcBucket(hex, 64) + "}");
    assertThat(p.field()).hasSize(16).startsWith((byte) 0x00, (byte) 0xff, (byte) 0x7a).endsWith((byte) 0xa4);
    assertThat(new BucketRule(rule).fieldLength(("tok:" + hex).getBytes(StandardCharsets.UTF_8))).isEqualTo(16);
    // 36 hex digits without dashes are hex, not a UUID
    assertThat(place(rule, "tok:" + "ab".repeat(18)).field()).hasSize(18);
  }

  @Test
  void place_binaryIds_uuidStoredAsSixteenBytes() {
    RuleConfig rule = binaryIds("sess", "session:*:data");
    String uuid = "550e8400-e29b-41d4-a716-446655440000";
    Placement p = place(rule, "session:" + uuid + ":data");
    assertThat(s(p.bucket())).isEqualTo("__rc:b:{sess:u" + crcBucket(uuid, 64) + "}");
    assertThat(p.field()).hasSize(16).startsWith((byte) 0x55, (byte) 0x0e, (byte) 0x84).endsWith((byte) 0x00);
    assertThat(new BucketRule(rule).fieldLength(("session:" + uuid + ":data").getBytes(StandardCharsets.UTF_8)))
        .isEqualTo(16);
  }

  @Test
  void place_binaryIds_anythingElseKeepsItsText() {
    RuleConfig rule = binaryIds("tok", "tok:*");
    // upper case, odd length, non-hex, a dash out of place, longer than 64, empty: kind h, field as it is
    for (String id : new String[] {"ABCDEF", "abc", "abcg", "550e8400e-29b-41d4-a716-44665544000",
        "550E8400-E29B-41D4-A716-446655440000", "a".repeat(66), ""}) {
      Placement p = place(rule, "tok:" + id);
      assertThat(s(p.bucket())).as(id).startsWith("__rc:b:{tok:h");
      assertThat(s(p.field())).as(id).isEqualTo(id);
    }
    // numeric ids are still split; a leading zero makes "0123" hex
    assertThat(s(place(rule, "tok:1234").bucket())).isEqualTo("__rc:b:{tok:n9}");
    assertThat(s(place(rule, "tok:0123").bucket())).startsWith("__rc:b:{tok:x");
    // and without binary-ids nothing changes
    assertThat(s(place(RuleConfig.bucket("tok", "tok:*"), "tok:abcd").bucket())).startsWith("__rc:b:{tok:h");
  }
}
