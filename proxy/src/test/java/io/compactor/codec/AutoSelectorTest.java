package io.compactor.codec;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;

class AutoSelectorTest {
  @Test
  void choose_dictionaryCodecOnSmallJson() throws CodecException {
    List<byte[]> samples = Fixtures.profiles(21, 300);
    byte[] dict = DictionaryTrainer.train(Fixtures.profiles(20, 2000), 16 * 1024);
    AutoSelector.Choice choice = AutoSelector.choose(samples, samples, dict, 1.0, 0);
    for (AutoSelector.Candidate c : choice.tried()) {
      System.out.printf("auto: %-18s level %d ratio %.3f %.1f MB/s %.2f µs/value%n", c.kind().configName(), c.level(),
          c.ratio(), c.mbPerSecond(), c.microsPerValue());
    }
    assertThat(choice.tried()).extracting(AutoSelector.Candidate::kind).contains(CodecKind.LZ4, CodecKind.ZSTD,
        CodecKind.MSGPACK, CodecKind.ZSTD_DICT, CodecKind.MSGPACK_ZSTD_DICT, CodecKind.FSST, CodecKind.JSON);
    assertThat(choice.chosen().kind().usesDictionary()).isTrue();
    double best = choice.tried().stream().mapToDouble(AutoSelector.Candidate::ratio).min().orElseThrow();
    assertThat(choice.chosen().ratio()).isEqualTo(best);
    assertThat(choice.tried()).allSatisfy(c -> assertThat(c.mbPerSecond()).isPositive());
  }

  @Test
  void choose_withoutDictionary_noDictionaryCandidates() {
    List<byte[]> samples = Fixtures.profiles(21, 100);
    AutoSelector.Choice choice = AutoSelector.choose(samples, samples, null, 1.0, 0);
    assertThat(choice.tried()).extracting(AutoSelector.Candidate::kind)
        .doesNotContain(CodecKind.ZSTD_DICT, CodecKind.MSGPACK_ZSTD_DICT).contains(CodecKind.MSGPACK);
    assertThat(choice.chosen().kind()).isIn(CodecKind.ZSTD, CodecKind.MSGPACK, CodecKind.LZ4, CodecKind.FSST, CodecKind.JSON);
  }

  @Test
  void choose_jsonDocuments_json() throws CodecException {
    List<byte[]> samples = Fixtures.profiles(22, 2000);
    AutoSelector.Choice choice = AutoSelector.chooseHeldOut(samples, 16 * 1024, 1.0, 0); // the smallest: timing plays no part
    assertThat(choice.tried()).extracting(AutoSelector.Candidate::kind).contains(CodecKind.JSON);
    assertThat(choice.chosen().kind()).as("among %s", choice.tried()).isEqualTo(CodecKind.JSON);
    assertThat(choice.chosen().ratio()).isLessThan(ratio(choice, CodecKind.ZSTD_DICT));
  }

  @Test
  void choose_shortStrings_fsst() throws CodecException {
    List<byte[]> samples = Fixtures.namesAndEmails(8, 2000);
    // the proxy's own budget (50 MB/s or 1 µs per value); fsst takes about 0.3 µs for such a value
    AutoSelector.Choice choice = AutoSelector.chooseHeldOut(samples, 16 * 1024, 50, 1.0);
    assertThat(choice.chosen().kind()).as("among %s", choice.tried()).isEqualTo(CodecKind.FSST);
    assertThat(choice.chosen().ratio()).isLessThan(0.7);
  }

  /** A dictionary trained on the very values it is measured on holds them: auto measures on others. */
  @Test
  void chooseHeldOut_dictionaryNotCreditedWithItsOwnSamples() throws CodecException {
    Random r = new Random(9);
    List<byte[]> samples = new java.util.ArrayList<>();
    for (int i = 0; i < 400; i++) {
      byte[] token = new byte[96];
      r.nextBytes(token);
      samples.add(java.util.Base64.getEncoder().encode(token));
    }
    byte[] dict = DictionaryTrainer.train(samples, 64 * 1024);
    double inSample = ratio(AutoSelector.choose(samples, samples, dict, 0.0, 0), CodecKind.ZSTD_DICT);
    double heldOut = ratio(AutoSelector.chooseHeldOut(samples, 64 * 1024, 0.0, 0), CodecKind.ZSTD_DICT);
    assertThat(inSample).as("measured on its own training values (held out: %.3f)", heldOut).isLessThan(heldOut * 0.9);
    assertThat(heldOut).as("measured on values it was not trained on: base64 keeps 6 bits of 8").isGreaterThan(0.72);
  }

  private static double ratio(AutoSelector.Choice choice, CodecKind kind) {
    return choice.tried().stream().filter(c -> c.kind() == kind).findFirst().orElseThrow().ratio();
  }

  @Test
  void choose_binaryValues_noMsgpack() {
    Random r = new Random(3);
    List<byte[]> samples = new java.util.ArrayList<>();
    for (int i = 0; i < 50; i++) {
      byte[] b = new byte[2000];
      for (int j = 0; j < b.length; j++) {
        b[j] = (byte) (r.nextInt(4) == 0 ? r.nextInt(256) : j % 7);
      }
      samples.add(b);
    }
    AutoSelector.Choice choice = AutoSelector.choose(samples, samples, null, 0.0, 0);
    assertThat(choice.tried()).extracting(AutoSelector.Candidate::kind).doesNotContain(CodecKind.MSGPACK, CodecKind.JSON);
    assertThat(choice.chosen().ratio()).isLessThan(1.0);
  }

  @Test
  void choose_unreachableSpeedBudget_fallsBackToLz4() {
    AutoSelector.Choice choice = AutoSelector.choose(Fixtures.profiles(21, 50), Fixtures.profiles(21, 50), null, 1e12, 0);
    assertThat(choice.chosen().kind()).isEqualTo(CodecKind.LZ4);
    assertThat(choice.chosen()).isSameAs(choice.tried().get(0));
  }
}
