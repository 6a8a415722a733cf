package io.compactor.metrics;

import static java.nio.charset.StandardCharsets.US_ASCII;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.api.Test;

class RedisCostTest {
  /** jemalloc 5.3's usable sizes for 1..81920, as libjemalloc.so.2 (Debian) reports them. */
  private static final long[] CLASSES = {8, 16, 32, 48, 64, 80, 96, 112, 128, 160, 192, 224, 256, 320, 384, 448, 512,
      640, 768, 896, 1024, 1280, 1536, 1792, 2048, 2560, 3072, 3584, 4096, 5120, 6144, 7168, 8192, 10240, 12288,
      14336, 16384, 20480, 24576, 28672, 32768, 40960, 49152, 57344, 65536, 81920};

  private static byte[] b(String s) {
    return s.getBytes(US_ASCII);
  }

  @Test
  void allocSize_smallClasses() {
    assertThat(RedisCost.allocSize(0)).isEqualTo(8);
    assertThat(RedisCost.allocSize(1)).isEqualTo(8);
    assertThat(RedisCost.allocSize(8)).isEqualTo(8);
    assertThat(RedisCost.allocSize(9)).isEqualTo(16);
    assertThat(RedisCost.allocSize(17)).isEqualTo(32);
    assertThat(RedisCost.allocSize(24)).isEqualTo(32); // a dictEntry
    assertThat(RedisCost.allocSize(33)).isEqualTo(48);
    assertThat(RedisCost.allocSize(65)).isEqualTo(80);
    assertThat(RedisCost.allocSize(129)).isEqualTo(160);
    assertThat(RedisCost.allocSize(257)).isEqualTo(320);
  }

  @Test
  void allocSize_everyBoundaryUpTo80KiB() {
    long previous = 0;
    for (long c : CLASSES) {
      assertThat(RedisCost.allocSize(previous + 1)).as("allocSize(%d)", previous + 1).isEqualTo(c);
      assertThat(RedisCost.allocSize(c - 1)).as("allocSize(%d)", c - 1).isEqualTo(c);
      assertThat(RedisCost.allocSize(c)).as("allocSize(%d)", c).isEqualTo(c);
      previous = c;
    }
  }

  @Test
  void allocSize_largeClasses() {
    assertThat(RedisCost.allocSize(14337)).isEqualTo(16384); // past the largest small class
    assertThat(RedisCost.allocSize(40966)).isEqualTo(49152); // a 40 KiB value's sds
    assertThat(RedisCost.allocSize(1 << 20)).isEqualTo(1 << 20);
    assertThat(RedisCost.allocSize((1 << 20) + 1)).isEqualTo(1310720);
    assertThat(RedisCost.allocSize(5L << 20)).isEqualTo(5L << 20);
    assertThat(RedisCost.allocSize((5L << 20) + 1)).isEqualTo(6L << 20);
    assertThat(RedisCost.allocSize((1L << 30) + 1)).isEqualTo(1342177280L);
  }

  @Test
  void allocSize_negative_rejected() {
    assertThatThrownBy(() -> RedisCost.allocSize(-1)).isInstanceOf(IllegalArgumentException.class)
        .hasMessage("requested: -1 (expected: 0..2^62)");
  }

  @Test
  void sdsAlloc_headerByLength() {
    assertThat(RedisCost.sdsAlloc(0)).isEqualTo(8); // type 8 when empty: 3 + 0 + 1
    assertThat(RedisCost.sdsAlloc(14)).isEqualTo(16); // type 5: 1 + 14 + 1
    assertThat(RedisCost.sdsAlloc(30)).isEqualTo(32);
    assertThat(RedisCost.sdsAlloc(31)).isEqualTo(48); // type 5: 33
    assertThat(RedisCost.sdsAlloc(32)).isEqualTo(48); // type 8: 36
    assertThat(RedisCost.sdsAlloc(44)).isEqualTo(48); // type 8: 48
    assertThat(RedisCost.sdsAlloc(45)).isEqualTo(64);
    assertThat(RedisCost.sdsAlloc(252)).isEqualTo(256); // type 8: 256
    assertThat(RedisCost.sdsAlloc(253)).isEqualTo(320);
    assertThat(RedisCost.sdsAlloc(255)).isEqualTo(320); // type 8: 259
    assertThat(RedisCost.sdsAlloc(256)).isEqualTo(320); // type 16: 262
    assertThat(RedisCost.sdsAlloc(506)).isEqualTo(512); // type 16: 512
    assertThat(RedisCost.sdsAlloc(507)).isEqualTo(640);
    assertThat(RedisCost.sdsAlloc(65530)).isEqualTo(65536); // type 16: 65536
    assertThat(RedisCost.sdsAlloc(65535)).isEqualTo(81920);
    assertThat(RedisCost.sdsAlloc(65536)).isEqualTo(81920); // type 32: 65546
  }

  @Test
  void keyEntry_dictEntryClassPlusKeySds() {
    assertThat(RedisCost.keyEntry(11)).isEqualTo(32 + 16); // "media:12345"
    assertThat(RedisCost.keyEntry(30)).isEqualTo(32 + 32);
    assertThat(RedisCost.keyEntry(31)).isEqualTo(32 + 48);
    assertThat(RedisCost.keyEntry(32)).isEqualTo(32 + 48);
  }

  @Test
  void stringValue_embstrLimit() {
    assertThat(RedisCost.stringValue(0, true)).isEqualTo(32); // 16 + 3 + 0 + 1
    assertThat(RedisCost.stringValue(12, true)).isEqualTo(32);
    assertThat(RedisCost.stringValue(13, true)).isEqualTo(48);
    assertThat(RedisCost.stringValue(44, true)).isEqualTo(64); // embstr: 16 + 3 + 44 + 1
    assertThat(RedisCost.stringValue(45, true)).isEqualTo(16 + 64); // raw: robj + sds of 49
    assertThat(RedisCost.stringValue(b("x".repeat(44)), true)).isEqualTo(64);
    assertThat(RedisCost.stringValue(b("x".repeat(45)), false)).isEqualTo(80);
  }

  @Test
  void stringValue_raw() {
    assertThat(RedisCost.stringValue(300, true)).isEqualTo(16 + 320);
    assertThat(RedisCost.stringValue(8192, true)).isEqualTo(16 + 10240);
    assertThat(RedisCost.stringValue(40960, true)).isEqualTo(16 + 49152);
  }

  @Test
  void stringValue_integers() {
    assertThat(RedisCost.stringValue(b("0"), true)).isZero();
    assertThat(RedisCost.stringValue(b("9999"), true)).isZero();
    assertThat(RedisCost.stringValue(b("9999"), false)).isEqualTo(16);
    assertThat(RedisCost.stringValue(b("10000"), true)).isEqualTo(16);
    assertThat(RedisCost.stringValue(b("-1"), true)).isEqualTo(16);
    assertThat(RedisCost.stringValue(b("9223372036854775807"), true)).isEqualTo(16);
    assertThat(RedisCost.stringValue(b("-9223372036854775808"), true)).isEqualTo(16); // 20 chars
  }

  @Test
  void stringValue_nonCanonicalIntegersAreEmbstr() {
    assertThat(RedisCost.stringValue(b("007"), true)).isEqualTo(32);
    assertThat(RedisCost.stringValue(b("+1"), true)).isEqualTo(32);
    assertThat(RedisCost.stringValue(b("-0"), true)).isEqualTo(32);
    assertThat(RedisCost.stringValue(b("9223372036854775808"), true)).isEqualTo(48); // overflow: 16+3+19+1
    assertThat(RedisCost.stringValue(b("12345678901234567890"), true)).isEqualTo(48);
    assertThat(RedisCost.stringValue(b("-9223372036854775809"), true)).isEqualTo(48);
  }

  @Test
  void isCanonicalInteger_string2llRules() {
    for (String yes : new String[] {"0", "1", "-1", "9999", "10000", "9223372036854775807", "-9223372036854775808"}) {
      assertThat(RedisCost.isCanonicalInteger(b(yes))).as(yes).isTrue();
    }
    for (String no : new String[] {"", "-", "+1", "007", "00", "-0", "-01", " 1", "1 ", "1.0", "1e3", "0x10",
        "9223372036854775808", "-9223372036854775809", "12345678901234567890", "123456789012345678901"}) {
      assertThat(RedisCost.isCanonicalInteger(b(no))).as(no).isFalse();
    }
  }

  @Test
  void dictTable_powersOfTwoFromFour() {
    assertThat(RedisCost.dictTable(0)).isZero();
    assertThat(RedisCost.dictTable(1)).isEqualTo(32);
    assertThat(RedisCost.dictTable(4)).isEqualTo(32);
    assertThat(RedisCost.dictTable(5)).isEqualTo(64);
    assertThat(RedisCost.dictTable(8)).isEqualTo(64);
    assertThat(RedisCost.dictTable(9)).isEqualTo(128);
    assertThat(RedisCost.dictTable(20_000)).isEqualTo(8 * 32768);
    assertThat(RedisCost.dictTable(1 << 20)).isEqualTo(8L << 20);
    assertThat(RedisCost.dictTable((1 << 20) + 1)).isEqualTo(16L << 20);
  }

  @Test
  void plainStringKey_sumsTheParts() {
    assertThat(RedisCost.plainStringKey(11, b("hello"), false, true)).isEqualTo(48 + 32);
    assertThat(RedisCost.plainStringKey(11, b("hello"), true, true)).isEqualTo(48 + 32 + 32);
    assertThat(RedisCost.plainStringKey(11, b("42"), false, true)).isEqualTo(48);
    assertThat(RedisCost.plainStringKey(11, b("42"), true, false)).isEqualTo(48 + 16 + 32);
  }

  @Test
  void server_redis7IsTheStaticModel() {
    RedisCost.Server r = RedisCost.Server.REDIS_7;
    for (int n : new int[] {0, 11, 31, 44, 45, 253, 300, 70_000}) {
      assertThat(r.keyEntry(n)).as("keyEntry(%d)", n).isEqualTo(RedisCost.keyEntry(n));
    }
    assertThat(r.plainStringKey(11, b("hello"), true, true)).isEqualTo(RedisCost.plainStringKey(11, b("hello"), true, true));
    assertThat(r.memoryUsageSlack()).isEqualTo(8); // dictEntry: 32-byte class, counted as 24
  }

  @Test
  void server_valkey8EmbedsTheKeyInTheEntry() {
    RedisCost.Server v = RedisCost.Server.VALKEY_8;
    // 17 (value, next, key_header_size) + sdshdr8 (3, the argument's embstr) + key + NUL
    assertThat(v.keyEntry(0)).isEqualTo(32); // 21
    assertThat(v.keyEntry(10)).isEqualTo(32); // "media:1234": 31, where Redis 7.0 spends 32 + 16
    assertThat(v.keyEntry(11)).isEqualTo(32); // 32
    assertThat(v.keyEntry(12)).isEqualTo(48); // 33
    assertThat(v.keyEntry(27)).isEqualTo(48); // 48
    assertThat(v.keyEntry(28)).isEqualTo(64);
    assertThat(v.keyEntry(44)).isEqualTo(80); // 65
    assertThat(v.keyEntry(45)).isEqualTo(80); // raw argument, sdsnewlen type 8: still 3
    assertThat(v.keyEntry(252)).isEqualTo(320); // 273; its sds: 256, usable 252
    assertThat(v.keyEntry(253)).isEqualTo(320); // sds of 257 in 320: usable 316 > 255, type 16 (5): 276
    assertThat(v.keyEntry(300)).isEqualTo(384); // type 16: 323
    assertThat(v.keyEntry(65530)).isEqualTo(81920); // sds 65536 exactly: type 16 stays
    assertThat(v.keyEntry(65531)).isEqualTo(81920); // sds 65537 in 81920: type 32 (9)
    assertThat(v.memoryUsageSlack()).isZero(); // dictEntryMemUsage is the entry's zmalloc_size
    assertThat(v.plainStringKey(10, b("hello"), true, true)).isEqualTo(32 + 32 + 32);
    assertThat(v.plainStringKey(10, b("42"), false, true)).isEqualTo(32);
    assertThatThrownBy(() -> v.keyEntry(-1)).isInstanceOf(IllegalArgumentException.class)
        .hasMessage("keyLength: -1 (expected: >= 0)");
  }

  @Test
  void server_fromInfo() {
    String valkey = "# Server\r\nredis_version:7.2.4\r\nserver_name:valkey\r\nvalkey_version:8.0.1\r\nredis_mode:standalone\r\n";
    assertThat(RedisCost.Server.fromInfo(valkey)).isEqualTo(RedisCost.Server.VALKEY_8);
    assertThat(RedisCost.Server.fromInfo("valkey_version:8.0.0\n")).isEqualTo(RedisCost.Server.VALKEY_8);
    assertThat(RedisCost.Server.fromInfo("server_name:valkey\r\n")).isEqualTo(RedisCost.Server.VALKEY_8);
    assertThat(RedisCost.Server.fromInfo("# Server\r\nredis_version:7.2.4\r\nvalkey_version:7.2.7\r\n"))
        .isEqualTo(RedisCost.Server.REDIS_7); // Valkey 7.2 is Redis 7.2's code
    assertThat(RedisCost.Server.fromInfo("# Server\r\nredis_version:7.0.15\r\nredis_mode:standalone\r\n"))
        .isEqualTo(RedisCost.Server.REDIS_7);
    assertThat(RedisCost.Server.fromInfo("")).isEqualTo(RedisCost.Server.REDIS_7);
  }
}
