package io.compactor.loadtest.dataset;

import static io.compactor.loadtest.dataset.DatasetChecks.key;
import static io.compactor.loadtest.dataset.DatasetChecks.take;
import static io.compactor.loadtest.dataset.DatasetChecks.value;
import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;

class CountersTest {
  private final Dataset dataset = new Counters();

  @Test
  void name_isCounters() {
    assertThat(dataset.name()).isEqualTo("counters");
    assertThat(dataset.description()).isNotBlank();
  }





  @Test
  void entries_integerValuesWithIncrement() {
    int small = 0;
    int large = 0;
    for (Entry e : take(dataset, 51, 10_000)) {
      assertThat(key(e)).matches("counter:(page|post|user|video):\\d{7}:(views|likes|logins|plays|shares)");
      assertThat(value(e)).matches("0|[1-9][0-9]{0,5}");
      long v = Long.parseLong(value(e));
      assertThat(v).isBetween(0L, 100_000L);
      assertThat(e.incrBy()).isBetween(1L, 1000L);
      assertThat(e.ttlSeconds()).isZero();
      assertThat(new String(e.expectedValue(), StandardCharsets.US_ASCII)).isEqualTo(Long.toString(v + e.incrBy()));
      if (v < 100) {
        small++;
      }
      if (v > 10_000) {
        large++;
      }
    }
    assertThat(small).as("skewed towards small counters").isGreaterThan(2000);
    assertThat(large).isGreaterThan(1000);
  }

  @Test
  void entries_keysUniqueIn100k() {
    DatasetChecks.assertUniqueKeys(dataset, 100_000);
  }
}
