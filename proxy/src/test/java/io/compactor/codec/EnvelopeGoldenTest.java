package io.compactor.codec;

import static io.compactor.codec.Fixtures.ADA;
import static io.compactor.codec.Fixtures.BIG_DICT_ID;
import static io.compactor.codec.Fixtures.DIGITS;
import static io.compactor.codec.Fixtures.GRACE;
import static io.compactor.codec.Fixtures.HELLOS;
import static io.compactor.codec.Fixtures.RAW_DICT_ID;
import static io.compactor.codec.Fixtures.hex;
import static io.compactor.codec.Fixtures.utf8;
import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

/**
 * Envelopes that must decode to the same values forever: a failure here means the stored format
 * changed, and data already in Redis would no longer read back.
 */
class EnvelopeGoldenTest {
  private final ValueCodecs codecs = Fixtures.codecs(1 << 20);

  private void assertGolden(String envelopeHex, byte[] value) throws CodecException {
    byte[] stored = hex(envelopeHex);
    assertThat(ValueCodecs.isEnvelope(stored)).isTrue();
    assertThat(codecs.decode(stored)).isEqualTo(value);
    assertThat(codecs.decodedLength(stored)).isEqualTo(value.length);
  }

  @Test
  void raw_pinnedExactly() throws CodecException {
    byte[] value = {(byte) 0xFC, 0x11, 'a', 'b'};
    String golden = "fc1004fc116162"; // magic, v1|RAW, length 4, the value
    assertGolden(golden, value);
    assertThat(hex(codecs.encoder(CodecKind.LZ4, 3, 0, 0).encode(value))).isEqualTo(golden);
    assertThat(hex(codecs.encoder(CodecKind.ZSTD, 3, 1000, 0).encode(value))).isEqualTo(golden);
  }

  @Test
  void raw_emptyAndLongerLengths() throws CodecException {
    assertGolden("fc1000", new byte[0]);
    byte[] v200 = new byte[200];
    v200[0] = (byte) 0xFC;
    v200[1] = 0x13;
    byte[] stored = codecs.encoder(CodecKind.MSGPACK, 3, 0, 0).encode(v200);
    assertThat(hex(stored).substring(0, 8)).isEqualTo("fc10c801"); // 200 = 0xc8 0x01 as LEB128
    assertThat(stored).hasSize(4 + 200);
    assertThat(codecs.decode(stored)).isEqualTo(v200);
  }

  @Test
  void lz4() throws CodecException {
    assertGolden("fc112f6f68656c6c6f200600115068656c6c6f", HELLOS);
    assertGolden("fc11ac02af303132333435363738390a00ff0b503536373839", DIGITS);
    assertThat(hex(codecs.encoder(CodecKind.LZ4, 3, 0, 0).encode(HELLOS))).startsWith("fc112f");
  }

  @Test
  void zstd_magiclessFrame() throws CodecException {
    assertGolden("fc122f00006500003068656c6c6f200100029522", HELLOS);
    assertGolden("fc12ac0200008d0000503031323334353637383901001f550b12", DIGITS);
    byte[] stored = codecs.encoder(CodecKind.ZSTD, 3, 0, 0).encode(HELLOS);
    assertThat(hex(stored)).startsWith("fc122f").doesNotContain("28b52ffd"); // no zstd magic number
  }

  @Test
  void json_shapeAndTypedValues() throws CodecException {
    // Fixtures.MODEL: shape 1 is ADA's; "name" and "email" use Fixtures.TABLE, other strings are bytes
    String ada = "fc170b6c" // json, model 11, 108 bytes
        + "01" // shape 1
        + "54" // id 42 (zigzag 84)
        + "020001" // name: 2 codes, "Ada " "Lovelace"
        + "0606ff6406040" + "5" // email: 6 codes, "a" escaped-d "a" "@example" ".com"
        + "01" // active: true
        + "05616c706861" + "0462657461" // tags: "alpha", "beta" as bytes
        + "ac02"; // score 1.50: two decimals, 150 (zigzag 300)
    String grace = "fc170b59" // 89 bytes
        + "00" + "31" + "7b226964223a022c226e616d65223a012c22656d61696c223a012c22616374697665223a0a2c2274616773223a5b015d7d"
        + "0e" + "020203" + "09ff670a06ff63070405" + "00" + "0462657461"; // an inline shape, then 7, names, false, "beta"
    assertGolden(ada, Fixtures.ADA);
    assertGolden(grace, GRACE);
    Encoder e = codecs.encoder(CodecKind.JSON, 3, 0, Fixtures.MODEL_ID);
    assertThat(hex(e.encode(Fixtures.ADA))).isEqualTo(ada);
    assertThat(hex(e.encode(GRACE))).isEqualTo(grace);
    assertThat(hex(codecs.encoder(CodecKind.JSON, 3, 0, 0).encode(HELLOS))).as("no model yet: zstd").startsWith("fc122f");
  }

  @Test
  void fsst_symbolCodes() throws CodecException {
    // Fixtures.TABLE: 0 "Ada ", 1 "Lovelace", 4 "@example", 5 ".com", 6 "a", 7 "e", 10 "r"; 0xff escapes a byte
    byte[] ada = Fixtures.utf8("Ada Lovelace");
    byte[] grace = Fixtures.utf8("grace@example.com");
    assertGolden("fc16090c0001", ada);
    assertGolden("fc160911ff670a06ff63070405", grace);
    Encoder e = codecs.encoder(CodecKind.FSST, 3, 0, Fixtures.TABLE_ID);
    assertThat(hex(e.encode(ada))).isEqualTo("fc16090c0001");
    assertThat(hex(e.encode(grace))).isEqualTo("fc160911ff670a06ff63070405");
    assertThat(e.encode(Fixtures.utf8("1234567890"))).as("an integer: Redis stores it as one").isEqualTo(Fixtures.utf8("1234567890"));
    assertThat(e.encode(Fixtures.utf8("zzzz"))).as("not smaller: as it is").isEqualTo(Fixtures.utf8("zzzz"));
    assertThat(codecs.encoder(CodecKind.FSST, 3, 0, 0).encode(ada)).as("no table yet").isEqualTo(ada);
  }

  @Test
  void zstdDict() throws CodecException {
    assertGolden("fc13076c00006d0100f83432416461204c6f76656c6163656164612c2273636f7265223a312e35307d040000d833be8869"
        + "0a8dd21082", ADA);
    assertGolden("fc13ac025900005d0100c837477261636520486f707065726766616c7362657461225d7d06003333286015e8b0ebe198"
        + "a04f1a4210", GRACE); // dictionary id 300 takes two varint bytes
    assertThat(hex(codecs.encoder(CodecKind.ZSTD_DICT, 3, 0, RAW_DICT_ID).encode(ADA))).startsWith("fc13076c");
    assertThat(hex(codecs.encoder(CodecKind.ZSTD_DICT, 3, 0, BIG_DICT_ID).encode(GRACE))).startsWith("fc13ac0259");
  }

  @Test
  void msgpack_pinnedExactly() throws CodecException {
    String golden = "fc146c86a269642aa46e616d65ac416461204c6f76656c616365a5656d61696caf616461406578616d706c652e636f6d"
        + "a6616374697665c3a47461677392a5616c706861a462657461a573636f7265d600312e3530";
    assertGolden(golden, ADA);
    assertThat(hex(codecs.encoder(CodecKind.MSGPACK, 3, 0, 0).encode(ADA))).isEqualTo(golden);
  }

  @Test
  void msgpack_scalarsAndNumbers() throws CodecException {
    // [1.50,1e3,-0,123,-5,null,true,false,"\u00e9\n"] with ints as msgpack ints and the rest as ext 0
    byte[] json = utf8("[1.50,1e3,-0,123,-5,null,true,false,\"\u00e9\\n\"]");
    String golden = "fc14" + "2b" + "99" + "d600312e3530" + "c703003165 33".replace(" ", "") + "d5002d30" + "7b" + "fb"
        + "c0" + "c3" + "c2" + "a3c3a90a";
    assertGolden(golden, json);
    assertThat(hex(codecs.encoder(CodecKind.MSGPACK, 3, 0, 0).encode(json))).isEqualTo(golden);
  }

  @Test
  void msgpackZstdDict() throws CodecException {
    assertGolden("fc15076c0000050200e40286a269642aa4ac416461204c6f76656c616365a5af616461a6c3a492a5a462657461a57363"
        + "6f7265d600312e35300610071dc19f80f481d93933b56aaf45", ADA);
  }

  @Test
  void plainValues_returnedAsIs() throws CodecException {
    byte[] plain = utf8("hello");
    assertThat(codecs.decode(plain)).isSameAs(plain);
    byte[] lone = {(byte) 0xFC}; // too short to be an envelope
    assertThat(ValueCodecs.isEnvelope(lone)).isFalse();
    assertThat(codecs.decode(lone)).isSameAs(lone);
    byte[] empty = new byte[0];
    assertThat(codecs.decode(empty)).isSameAs(empty);
    assertThat(codecs.decodedLength(plain)).isEqualTo(5);
  }
}
