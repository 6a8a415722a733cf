package io.compactor.codec;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * A coarse guard on the hot path: a 4 KB value encodes and decodes in microseconds, not milliseconds.
 * The bound is ten times the target (50 us) so a busy machine does not fail it; the measured times are
 * printed for the record (real numbers come from loadtest/).
 */
class EncoderSpeedTest {
  private static final int ROUNDS = 5;
  private static final int CALLS = 4000;

  private static byte[] jsonOfAbout4k() {
    List<byte[]> profiles = Fixtures.profiles(21, 20);
    StringBuilder sb = new StringBuilder("[");
    for (int i = 0; sb.length() < 4000; i++) {
      sb.append(new String(profiles.get(i), StandardCharsets.UTF_8)).append(',');
    }
    sb.setCharAt(sb.length() - 1, ']');
    return sb.toString().getBytes(StandardCharsets.UTF_8);
  }

  /** The best of a few rounds: {encode us, decode us}. */
  private static double[] measure(ValueCodecs codecs, Encoder e, byte[] v) throws CodecException {
    double bestEncode = Double.MAX_VALUE;
    double bestDecode = Double.MAX_VALUE;
    byte[] stored = e.encode(v);
    for (int r = 0; r < ROUNDS; r++) {
      long t = System.nanoTime();
      for (int i = 0; i < CALLS; i++) {
        stored = e.encode(v);
      }
      bestEncode = Math.min(bestEncode, (System.nanoTime() - t) / 1e3 / CALLS);
      t = System.nanoTime();
      for (int i = 0; i < CALLS; i++) {
        codecs.decode(stored);
      }
      bestDecode = Math.min(bestDecode, (System.nanoTime() - t) / 1e3 / CALLS);
    }
    assertThat(codecs.decode(stored)).isEqualTo(v);
    return new double[] {bestEncode, bestDecode};
  }

  @Test
  void encodeDecode_4kValue_microseconds() throws CodecException {
    byte[] v = jsonOfAbout4k();
    assertThat(v.length).isBetween(4000, 5000);
    ValueCodecs codecs = Fixtures.codecs(1 << 20);
    for (Encoder e : List.of(codecs.encoder(CodecKind.LZ4, 3, 0, 0), codecs.encoder(CodecKind.ZSTD, 3, 0, 0),
        codecs.encoder(CodecKind.ZSTD_DICT, 3, 0, Fixtures.RAW_DICT_ID))) {
      double[] t = measure(codecs, e, v);
      System.out.printf("%s: %d bytes -> %d, encode %.1f us, decode %.1f us%n", e, v.length, e.encode(v).length,
          t[0], t[1]);
      assertThat(e.encode(v).length).isLessThan(v.length / 2);
      assertThat(t[0] + t[1]).as("%s encode+decode of %d bytes, us", e, v.length).isLessThan(500.0);
    }
  }
}
