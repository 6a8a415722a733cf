package io.compactor.codec;

import static io.compactor.codec.Fixtures.utf8;
import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import org.junit.jupiter.api.Test;

/** Exact JSON round trips through msgpack, and what is not packable. */
class MsgpackJsonTest {
  private final ValueCodecs codecs = Fixtures.codecs(1 << 20);
  private final Encoder msgpack = codecs.encoder(CodecKind.MSGPACK, 3, 0, 0);
  private final Encoder msgpackDict = codecs.encoder(CodecKind.MSGPACK_ZSTD_DICT, 3, 0, Fixtures.RAW_DICT_ID);

  private static byte[] packOrNull(String json) {
    return MsgpackJson.pack(utf8(json));
  }

  private byte[] assertPackable(String json) throws CodecException {
    byte[] v = utf8(json);
    byte[] packed = MsgpackJson.pack(v);
    assertThat(packed).as("packable: %s", json).isNotNull();
    byte[] out = new byte[v.length];
    MsgpackJson.unpack(packed, 0, packed.length, out);
    assertThat(out).isEqualTo(v);
    byte[] stored = msgpack.encode(v);
    assertThat(codecs.decode(stored)).isEqualTo(v);
    assertThat(codecs.decode(msgpackDict.encode(v))).isEqualTo(v);
    return stored;
  }

  @Test
  void exactRoundTrip_compactJson() throws CodecException {
    assertPackable("{\"user\":{\"id\":1,\"roles\":[\"admin\",\"dev\"],\"profile\":{\"age\":36,\"langs\":[]},\"x\":{}}}");
    assertPackable("{\"name\":\"Zo\u00eb \u65e5\u672c \ud83d\ude00\",\"emoji\":\"\ud83c\udf89\"}"); // UTF-8 as is
    // ext-typed numbers cost 2-3 bytes more than their text, so these documents carry some nulls and
    // booleans (1 byte instead of 4-5) to stay smaller than the JSON, as packable documents must
    String shrink = ",null,null,null,true,false,true,false,null]";
    assertPackable("[1.50,1e3,1E+3,-2.5e-10,0.0,-0,3.14159265358979323846264338327950288" + shrink);
    assertPackable("[123456789012345678901234567890,-98765432109876543210,9223372036854775807,"
        + "-9223372036854775808,9223372036854775808" + shrink);
    assertPackable("{\"a\":1,\"a\":2,\"b\":null,\"a\":[true,false]}"); // duplicate keys, in order
    assertPackable("{\"z\":1,\"a\":2,\"m\":3}"); // key order kept
    assertPackable("\"just a string with \\\"quotes\\\", a \\\\ backslash, \\n\\t\\r\\b\\f and \\u0001\\u001f\"");
    assertPackable("[0,1,-1,127,128,255,256,-32,-33,-128,-129,65535,65536,-32768,-32769,4294967296]");
    assertPackable("true");
    assertPackable("null");
    assertPackable("[\"" + "long string ".repeat(30) + "\",null,true]"); // str16
    assertPackable("[\"" + "long string ".repeat(6000) + "\",null,true,false,null]"); // str32
    assertThat(packOrNull("\"" + "long string ".repeat(30) + "\"")).as("str16 alone is longer than the JSON").isNull();
  }

  @Test
  void exactRoundTrip_deepNesting() throws CodecException {
    int depth = 512;
    assertPackable("[".repeat(depth) + "]".repeat(depth));
    assertThat(packOrNull("[".repeat(depth + 1) + "]".repeat(depth + 1))).isNull();
  }

  @Test
  void nonCanonical_notPackable_storedByCompressorInstead() throws CodecException {
    List<String> nonCanonical = List.of(
        "{\"a\": 1}", " {\"a\":1}", "{\"a\":1}\n", "[1, 2]", // whitespace
        "\"\\u00e9t\\u00e9 \\u00e9t\\u00e9\"", "\"\\/path\\/to\"", // escapes of printable characters
        "\"\\u001F\"", // uppercase hex
        "\"\\u007f\"" // DEL needs no escape, so the decoder writes it raw
    );
    for (String json : nonCanonical) {
      assertThat(packOrNull(json)).as("not packable: %s", json).isNull();
    }
    assertPackable("\"\u007f\"");
    byte[] spaced = utf8(("{\"name\": \"Ada\", \"tags\": [\"a\", \"b\"], \"n\": 1}").repeat(1));
    byte[] spacedLong = utf8("[" + "{\"name\": \"Ada Lovelace\", \"active\": true}, ".repeat(20) + "1]");
    Encoder e = codecs.encoder(CodecKind.MSGPACK_ZSTD_DICT, 3, 0, Fixtures.RAW_DICT_ID);
    byte[] stored = e.encode(spacedLong);
    assertThat(stored[1]).as("compressed with zstd-dict, not msgpack").isEqualTo((byte) 0x13);
    assertThat(codecs.decode(stored)).isEqualTo(spacedLong);
    assertThat(msgpack.encode(spaced)).isSameAs(spaced); // msgpack alone: stored as is
  }

  @Test
  void invalidJson_notPackable() {
    for (String s : List.of("{", "{\"a\":}", "[1,]", "{'a':1}", "[1][2]", "{\"a\":1}x", "nul", "01", "1.", "-",
        "[NaN]", "\"unterminated", "{\"a\":1,}", "[\"\\x\"]", "123abc", "")) {
      assertThat(packOrNull(s)).as(s).isNull();
    }
    byte[] badUtf8 = {'"', (byte) 0xC3, '"'};
    assertThat(MsgpackJson.pack(badUtf8)).isNull();
    byte[] cesuSurrogate = {'"', (byte) 0xED, (byte) 0xA0, (byte) 0x80, '"'};
    assertThat(MsgpackJson.pack(cesuSurrogate)).isNull();
  }

  @Test
  void numbers_keepTheirLiteralText() throws CodecException {
    byte[] stored = assertPackable("{\"price\":1.50,\"big\":1e3,\"neg\":-0,\"flags\":[true,false,null,null]}");
    String hex = Fixtures.hex(stored);
    assertThat(hex).contains("d600312e3530"); // fixext4 type 0 "1.50"
    assertThat(hex).contains("c703003165 33".replace(" ", "")); // ext8 of 3 bytes, type 0, "1e3"
    assertThat(hex).contains("d5002d30"); // fixext2 type 0 "-0"
  }

  @Test
  void smallerThanJson_forTypicalDocuments() throws CodecException {
    for (byte[] v : Fixtures.profiles(9, 20)) {
      byte[] stored = msgpack.encode(v);
      assertThat(stored[1]).isEqualTo((byte) 0x14);
      assertThat(stored.length).isLessThan(v.length * 9 / 10);
      assertThat(codecs.decode(stored)).isEqualTo(v);
    }
  }

  @Test
  void unpack_rejectsWhatIsNotJson() {
    String[] bad = {
        "c4 01 00", // bin 8
        "ca 00 00 00 00", // float 32
        "d4 01 31", // ext type 1
        "d4 00 2e", // ext 0 that is not a number
        "c7 02 00 2d 2d", // "--"
        "81 01 02", // integer key
        "a2 c3 28", // invalid UTF-8
        "dd ff ff ff ff", // array of 2^32-1 elements in 5 bytes
        "df 7f ff ff ff", // huge map
        "db 7f ff ff ff", // huge string
    };
    for (String h : bad) {
      byte[] src = Fixtures.hex(h.replace(" ", ""));
      byte[] out = new byte[64];
      try {
        MsgpackJson.unpack(src, 0, src.length, out);
        throw new AssertionError("accepted " + h);
      } catch (CodecException e) {
        assertThat(e.getMessage()).doesNotContain("\n");
      }
    }
  }
}
