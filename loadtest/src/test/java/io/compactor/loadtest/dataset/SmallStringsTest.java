package io.compactor.loadtest.dataset;

import static io.compactor.loadtest.dataset.DatasetChecks.key;
import static io.compactor.loadtest.dataset.DatasetChecks.take;
import static io.compactor.loadtest.dataset.DatasetChecks.value;
import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;

class SmallStringsTest {
  private final Dataset dataset = new SmallStrings();

  @Test
  void name_isSmall() {
    assertThat(dataset.name()).isEqualTo("small");
    assertThat(dataset.description()).isNotBlank();
  }





  @Test
  void entries_eachIdHasThreeShapes_idsConsecutive() {
    Pattern shape = Pattern.compile("(?:media:(\\d+)|user:(\\d+):name|user:(\\d+):email)");
    List<Entry> entries = take(dataset, 11, 10_000);
    long firstId = -1;
    for (int i = 0; i < entries.size(); i++) {
      Entry e = entries.get(i);
      Matcher m = shape.matcher(key(e));
      assertThat(m.matches()).as(key(e)).isTrue();
      int group = i % 3 + 1;
      assertThat(m.group(group)).as("shape of entry %d: %s", i, key(e)).isNotNull();
      long id = Long.parseLong(m.group(group));
      if (i == 0) {
        firstId = id;
        assertThat(id).isBetween(1_000_000L, 1_999_999L);
      }
      assertThat(id).isEqualTo(firstId + i / 3);
      assertThat(e.ttlSeconds()).isZero();
      assertThat(e.incrBy()).isZero();
    }
  }

  @Test
  void entries_valuesLookRealAndAre4To40Bytes() {
    List<Entry> entries = take(dataset, 12, 10_000);
    for (int i = 0; i < entries.size(); i++) {
      Entry e = entries.get(i);
      assertThat(e.value().length).as(key(e)).isBetween(4, 40);
      String v = value(e);
      switch (i % 3) {
        case 0:
          assertThat(v).matches("[1-9][0-9]{3,9}");
          break;
        case 1:
          assertThat(v).matches("\\S.*\\s.*\\S").doesNotContain("@");
          break;
        default:
          assertThat(v).matches("[^@\\s]+@[^@\\s]+\\.[a-z]+");
      }
    }
  }

  @Test
  void entries_keysUniqueIn100k() {
    DatasetChecks.assertUniqueKeys(dataset, 100_000);
  }
}
