package io.compactor.codec;

import static io.compactor.codec.Fixtures.RAW_DICT_ID;
import static io.compactor.codec.Fixtures.utf8;
import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;

/** decode(encode(v)) == v for every kind, over seeded arbitrary values. */
class ValueCodecsRoundTripTest {
  private static final int MIN_SIZE = 64;

  private final ValueCodecs codecs = Fixtures.codecs(16L << 20);

  private List<Encoder> encoders(int minSize) {
    List<Encoder> out = new ArrayList<>();
    out.add(codecs.encoder(CodecKind.LZ4, 3, minSize, 0));
    out.add(codecs.encoder(CodecKind.ZSTD, 1, minSize, 0));
    out.add(codecs.encoder(CodecKind.ZSTD, 3, minSize, 0));
    out.add(codecs.encoder(CodecKind.ZSTD_DICT, 3, minSize, RAW_DICT_ID));
    out.add(codecs.encoder(CodecKind.ZSTD_DICT, 3, minSize, 0));
    out.add(codecs.encoder(CodecKind.ZSTD_DICT, 3, minSize, 99)); // a dictionary nobody has
    out.add(codecs.encoder(CodecKind.MSGPACK, 3, minSize, 0));
    out.add(codecs.encoder(CodecKind.MSGPACK_ZSTD_DICT, 3, minSize, RAW_DICT_ID));
    out.add(codecs.encoder(CodecKind.MSGPACK_ZSTD_DICT, 3, minSize, 0));
    out.add(codecs.encoder(CodecKind.FSST, 3, minSize, Fixtures.TABLE_ID));
    out.add(codecs.encoder(CodecKind.FSST, 3, minSize, 0));
    out.add(codecs.encoder(CodecKind.JSON, 3, minSize, Fixtures.MODEL_ID));
    out.add(codecs.encoder(CodecKind.JSON, 3, minSize, 0));
    return out;
  }

  private void assertRoundTrip(Encoder encoder, byte[] value) throws CodecException {
    byte[] stored = encoder.encode(value);
    byte[] back = codecs.decode(stored);
    if (!Arrays.equals(back, value)) {
      throw new AssertionError(encoder + " does not round-trip a value of " + value.length + " bytes starting "
          + Fixtures.hex(Arrays.copyOf(value, Math.min(value.length, 16))));
    }
    assertThat(codecs.decodedLength(stored)).isEqualTo(value.length);
    if (stored == value) {
      assertThat(ValueCodecs.isEnvelope(value)).as("a value stored as is cannot look like an envelope").isFalse();
    } else {
      assertThat(ValueCodecs.isEnvelope(stored)).isTrue();
      if (!ValueCodecs.isEnvelope(value)) {
        assertThat(stored.length).as("an envelope is stored only when strictly smaller").isLessThan(value.length);
      } else {
        assertThat(stored.length).isLessThanOrEqualTo(value.length + 7);
      }
    }
  }

  private static byte[] random(Random r, int n) {
    byte[] b = new byte[n];
    r.nextBytes(b);
    return b;
  }

  private static byte[] compressible(Random r, int n) {
    byte[] b = new byte[n];
    byte[] words = utf8("alpha beta gamma delta epsilon zeta eta theta iota kappa lambda ");
    for (int i = 0; i < n; i++) {
      b[i] = r.nextInt(50) == 0 ? (byte) r.nextInt(256) : words[i % words.length];
    }
    return b;
  }

  private static List<byte[]> values(Random r) {
    List<byte[]> v = new ArrayList<>();
    v.add(new byte[0]);
    v.add(new byte[] {0});
    v.add(new byte[] {(byte) 0xFC});
    v.add(new byte[] {(byte) 0xFC, 0x10});
    v.add(new byte[] {(byte) 0xFC, 0x10, 0x00});
    v.add(random(r, 1));
    int[] sizes = {2, 3, 10, MIN_SIZE - 1, MIN_SIZE, MIN_SIZE + 1, 126, 127, 128, 129, 130, 1000, 4096, 16382,
        16383, 16384, 16385, 100_000};
    for (int n : sizes) {
      v.add(random(r, n));
      v.add(compressible(r, n));
      v.add(new byte[n]);
      byte[] fc = compressible(r, n);
      if (n > 0) {
        fc[0] = (byte) 0xFC;
        v.add(fc);
        byte[] fcRandom = random(r, n);
        fcRandom[0] = (byte) 0xFC;
        v.add(fcRandom);
      }
    }
    // imitations of every envelope: 0xFC, then each version/codec byte, then anything
    for (int b1 = 0; b1 < 256; b1 += 1) {
      byte[] imitation = random(r, 2 + r.nextInt(40));
      imitation[0] = (byte) 0xFC;
      imitation[1] = (byte) b1;
      v.add(imitation);
    }
    v.add(Fixtures.ADA);
    v.add(Fixtures.GRACE);
    v.addAll(Fixtures.profiles(3, 20));
    v.add(utf8("[1.50,1e3,-0,123,-5,null,true,false,\"\\u0001\\n\"]"));
    v.add(utf8("{\"a\": 1}"));
    return v;
  }

  @Test
  void roundTrip_everyKind_arbitraryValues() throws CodecException {
    Random r = new Random(20250101);
    List<byte[]> values = values(r);
    for (int minSize : new int[] {0, MIN_SIZE}) {
      for (Encoder e : encoders(minSize)) {
        for (byte[] v : values) {
          assertRoundTrip(e, v);
        }
      }
    }
  }

  @Test
  void roundTrip_validEnvelopesAsClientValues() throws CodecException {
    // a client may write bytes that are exactly a valid envelope; they must come back as written
    Random r = new Random(7);
    List<byte[]> envelopes = new ArrayList<>();
    for (Encoder e : encoders(0)) {
      for (byte[] v : List.of(Fixtures.ADA, Fixtures.HELLOS, compressible(r, 5000), new byte[] {(byte) 0xFC, 1})) {
        byte[] stored = e.encode(v);
        if (ValueCodecs.isEnvelope(stored)) {
          envelopes.add(stored);
        }
      }
    }
    assertThat(envelopes).hasSizeGreaterThan(20);
    for (Encoder e : encoders(0)) {
      for (byte[] env : envelopes) {
        assertRoundTrip(e, env);
        byte[] twice = e.encode(e.encode(env));
        assertThat(codecs.decode(codecs.decode(twice))).isEqualTo(env);
      }
    }
  }

  @Test
  void roundTrip_belowMinSize_storedAsIs() throws CodecException {
    Encoder e = codecs.encoder(CodecKind.ZSTD, 3, MIN_SIZE, 0);
    byte[] small = new byte[MIN_SIZE - 1];
    assertThat(e.encode(small)).isSameAs(small);
    byte[] atMin = new byte[MIN_SIZE];
    assertThat(e.encode(atMin)).isNotSameAs(atMin).hasSizeLessThan(MIN_SIZE);
    byte[] fcSmall = {(byte) 0xFC, 0x12, 0x05};
    byte[] stored = e.encode(fcSmall);
    assertThat(Fixtures.hex(stored)).isEqualTo("fc1003fc1205");
    assertThat(codecs.decode(stored)).isEqualTo(fcSmall);
  }

  /** lz4 and zstd compress straight from a request's (direct) buffer: the same envelope as from an array. */
  @Test
  void encodeBuffer_sameEnvelopeAsFromAnArray() throws CodecException {
    Random r = new Random(7);
    for (CodecKind kind : List.of(CodecKind.LZ4, CodecKind.ZSTD)) {
      Encoder e = codecs.encoder(kind, 3, MIN_SIZE, 0);
      assertThat(e.takesBuffers()).isTrue();
      for (int n : new int[] {MIN_SIZE, 300, 4096, 70_000}) {
        byte[] text = compressible(r, n);
        text[0] = 'a';
        byte[] noise = random(r, n);
        noise[0] = 'x';
        for (byte[] v : List.of(text, noise)) {
          java.nio.ByteBuffer direct = java.nio.ByteBuffer.allocateDirect(n + 10);
          direct.position(5);
          direct.put(v);
          direct.position(5).limit(5 + n);
          byte[] fromBuffer = e.encodeBuffer(direct);
          assertThat(direct.position()).as("position unchanged").isEqualTo(5);
          byte[] fromArray = e.encode(v);
          if (fromArray == v) {
            assertThat(fromBuffer).as("%s, %d bytes of noise: not smaller", kind, n).isNull();
          } else {
            assertThat(fromBuffer).as("%s, %d bytes", kind, n).isEqualTo(fromArray);
            assertThat(codecs.decode(fromBuffer)).isEqualTo(v);
          }
        }
      }
    }
    assertThat(codecs.encoder(CodecKind.ZSTD_DICT, 3, 0, RAW_DICT_ID).takesBuffers()).isFalse();
    assertThat(codecs.encoder(CodecKind.JSON, 3, 0, 0).takesBuffers()).isFalse();
    java.nio.ByteBuffer envelopeLike = java.nio.ByteBuffer.allocateDirect(100).put(0, (byte) 0xFC);
    org.assertj.core.api.Assertions.assertThatThrownBy(() -> codecs.encoder(CodecKind.LZ4, 3, 0, 0).encodeBuffer(envelopeLike))
        .isInstanceOf(IllegalArgumentException.class);
  }

  @Test
  void roundTrip_incompressible_storedAsIs() {
    byte[] noise = random(new Random(1), 4096);
    for (Encoder e : encoders(0)) {
      assertThat(e.encode(noise)).as(e.toString()).isSameAs(noise);
    }
  }

  @Test
  void roundTrip_largeValues() throws CodecException {
    Random r = new Random(4);
    byte[] big = compressible(r, 4 << 20);
    byte[] noise = random(r, 4 << 20);
    byte[] zeros = new byte[4 << 20];
    zeros[0] = (byte) 0xFC;
    for (Encoder e : List.of(codecs.encoder(CodecKind.LZ4, 3, 0, 0), codecs.encoder(CodecKind.ZSTD, 3, 0, 0),
        codecs.encoder(CodecKind.ZSTD_DICT, 3, 0, RAW_DICT_ID),
        codecs.encoder(CodecKind.MSGPACK_ZSTD_DICT, 3, 0, RAW_DICT_ID))) {
      assertRoundTrip(e, big);
      assertRoundTrip(e, noise);
      assertRoundTrip(e, zeros);
      assertThat(e.encode(big).length).isLessThan(big.length / 2);
    }
  }

  @Test
  void roundTrip_concurrentThreads() throws Exception {
    List<byte[]> values = Fixtures.profiles(11, 200);
    List<Encoder> encoders = encoders(0);
    List<Thread> threads = new ArrayList<>();
    List<Throwable> failures = java.util.Collections.synchronizedList(new ArrayList<>());
    for (int t = 0; t < 4; t++) {
      Thread th = new Thread(() -> {
        try {
          for (int round = 0; round < 5; round++) {
            for (Encoder e : encoders) {
              for (byte[] v : values) {
                if (!Arrays.equals(codecs.decode(e.encode(v)), v)) {
                  throw new AssertionError(e + " lost a value");
                }
              }
            }
          }
        } catch (Throwable ex) {
          failures.add(ex);
        }
      });
      threads.add(th);
      th.start();
    }
    for (Thread th : threads) {
      th.join();
    }
    assertThat(failures).isEmpty();
  }

  @Test
  void dictionaryKinds_fallBackWithoutDictionary_thenUseItOncePut() throws CodecException {
    ValueCodecs fresh = new ValueCodecs(DictionarySource.none(), 1 << 20);
    Encoder e = fresh.encoder(CodecKind.ZSTD_DICT, 3, 0, 5);
    byte[] before = e.encode(Fixtures.ADA);
    assertThat(before[1]).isEqualTo((byte) 0x12); // plain zstd while dictionary 5 is unknown
    fresh.putDictionary(5, Fixtures.RAW_DICT);
    byte[] after = fresh.encoder(CodecKind.ZSTD_DICT, 3, 0, 5).encode(Fixtures.ADA);
    assertThat(after[1]).isEqualTo((byte) 0x13);
    assertThat(after[2]).isEqualTo((byte) 5);
    assertThat(after.length).isLessThan(before.length);
    assertThat(fresh.decode(after)).isEqualTo(Fixtures.ADA);
    assertThat(fresh.decode(before)).isEqualTo(Fixtures.ADA);
  }

  @Test
  void encoder_rejectsAutoAndBadArguments() {
    org.assertj.core.api.Assertions.assertThatThrownBy(() -> codecs.encoder(CodecKind.AUTO, 3, 0, 0))
        .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("auto");
    org.assertj.core.api.Assertions.assertThatThrownBy(() -> codecs.encoder(CodecKind.ZSTD, 3, -1, 0))
        .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("minSize");
    org.assertj.core.api.Assertions.assertThatThrownBy(() -> codecs.encoder(CodecKind.ZSTD, 99, 0, 0))
        .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("zstdLevel");
    assertThat(codecs.encoder(CodecKind.LZ4, 3, 0, 9).dictId()).isZero();
    assertThat(codecs.encoder(CodecKind.ZSTD_DICT, 3, 0, 9).dictId()).isEqualTo(9);
  }
}
