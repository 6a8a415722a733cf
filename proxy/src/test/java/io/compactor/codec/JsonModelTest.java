package io.compactor.codec;

import static io.compactor.codec.Fixtures.MODEL_ID;
import static io.compactor.codec.Fixtures.hex;
import static io.compactor.codec.Fixtures.utf8;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Random;
import org.junit.jupiter.api.Test;

/** The json codec: which values take it, exact round trips, the model's stored form, and bad input. */
class JsonModelTest {
  private final ValueCodecs codecs = Fixtures.codecs(1 << 20);
  private final Encoder json = codecs.encoder(CodecKind.JSON, 3, 0, MODEL_ID);

  /** The stored form's codec: "json", another codec's name, or null when stored as it is. */
  private String storedAs(byte[] value) throws CodecException {
    byte[] stored = json.encode(value);
    assertThat(codecs.decode(stored)).as("round trip of %s", new String(value)).isEqualTo(value);
    ValueCodecs.EnvelopeInfo info = ValueCodecs.inspect(stored);
    return info == null ? null : info.codec();
  }

  /** Encodes {@code value} with the model itself (whatever zstd would do) and decodes it back. */
  private static void assertModelRoundTrip(JsonModel model, byte[] value) throws CodecException {
    byte[] buf = new byte[JsonModel.maxEncodedLength(value.length)];
    int n = model.encode(value, buf, 0);
    assertThat(n).as("encodable: %s", new String(value)).isPositive();
    byte[] back = new byte[value.length];
    model.decode(buf, 0, n, back);
    assertThat(back).as("round trip of %s", new String(value)).isEqualTo(value);
  }

  @Test
  void compactJson_everyValueKind_roundTripsAsJson() throws CodecException {
    String[] values = {
      "{\"a\":0,\"b\":-1,\"c\":9223372036854775807,\"d\":123456789012345678,\"e\":-123456789012345678}",
      "{\"price\":12.30,\"neg\":-0.05,\"small\":0.000000001,\"big\":12345678.9}",
      "{\"n\":-0,\"m\":-0.0,\"o\":-0.00,\"e\":1e5,\"E\":1.5E-3,\"x\":2E+10,\"long\":1234567890123456789012,\"scale10\":1.0000000001}",
      "{\"t\":\"2026-11-20T13:45:12Z\",\"ms\":\"2026-11-20T13:45:12.345Z\",\"old\":\"0001-01-01T00:00:00Z\",\"leap\":\"2024-02-29T23:59:59Z\"}",
      "{\"ip\":\"10.0.0.1\",\"ip2\":\"255.255.255.255\",\"ip3\":\"0.0.0.0\"}",
      "{\"id\":\"123e4567-e89b-12d3-a456-426614174000\",\"hex\":\"0123456789abcdef0123456789abcdef\"}",
      "{\"csrf\":\"MYDaB-qD4S9tbbWqDHdBUVeo3rkaWvFg\",\"t2\":\"aB3dEfGhIjKlMnOp_q\",\"t3\":\"aB3dEfGhIjKlMnOpQ\"}",
      "{\"s\":\"plain words\",\"e\":\"\",\"esc\":\"a\\\"b\\\\c\\/d\\n\\u00e9\\ud83d\\ude00\",\"utf8\":\"h\u00e9llo \u4e16\u754c\"}",
      "{\"yes\":true,\"no\":false,\"none\":null,\"arr\":[true,false,null,1,\"x\",[],{}],\"o\":{}}",
      "[1,2,3]", "[]", "{}", "\"just a string\"", "123", "true", "null",
      "{\"deep\":" + "[".repeat(31) + "1" + "]".repeat(31) + "}",
      "{\"dup\":1,\"dup\":2,\"\":\"empty key\",\"k\\\"q\":\"escaped key\"}",
    };
    JsonModel model = JsonModel.parse(Fixtures.MODEL);
    for (String v : values) {
      assertModelRoundTrip(model, utf8(v));
      assertModelRoundTrip(JsonModel.empty(), utf8(v));
      storedAs(utf8(v)); // the smallest form (json, zstd or as it is) reads back too
    }
    assertThat(storedAs(Fixtures.ADA)).isEqualTo("json");
  }

  @Test
  void lookalikes_keepTheirText() throws CodecException {
    // none of these is in the binary form its look suggests; each must still read back exactly
    String[] values = {
      "{\"t\":\"2025-02-30T00:00:00Z\",\"u\":\"2025-13-01T00:00:00Z\",\"v\":\"2025-01-01T24:00:00Z\",\"w\":\"2025-01-01 00:00:00Z\"}",
      "{\"ip\":\"01.2.3.4\",\"ip2\":\"256.1.1.1\",\"ip3\":\"1.2.3\",\"ip4\":\"1.2.3.4.5\",\"ip5\":\"1.2.3.4 \"}",
      "{\"uuid\":\"123E4567-E89B-12D3-A456-426614174000\",\"hex\":\"0123456789ABCDEF\",\"odd\":\"0123456789abcde\"}",
      "{\"bits\":\"aB3dEfGhIjKlMnOpQR\",\"words\":\"abcdefghijklmnopqrstuvwxyz\",\"one\":\"aB3dEfGhIjKlMnOpQ\"}",
      "{\"padded\":\"aB3dEfGhIjKlMnOpQg==\"}",
    };
    JsonModel model = JsonModel.parse(Fixtures.MODEL);
    for (String v : values) {
      assertModelRoundTrip(model, utf8(v));
      storedAs(utf8(v));
    }
  }

  @Test
  void notCompactJson_takesZstdOrStaysAsIs() throws CodecException {
    String[] values = {
      "{ \"a\": 1 }", "{\"a\":1} ", "{\"a\":1}x", "{\"a\":01}", "{\"a\":1.}", "{\"a\":.5}", "{\"a\":+1}",
      "{\"a\":tru}", "{\"a\" :1}", "{\"a\":[1,]}", "{\"a\":1,}", "{\"a\":\"unterminated}", "{a:1}",
      "{\"too deep\":" + "[".repeat(32) + "1" + "]".repeat(32) + "}",
      "not json at all, just some text that is long enough to be worth compressing, text text text",
    };
    for (String v : values) {
      byte[] b = utf8(v);
      assertThat(JsonModel.shapeOf(b)).as(v).isNull();
      assertThat(storedAs(b)).as(v).isNotEqualTo("json");
    }
    assertThat(storedAs(utf8("{ \"a\": \"" + "x".repeat(200) + "\" }"))).isEqualTo("zstd");
  }

  @Test
  void binaryForms_areSmall() throws CodecException {
    // a shape the model lacks is carried inline; the values take their binary forms
    byte[] v = utf8("{\"t\":\"2026-11-20T13:45:12Z\",\"ip\":\"192.168.100.200\",\"id\":\"123e4567-e89b-12d3-a456-426614174000\"}");
    byte[] stored = json.encode(v);
    assertThat(ValueCodecs.inspect(stored).codec()).isEqualTo("json");
    int shape = JsonModel.shapeOf(v).length; // {"t":T,"ip":P,"id":U}
    assertThat(shape).isEqualTo(21);
    // header 4, inline shape 2 + 21, time 4, address 4, uuid 16
    assertThat(stored).hasSize(4 + 2 + 21 + 4 + 4 + 16);
  }

  @Test
  void decode_badPayloads_failCleanly() {
    byte[] header = hex("fc170b"); // json, model 11
    String[][] cases = {
      {"0a" + "02", "json shape 2 is not in the model (1 shapes)"},
      {"05" + "00" + "05" + "7b22613a", "json inline shape bytes: 5 (at most 4 here)"},
      {"04" + "00" + "02" + "5b0a", "json payload ends early"},
      {"04" + "00" + "02" + "5b0a" + "02", "json boolean byte 2 (expected: 0 or 1)"},
      {"04" + "00" + "02" + "5b0b" + "00", "json tag 11 is unknown"},
      {"02" + "00" + "01" + "5d", "json shape closes more than it opens"},
      {"06" + "00" + "02" + "5b02" + "00" + "00", "json payload has 1 bytes its shape does not use"},
      {"01" + "00" + "02" + "5b02" + "00", "json payload decodes to more than the declared 1 bytes"},
      {"09" + "00" + "02" + "5b02" + "00", "json payload decodes to 2 bytes, not the declared 9"},
      {"02" + "00" + "01" + "01" + "05" + "00", "json string bytes: 5 (at most 1 here)"},
      {"20" + "00" + "0a" + "7b226e616d65223a017d" + "02" + "2020", "symbol code 32 is not in the table (11 symbols)"},
      // varints that are negative as a long, or longer than 64 bits (found by review)
      {"0a" + "00" + "01" + "01" + "ffffffffffffffffff01", "json string bytes: -1"},
      {"0a" + "00" + "01" + "01" + "85808080808080808001" + "4142", "json string bytes: -9223372036854775803"},
      {"0a" + "00" + "ffffffffffffffffff01", "json inline shape bytes: -1"},
      {"0a" + "81808080808080808001", "json shape -9223372036854775807 is not in the model"},
      {"0a" + "00" + "01" + "02" + "ffffffffffffffffff02", "json varint larger than 64 bits"},
    };
    for (String[] c : cases) {
      byte[] stored = concat(header, hex(c[0]));
      assertThatThrownBy(() -> codecs.decode(stored)).as(c[0]).isInstanceOf(CodecException.class)
          .hasMessageContaining(c[1]);
    }
  }

  @Test
  void decode_randomPayloads_neverAnythingButCodecException() {
    Random r = new Random(17);
    byte[] valid = json.encode(Fixtures.ADA);
    for (int n = 0; n < 20_000; n++) {
      byte[] b;
      if (r.nextBoolean()) {
        b = valid.clone();
        for (int k = 0; k < 1 + r.nextInt(3); k++) {
          b[3 + r.nextInt(b.length - 3)] = (byte) r.nextInt(256);
        }
        b = Arrays.copyOf(b, 3 + r.nextInt(b.length - 2));
      } else {
        b = new byte[4 + r.nextInt(40)];
        r.nextBytes(b);
        b[0] = (byte) 0xFC;
        b[1] = 0x17;
        b[2] = (byte) MODEL_ID;
      }
      try {
        byte[] out = codecs.decode(b);
        assertThat(out).isNotNull();
      } catch (CodecException e) {
        assertThat(e.getMessage()).isNotEmpty();
      }
    }
  }

  @Test
  void train_shapesAndTablesFromSamples_storedFormRoundTrips() throws CodecException {
    List<byte[]> samples = Fixtures.profiles(3, 500);
    JsonModel model = JsonModel.train(samples, 10);
    assertThat(model.shapeCount()).isBetween(2, 20); // 1-4 tags
    assertThat(model.tableCount()).isGreaterThanOrEqualTo(5); // name, email, plan, street, city, zip, ...
    byte[] stored = model.serialize();
    assertThat(JsonModel.looksLikeModel(stored)).isTrue();
    assertThat(JsonModel.parse(stored).serialize()).isEqualTo(stored);
    assertThat(JsonModel.train(samples, 10).serialize()).as("deterministic").isEqualTo(stored);

    ValueCodecs c = new ValueCodecs(id -> id == 5 ? stored : null, 1 << 20);
    Encoder e = c.encoder(CodecKind.JSON, 3, 0, 5);
    long raw = 0;
    long packed = 0;
    for (byte[] v : Fixtures.profiles(4, 200)) {
      byte[] s = e.encode(v);
      assertThat(c.decode(s)).isEqualTo(v);
      assertThat(ValueCodecs.inspect(s).codec()).isEqualTo("json");
      raw += v.length;
      packed += s.length;
    }
    assertThat((double) packed / raw).as("stored/raw").isLessThan(0.35);
  }

  @Test
  void train_tooFewJsonSamples_refused() {
    List<byte[]> samples = new ArrayList<>(Fixtures.namesAndEmails(1, 50));
    samples.add(Fixtures.ADA);
    assertThatThrownBy(() -> JsonModel.train(samples, 10)).isInstanceOf(CodecException.class)
        .hasMessage("cannot train a json model from 1 compact JSON samples of 51 (expected: at least 10)");
  }

  @Test
  void integers_upTo19Digits_inBinary() throws CodecException {
    JsonModel model = JsonModel.empty();
    for (String id : new String[] {"1234567890123456789", "9223372036854775807", "-9223372036854775807"}) {
      byte[] v = utf8("{\"id\":" + id + "}");
      assertModelRoundTrip(model, v);
      byte[] buf = new byte[JsonModel.maxEncodedLength(v.length)];
      // reference 0, shape length, shape {"id":INT} (8 bytes), then at most a 10-byte varint
      assertThat(model.encode(v, buf, 0)).as(id).isLessThanOrEqualTo(2 + 8 + 10);
    }
    for (String text : new String[] {"9223372036854775808", "-9223372036854775808", "12345678901234567890"}) {
      byte[] v = utf8("{\"id\":" + text + "}");
      assertModelRoundTrip(model, v); // kept as text: beyond a long (Long.MIN_VALUE included)
    }
  }

  @Test
  void longStrings_zstdWhenSmaller() throws CodecException {
    byte[] v = utf8("{\"t\":\"2026-11-20T13:45:12Z\",\"body\":\"" + "lorem ipsum dolor sit amet ".repeat(400) + "\"}");
    assertThat(storedAs(v)).isEqualTo("zstd");
    assertThat(json.encode(v).length).isLessThan(200);
  }

  @Test
  void parse_forgedCounts_refusedWithoutAllocating() {
    for (String forged : new String[] {"4a534d01" + "ffffffff878080808001", "4a534d01" + "80808080848080808001",
        "4a534d01" + "01" + "ffffffffffffffffff01"}) {
      assertThatThrownBy(() -> JsonModel.parse(hex(forged))).as(forged).isInstanceOf(CodecException.class);
    }
  }

  @Test
  void parse_malformedModels_refused() throws CodecException {
    byte[] good = JsonModel.of(List.of(utf8("[\u0001]")), Map.of("a", SymbolTable.parse(Fixtures.TABLE))).serialize();
    assertThat(JsonModel.parse(good).shapeCount()).isEqualTo(1);
    assertThatThrownBy(() -> JsonModel.parse(utf8("FST\u0001"))).hasMessage("not a json model (expected: JSM)");
    byte[] v2 = good.clone();
    v2[3] = 2;
    assertThatThrownBy(() -> JsonModel.parse(v2)).hasMessage("json model version 2 (expected: 1)");
    for (int len = 4; len < good.length; len++) {
      byte[] cut = Arrays.copyOf(good, len);
      assertThatThrownBy(() -> JsonModel.parse(cut)).as("cut at %d", len).isInstanceOf(CodecException.class);
    }
    assertThatThrownBy(() -> JsonModel.parse(concat(good, new byte[1])))
        .hasMessage("json model has 1 bytes after its tables");
  }

  private static byte[] concat(byte[] a, byte[] b) {
    byte[] out = Arrays.copyOf(a, a.length + b.length);
    System.arraycopy(b, 0, out, a.length, b.length);
    return out;
  }
}
