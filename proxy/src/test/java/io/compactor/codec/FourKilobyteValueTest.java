package io.compactor.codec;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * A 4 KB JSON value through each compressing codec: it shrinks to less than half and decodes back to the
 * same bytes, many times over on one encoder (contexts reused). How fast is measured, not asserted here:
 * {@code loadtest/bench/codecs.sh} gives encode and decode microseconds per value.
 */
class FourKilobyteValueTest {
  private static byte[] jsonOfAbout4k() {
    List<byte[]> profiles = Fixtures.profiles(21, 20);
    StringBuilder sb = new StringBuilder("[");
    for (int i = 0; sb.length() < 4000; i++) {
      sb.append(new String(profiles.get(i), StandardCharsets.UTF_8)).append(',');
    }
    sb.setCharAt(sb.length() - 1, ']');
    return sb.toString().getBytes(StandardCharsets.UTF_8);
  }

  @Test
  void fourKilobyteJson_halvesAndRoundTripsOnReusedContexts() throws CodecException {
    byte[] v = jsonOfAbout4k();
    assertThat(v.length).isBetween(4000, 5000);
    ValueCodecs codecs = Fixtures.codecs(1 << 20);
    for (Encoder e : List.of(codecs.encoder(CodecKind.LZ4, 3, 0, 0), codecs.encoder(CodecKind.ZSTD, 3, 0, 0),
        codecs.encoder(CodecKind.ZSTD_DICT, 3, 0, Fixtures.RAW_DICT_ID))) {
      byte[] first = e.encode(v);
      assertThat(first.length).as("%s", e).isLessThan(v.length / 2);
      for (int i = 0; i < 2000; i++) {
        byte[] stored = e.encode(v);
        assertThat(stored).as("%s: same input, same envelope", e).isEqualTo(first);
        assertThat(codecs.decode(stored)).as("%s", e).isEqualTo(v);
      }
    }
  }
}
