package io.compactor.codec;

import static io.compactor.codec.Fixtures.RAW_DICT_ID;
import static io.compactor.codec.Fixtures.hex;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

/** Malformed envelopes give a CodecException with a one-line message, and nothing else. */
class ValueCodecsFuzzTest {
  private static final long CAP = 1 << 20;

  private final ValueCodecs codecs = Fixtures.codecs(CAP);

  /** Decodes {@code stored}; a malformed value must fail with a CodecException, a decoded one must fit. */
  private void assertDecodesOrFailsCleanly(byte[] stored) {
    byte[] out;
    try {
      out = codecs.decode(stored);
    } catch (CodecException e) {
      assertThat(e.getMessage()).isNotBlank().doesNotContain("\n").doesNotContain("\r");
      return;
    } catch (Throwable t) {
      throw new AssertionError("decoding " + hex(stored) + " threw " + t, t);
    }
    assertThat((long) out.length).isLessThanOrEqualTo(CAP);
    try {
      assertThat(codecs.decodedLength(stored)).isEqualTo(out.length);
    } catch (CodecException e) {
      throw new AssertionError("decodedLength rejects what decode accepts: " + hex(stored), e);
    }
  }

  private static String message(ValueCodecs c, byte[] stored) {
    try {
      c.decode(stored);
    } catch (CodecException e) {
      return e.getMessage();
    }
    throw new AssertionError("expected a CodecException for " + hex(stored));
  }

  @Test
  void fuzz_randomPayloadAfterEveryHeaderByte() {
    Random r = new Random(42);
    for (int i = 0; i < 30_000; i++) {
      byte[] b = new byte[2 + r.nextInt(r.nextBoolean() ? 12 : 200)];
      r.nextBytes(b);
      b[0] = (byte) 0xFC;
      b[1] = (byte) (r.nextInt(8) == 0 ? r.nextInt(256) : 0x10 | r.nextInt(16));
      if (r.nextBoolean() && b.length > 3) {
        b[2] = (byte) r.nextInt(64); // small declared lengths, so payloads get decoded
      }
      int codec = b[1] & 0x0F;
      if (codec == 3 || codec == 5 || codec == 6 || codec == 7) {
        if (r.nextBoolean() && b.length > 3) {
          // a known dictionary (mostly of the right kind), so the decoder sees the payload
          int right = codec == 6 ? Fixtures.TABLE_ID : codec == 7 ? Fixtures.MODEL_ID : RAW_DICT_ID;
          int[] any = {Fixtures.TABLE_ID, Fixtures.MODEL_ID, RAW_DICT_ID};
          b[2] = (byte) (r.nextInt(4) != 0 ? right : any[r.nextInt(3)]);
          b[3] = (byte) r.nextInt(100);
        }
      }
      assertDecodesOrFailsCleanly(b);
    }
  }

  @Test
  void fuzz_truncationsAndBitFlipsOfValidEnvelopes() {
    Random r = new Random(43);
    List<byte[]> valid = new ArrayList<>();
    List<Encoder> encoders = List.of(codecs.encoder(CodecKind.LZ4, 3, 0, 0), codecs.encoder(CodecKind.ZSTD, 3, 0, 0),
        codecs.encoder(CodecKind.ZSTD_DICT, 3, 0, RAW_DICT_ID), codecs.encoder(CodecKind.MSGPACK, 3, 0, 0),
        codecs.encoder(CodecKind.MSGPACK_ZSTD_DICT, 3, 0, RAW_DICT_ID),
        codecs.encoder(CodecKind.FSST, 3, 0, Fixtures.TABLE_ID), codecs.encoder(CodecKind.JSON, 3, 0, Fixtures.MODEL_ID));
    List<byte[]> values = new ArrayList<>(Fixtures.profiles(5, 6));
    values.addAll(Fixtures.namesAndEmails(5, 6));
    values.add(Fixtures.ADA);
    values.add(Fixtures.HELLOS);
    values.add(Fixtures.DIGITS);
    values.add(new byte[] {(byte) 0xFC, 0x11, 0x22});
    for (Encoder e : encoders) {
      for (byte[] v : values) {
        byte[] stored = e.encode(v);
        if (ValueCodecs.isEnvelope(stored)) {
          valid.add(stored);
        }
      }
    }
    assertThat(valid).hasSizeGreaterThan(30);
    AtomicInteger rejected = new AtomicInteger();
    for (byte[] env : valid) {
      for (int len = 2; len < env.length; len++) {
        byte[] cut = java.util.Arrays.copyOf(env, len);
        assertDecodesOrFailsCleanly(cut);
      }
      for (int bit = 8; bit < env.length * 8; bit++) {
        byte[] flipped = env.clone();
        flipped[bit / 8] ^= (byte) (1 << (bit % 8));
        assertDecodesOrFailsCleanly(flipped);
        try {
          codecs.decode(flipped);
        } catch (CodecException e) {
          rejected.incrementAndGet();
        }
      }
      for (int k = 0; k < 50; k++) {
        byte[] mangled = env.clone();
        mangled[2 + r.nextInt(mangled.length - 2)] = (byte) r.nextInt(256);
        assertDecodesOrFailsCleanly(mangled);
      }
    }
    assertThat(rejected.get()).isGreaterThan(1000);
  }

  @Test
  void hugeDeclaredLength_failsFastAgainstTheCap() {
    ValueCodecs tiny = new ValueCodecs(DictionarySource.none(), 1024);
    byte[] max31 = hex("fc12ffffffff07" + "00".repeat(8)); // 2^31-1
    assertThat(message(tiny, max31))
        .isEqualTo("value would decompress to 2147483647 bytes, over the limit of 1024 (max-decompressed-size)");
    byte[] max32 = hex("fc11ffffffff0f00"); // 2^32-1
    assertThat(message(tiny, max32)).contains("4294967295 bytes, over the limit of 1024");
    assertThatThrownBy(() -> tiny.decodedLength(max32)).isInstanceOf(CodecException.class);
    // within the cap but far more than a 5-byte payload can hold: refused before allocating
    ValueCodecs roomy = new ValueCodecs(DictionarySource.none(), 512L << 20);
    assertThat(message(roomy, hex("fc1180808080010000"))).contains("cannot decode to the declared 268435456 bytes");
    assertThat(message(roomy, hex("fc1480808080010000"))).contains("cannot decode to the declared");
  }

  @Test
  void messages_sayWhatIsWrong() {
    byte[] unknownCodec = new byte[120];
    unknownCodec[0] = (byte) 0xFC;
    unknownCodec[1] = 0x19;
    assertThat(message(codecs, unknownCodec))
        .isEqualTo("stored value of 120 bytes has an unknown codec 9 (envelope version 1)");
    assertThat(message(codecs, hex("fc2200"))).isEqualTo("stored value of 3 bytes has an unknown envelope version 2"
        + " (expected: 1)");
    assertThat(message(codecs, hex("fc1305050000"))).isEqualTo("dictionary 5 is unknown");
    // a zstd dictionary named by an fsst envelope, and codes the table does not have
    assertThat(message(codecs, hex("fc16" + "07" + "02" + "0000"))).contains("dictionary 7 of").contains("is not a symbol table");
    assertThat(message(codecs, hex("fc16" + "09" + "0a" + "0020"))).isEqualTo("stored value of 6 bytes (fsst with "
        + "dictionary 9) does not decode: symbol code 32 is not in the table (11 symbols)");
    assertThat(message(codecs, hex("fc16" + "09" + "0a" + "06ff"))).contains("symbol codes end with an escape");
    assertThat(message(codecs, hex("fc16" + "09" + "7f" + "010101"))).contains("cannot decode to the declared 127")
        .doesNotContain("symbol");
    assertThat(message(codecs, hex("fc16" + "09" + "0a" + "0106"))).contains("decodes to 9 bytes, not the declared 10");
    assertThat(message(codecs, hex("fc13"))).contains("truncated dictionary id");
    assertThat(message(codecs, hex("fc1380"))).contains("truncated dictionary id");
    assertThat(message(codecs, hex("fc12"))).contains("truncated decoded length");
    assertThat(message(codecs, hex("fc1300"))).contains("invalid dictionary id 0");
    assertThat(message(codecs, hex("fc128000"))).contains("minimal varint");
    assertThat(message(codecs, hex("fc12ffffffffff01"))).contains("malformed decoded length");
    assertThat(message(codecs, hex("fc1005616263"))).contains("payload of 3 bytes, not the declared 5");
    assertThat(message(codecs, hex("fc1205ffffff"))).startsWith("stored value of 6 bytes (zstd) does not decode");
    assertThat(message(codecs, hex("fc1105ffffff"))).startsWith("stored value of 6 bytes (lz4) does not decode");
    assertThat(message(codecs, hex("fc1404c0c0c0"))).contains("trailing bytes");
    assertThat(message(codecs, hex("fc1404c1"))).contains("type byte 0xc1");
    assertThat(message(codecs, hex("fc140581c3c3"))).contains("not a string");
  }

  @Test
  void lz4_declaredLengthMustMatchExactly() throws CodecException {
    byte[] stored = codecs.encoder(CodecKind.LZ4, 3, 0, 0).encode(Fixtures.HELLOS);
    assertThat(stored[2]).isEqualTo((byte) 47);
    byte[] shorter = stored.clone();
    shorter[2] = 46;
    byte[] longer = stored.clone();
    longer[2] = 48;
    assertThat(message(codecs, shorter)).contains("lz4");
    assertThat(message(codecs, longer)).contains("decodes to 47 bytes, not the declared 48");
    assertThat(codecs.decode(stored)).isEqualTo(Fixtures.HELLOS);
  }

  @Test
  void zstd_declaredLengthMustMatchExactly() {
    byte[] stored = codecs.encoder(CodecKind.ZSTD, 3, 0, 0).encode(Fixtures.HELLOS);
    byte[] shorter = stored.clone();
    shorter[2] = 46;
    byte[] longer = stored.clone();
    longer[2] = 48;
    assertThat(message(codecs, shorter)).contains("zstd");
    assertThat(message(codecs, longer)).contains("decodes to 47 bytes, not the declared 48");
  }

  @Test
  void msgpack_nestingDeeperThan512_rejected() throws CodecException {
    int depth = 513;
    byte[] deep = new byte[3 + depth];
    deep[0] = (byte) 0xFC;
    deep[1] = 0x14;
    int jsonLength = 2 * depth; // [[[...]]]
    deep[2] = (byte) (0x80 | (jsonLength & 0x7F));
    byte[] stored = new byte[4 + depth];
    stored[0] = (byte) 0xFC;
    stored[1] = 0x14;
    stored[2] = (byte) (0x80 | (jsonLength & 0x7F));
    stored[3] = (byte) (jsonLength >>> 7);
    for (int i = 0; i < depth; i++) {
      stored[4 + i] = (byte) (i == depth - 1 ? 0x90 : 0x91);
    }
    assertThat(message(codecs, stored)).contains("deeper than 512");
    // 512 levels are fine
    byte[] ok = java.util.Arrays.copyOfRange(stored, 0, stored.length - 1);
    ok[2] = (byte) (0x80 | ((2 * 512) & 0x7F));
    ok[3] = (byte) ((2 * 512) >>> 7);
    ok[ok.length - 1] = (byte) 0x90;
    assertThat(codecs.decode(ok)).hasSize(1024).startsWith('[', '[').endsWith(']', ']');
  }

  @Test
  void dictionarySource_failuresAndMissingIds() {
    AtomicInteger loads = new AtomicInteger();
    ValueCodecs flaky = new ValueCodecs(id -> {
      loads.incrementAndGet();
      if (id == 1) {
        throw new IllegalStateException("redis is down");
      }
      return id == 2 ? new byte[] {0x37, (byte) 0xA4, 0x30, (byte) 0xEC, 1} : null; // bad dictionary magic
    }, CAP);
    assertThat(message(flaky, hex("fc13010500"))).contains("dictionary 1 could not be loaded").contains("redis is down");
    assertThat(message(flaky, hex("fc13020500"))).contains("with dictionary 2");
    assertThat(message(flaky, hex("fc13030500"))).isEqualTo("dictionary 3 is unknown");
    int before = loads.get();
    assertThat(message(flaky, hex("fc13030500"))).isEqualTo("dictionary 3 is unknown");
    assertThat(loads.get()).as("a missing id is remembered briefly").isEqualTo(before);
  }

  @Test
  void missingDictionary_isAskedForAgainAfterASecond() throws Exception {
    byte[][] store = new byte[1][];
    ValueCodecs later = new ValueCodecs(id -> id == 4 ? store[0] : null, CAP);
    Encoder writer = Fixtures.codecs(CAP).encoder(CodecKind.ZSTD_DICT, 3, 0, RAW_DICT_ID);
    byte[] stored = writer.encode(Fixtures.ADA);
    stored[2] = 4; // the same dictionary under id 4
    assertThat(message(later, stored)).isEqualTo("dictionary 4 is unknown");
    store[0] = Fixtures.RAW_DICT;
    long deadline = System.nanoTime() + 5_000_000_000L;
    byte[] back = null;
    while (back == null && System.nanoTime() < deadline) {
      try {
        back = later.decode(stored);
      } catch (CodecException e) {
        Thread.sleep(100);
      }
    }
    assertThat(back).isEqualTo(Fixtures.ADA);
  }
}
