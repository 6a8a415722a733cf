package io.compactor.loadtest.dataset;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class DatasetsTest {
  private static final String EXPECTED = "(expected one of: small, small-ttl, sessions, visitors, text, counters, replay:FILE)";

  @TempDir Path dir;

  @Test
  void builtIns_inReportOrder() {
    assertThat(Datasets.builtIns())
        .extracting(Dataset::name)
        .containsExactly("small", "small-ttl", "sessions", "visitors", "text", "counters");
  }

  @Test
  void byName_findsEveryBuiltIn() {
    for (Dataset d : Datasets.builtIns()) {
      assertThat(Datasets.byName(d.name())).isSameAs(d);
    }
    assertThat(Datasets.byName("small")).isInstanceOf(SmallStrings.class);
    assertThat(Datasets.byName("sessions")).isInstanceOf(Sessions.class);
    assertThat(Datasets.byName("visitors")).isInstanceOf(Visitors.class);
    assertThat(Datasets.byName("text")).isInstanceOf(LargeText.class);
    assertThat(Datasets.byName("counters")).isInstanceOf(Counters.class);
  }

  @Test
  void byName_replayFile() throws IOException {
    Path file = Files.writeString(dir.resolve("prod.jsonl"), "{\"key\":\"a\",\"value\":\"b\"}\n");
    Dataset d = Datasets.byName("replay:" + file);
    assertThat(d).isInstanceOf(Replay.class);
    assertThat(d.name()).isEqualTo("replay:prod.jsonl");
    assertThat(d.entries(0, 5).next().value()).isEqualTo(new byte[] {'b'});
    assertThat(Datasets.replay(file).name()).isEqualTo("replay:prod.jsonl");
  }

  @Test
  void byName_unknownNamesTheChoices() {
    assertThatThrownBy(() -> Datasets.byName("x"))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage("dataset: 'x' " + EXPECTED);
    assertThatThrownBy(() -> Datasets.byName("Small")).hasMessage("dataset: 'Small' " + EXPECTED);
    assertThatThrownBy(() -> Datasets.byName("replay:")).hasMessage("dataset: 'replay:' " + EXPECTED);
    assertThatThrownBy(() -> Datasets.byName("")).hasMessage("dataset: '' " + EXPECTED);
    assertThatThrownBy(() -> Datasets.byName(null)).hasMessage("dataset: null " + EXPECTED);
  }

  @Test
  void byName_missingReplayFile() {
    Path missing = dir.resolve("nope.jsonl");
    assertThatThrownBy(() -> Datasets.byName("replay:" + missing))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining(missing.toString());
  }
}
