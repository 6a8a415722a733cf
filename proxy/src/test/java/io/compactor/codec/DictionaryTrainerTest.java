package io.compactor.codec;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.List;
import org.junit.jupiter.api.Test;

class DictionaryTrainerTest {
  private static long stored(Encoder e, List<byte[]> values) {
    return values.stream().mapToLong(v -> e.encode(v).length).sum();
  }

  private static long logical(List<byte[]> values) {
    return values.stream().mapToLong(v -> v.length).sum();
  }

  @Test
  void train_dictionaryBeatsPlainZstdOnSmallJson() throws CodecException {
    List<byte[]> training = Fixtures.profiles(1, 2000);
    List<byte[]> test = Fixtures.profiles(2, 500); // other values of the same shape
    assertThat(logical(test) / test.size()).isBetween(350L, 500L);
    byte[] dict = DictionaryTrainer.train(training, 16 * 1024);
    assertThat(dict.length).isBetween(1024, 16 * 1024);

    ValueCodecs codecs = new ValueCodecs(id -> id == 1 ? dict : null, 1 << 20);
    double plain = (double) stored(codecs.encoder(CodecKind.ZSTD, 3, 0, 0), test) / logical(test);
    double withDict = (double) stored(codecs.encoder(CodecKind.ZSTD_DICT, 3, 0, 1), test) / logical(test);
    double msgpack = (double) stored(codecs.encoder(CodecKind.MSGPACK, 3, 0, 0), test) / logical(test);
    System.out.printf("ratios on %d profiles of ~%d bytes: zstd-3 %.3f, zstd-dict %.3f, msgpack %.3f%n",
        test.size(), logical(test) / test.size(), plain, withDict, msgpack);
    assertThat(withDict).isLessThan(0.8 * plain);
    for (byte[] v : test) {
      assertThat(codecs.decode(codecs.encoder(CodecKind.ZSTD_DICT, 3, 0, 1).encode(v))).isEqualTo(v);
    }
  }

  @Test
  void train_onMsgpackForm_forMsgpackZstdDict() throws CodecException {
    List<byte[]> training = Fixtures.profiles(1, 2000);
    List<byte[]> test = Fixtures.profiles(2, 500);
    byte[] jsonDict = DictionaryTrainer.train(training, 16 * 1024);
    byte[] msgpackDict = DictionaryTrainer.train(training, 16 * 1024, CodecKind.MSGPACK_ZSTD_DICT);
    ValueCodecs codecs = new ValueCodecs(id -> id == 1 ? jsonDict : id == 2 ? msgpackDict : null, 1 << 20);
    double onJsonDict = (double) stored(codecs.encoder(CodecKind.MSGPACK_ZSTD_DICT, 3, 0, 1), test) / logical(test);
    double onMsgpackDict =
        (double) stored(codecs.encoder(CodecKind.MSGPACK_ZSTD_DICT, 3, 0, 2), test) / logical(test);
    System.out.printf("msgpack+zstd-dict ratios: dictionary trained on JSON %.3f, on msgpack %.3f%n", onJsonDict,
        onMsgpackDict);
    assertThat(onMsgpackDict).isLessThan(onJsonDict);
    for (byte[] v : test) {
      assertThat(codecs.decode(codecs.encoder(CodecKind.MSGPACK_ZSTD_DICT, 3, 0, 2).encode(v))).isEqualTo(v);
    }
  }

  @Test
  void train_tooFewSamples_failsClearly() {
    assertThatThrownBy(() -> DictionaryTrainer.train(Fixtures.profiles(1, 3), 4096))
        .isInstanceOf(CodecException.class)
        .hasMessage("cannot train a dictionary from 3 non-empty samples (expected: at least 10)");
    assertThatThrownBy(() -> DictionaryTrainer.train(java.util.Collections.nCopies(50, new byte[0]), 4096))
        .isInstanceOf(CodecException.class).hasMessageContaining("from 0 non-empty samples");
    assertThatThrownBy(() -> DictionaryTrainer.train(Fixtures.profiles(1, 100), 10))
        .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("dictBytes");
  }
}
