package io.compactor.loadtest.dataset;

import static io.compactor.loadtest.dataset.DatasetChecks.key;
import static io.compactor.loadtest.dataset.DatasetChecks.take;
import static io.compactor.loadtest.dataset.DatasetChecks.value;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Base64;
import java.util.Iterator;
import java.util.List;
import java.util.NoSuchElementException;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ReplayTest {
  @TempDir Path dir;

  private Path write(String name, String... lines) throws IOException {
    Path file = dir.resolve(name);
    Files.writeString(file, String.join("\n", lines) + "\n", StandardCharsets.UTF_8);
    return file;
  }

  @Test
  void entries_roundTripTextBase64AndTtl() throws IOException {
    byte[] binary = {0, 1, 2, (byte) 0xff, (byte) 0xfe, '\r', '\n', 0x7f};
    Path file =
        write(
            "capture.jsonl",
            "{\"key\":\"user:1:name\",\"value\":\"Ada Lovelace\",\"ttl\":3600}",
            "{\"key\":\"blob:1\",\"value_b64\":\"" + Base64.getEncoder().encodeToString(binary) + "\"}",
            "",
            "{\"key\":\"city:1\",\"value\":\"Zürich \\u2014 \\\"quoted\\\"\",\"ttl\":-1}",
            "{\"key_b64\":\"" + Base64.getEncoder().encodeToString(new byte[] {'k', 0, (byte) 0x80}) + "\",\"value\":\"\",\"ttl\":0,\"type\":\"string\"}",
            "{\"key\":\"n\",\"value\":\"12\",\"ttl\":null}");
    Dataset replay = new Replay(file);
    assertThat(replay.name()).isEqualTo("replay:capture.jsonl");
    assertThat(replay.description()).contains(file.toString());

    List<Entry> entries = take(replay, 0, 100);
    assertThat(entries).hasSize(5);
    assertThat(key(entries.get(0))).isEqualTo("user:1:name");
    assertThat(value(entries.get(0))).isEqualTo("Ada Lovelace");
    assertThat(entries.get(0).ttlSeconds()).isEqualTo(3600);
    assertThat(entries.get(1).value()).isEqualTo(binary);
    assertThat(entries.get(1).ttlSeconds()).isZero();
    assertThat(value(entries.get(2))).isEqualTo("Zürich \u2014 \"quoted\"");
    assertThat(entries.get(2).ttlSeconds()).isZero();
    assertThat(entries.get(3).key()).isEqualTo(new byte[] {'k', 0, (byte) 0x80});
    assertThat(entries.get(3).value()).isEmpty();
    assertThat(entries.get(4).ttlSeconds()).isZero();
    assertThat(entries).allSatisfy(e -> assertThat(e.incrBy()).isZero());

    // the seed is ignored, count limits
    DatasetChecks.assertSameEntries(entries.subList(0, 2), take(replay, 99, 2));
    assertThat(take(replay, 0, 0)).isEmpty();
  }

  @Test
  void entries_streamsAndStopsAtCount() throws IOException {
    Path file =
        write(
            "lazy.jsonl",
            "{\"key\":\"a\",\"value\":\"1\"}",
            "{\"key\":\"b\",\"value\":\"2\"}",
            "this line is never read");
    Iterator<Entry> it = new Replay(file).entries(0, 2);
    assertThat(key(it.next())).isEqualTo("a");
    assertThat(key(it.next())).isEqualTo("b");
    assertThat(it.hasNext()).isFalse();
    assertThatThrownBy(it::next).isInstanceOf(NoSuchElementException.class);
    assertThat(it).isInstanceOf(AutoCloseable.class);
  }

  @Test
  void entries_badLineNamesFileAndLine() throws IOException {
    assertBadLine("{\"key\":\"a\",\"value\":\"1\"", "a JSON object, got invalid JSON");
    assertBadLine("[1,2]", "a JSON object, got array");
    assertBadLine("{\"key\":\"a\"}", "exactly one of \"value\" (string) or \"value_b64\" (base64 string), got neither");
    assertBadLine("{\"key\":\"a\",\"value\":\"x\",\"value_b64\":\"eA==\"}", "got both");
    assertBadLine("{\"value\":\"x\"}", "exactly one of \"key\" (string) or \"key_b64\"");
    assertBadLine("{\"key\":7,\"value\":\"x\"}", "\"key\" to be a string, got 7");
    assertBadLine("{\"key\":\"a\",\"value_b64\":\"not base64!\"}", "\"value_b64\" to be standard base64");
    assertBadLine("{\"key\":\"a\",\"value\":\"x\",\"ttl\":\"60\"}", "\"ttl\" to be an integer number of seconds");
    assertBadLine("{\"key\":\"a\",\"value\":\"x\",\"ttl\":1.5}", "\"ttl\" to be an integer");
    assertBadLine("{\"key\":\"a\",\"value\":\"x\",\"ttl\":-2}", "\"ttl\" to be an integer");
    assertBadLine("{\"key\":\"a\",\"value\":\"x\"} {\"key\":\"b\",\"value\":\"y\"}", "invalid JSON");
  }

  private void assertBadLine(String bad, String expected) throws IOException {
    Path file = write("bad.jsonl", "{\"key\":\"ok\",\"value\":\"fine\"}", "", bad, "{\"key\":\"never\",\"value\":\"read\"}");
    Iterator<Entry> it = new Replay(file).entries(0, 10);
    assertThat(key(it.next())).isEqualTo("ok");
    assertThatThrownBy(it::next)
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageStartingWith("replay " + file + ":3: expected ")
        .hasMessageContaining(expected);
    assertThat(it.hasNext()).as("closed after the error").isFalse();
  }

  @Test
  void replay_missingFileIsRejected() {
    Path missing = dir.resolve("missing.jsonl");
    assertThatThrownBy(() -> new Replay(missing))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage("replay file not found or not readable: " + missing);
    assertThatThrownBy(() -> Datasets.replay(missing)).isInstanceOf(IllegalArgumentException.class);
    assertThatThrownBy(() -> new Replay(dir)).isInstanceOf(IllegalArgumentException.class);
  }

  @Test
  void entries_emptyFileGivesNothing() throws IOException {
    Path file = dir.resolve("empty.jsonl");
    Files.createFile(file);
    assertThat(new Replay(file).entries(0, 10).hasNext()).isFalse();
    assertThatThrownBy(() -> new Replay(file).entries(0, -1)).isInstanceOf(IllegalArgumentException.class);
  }

  @Test
  void entries_largeFileIsStreamed() throws IOException {
    Path file = dir.resolve("large.jsonl");
    try (var out = Files.newBufferedWriter(file)) {
      for (int i = 0; i < 200_000; i++) {
        out.write("{\"key\":\"k:" + i + "\",\"value\":\"" + "v".repeat(i % 50) + "\",\"ttl\":" + (i % 3) + "}\n");
      }
    }
    Iterator<Entry> it = new Replay(file).entries(0, Integer.MAX_VALUE);
    int n = 0;
    while (it.hasNext()) {
      Entry e = it.next();
      assertThat(e.ttlSeconds()).isEqualTo(n % 3);
      n++;
    }
    assertThat(n).isEqualTo(200_000);
  }
}
