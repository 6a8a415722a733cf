package io.compactor.loadtest.dataset;

import static io.compactor.loadtest.dataset.DatasetChecks.key;
import static io.compactor.loadtest.dataset.DatasetChecks.take;
import static org.assertj.core.api.Assertions.assertThat;

import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Test;

class LargeTextTest {
  private final Dataset dataset = new LargeText();

  @Test
  void name_isText() {
    assertThat(dataset.name()).isEqualTo("text");
    assertThat(dataset.description()).isNotBlank();
  }





  @Test
  void entries_valuesAreValidUtf8ProseOf2To8KiB() throws CharacterCodingException {
    List<Entry> entries = take(dataset, 41, 10_000);
    Set<String> keys = new HashSet<>();
    int min = Integer.MAX_VALUE;
    int max = 0;
    boolean sawNonAscii = false;
    for (Entry e : entries) {
      assertThat(key(e)).matches("page:\\d{6,7}");
      assertThat(keys.add(key(e))).as("unique %s", key(e)).isTrue();
      assertThat(e.ttlSeconds()).isZero();
      assertThat(e.incrBy()).isZero();
      int n = e.value().length;
      assertThat(n).as(key(e)).isBetween(2048, 8192);
      min = Math.min(min, n);
      max = Math.max(max, n);
      String text =
          StandardCharsets.UTF_8
              .newDecoder()
              .onMalformedInput(CodingErrorAction.REPORT)
              .onUnmappableCharacter(CodingErrorAction.REPORT)
              .decode(ByteBuffer.wrap(e.value()))
              .toString();
      assertThat(text).contains(". ").contains("\n\n");
      sawNonAscii |= text.chars().anyMatch(c -> c > 127);
    }
    assertThat(min).as("sizes spread over the range").isLessThan(2100);
    assertThat(max).isGreaterThan(8100);
    assertThat(sawNonAscii).as("some quotations carry non-ASCII punctuation").isTrue();
  }
}
