package io.compactor.loadtest.dataset;

import java.util.stream.Stream;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/** What every built-in dataset promises: reproducible from its seed, seed-sensitive, stable prefixes, lazy. */
class DatasetContractTest {
  static Stream<Dataset> builtIns() {
    return Datasets.builtIns().stream();
  }

  @ParameterizedTest
  @MethodSource("builtIns")
  void entries_sameSeedSameBytes(Dataset dataset) {
    DatasetChecks.assertSameSeedSameBytes(dataset);
  }

  @ParameterizedTest
  @MethodSource("builtIns")
  void entries_differentSeedDifferentBytes(Dataset dataset) {
    DatasetChecks.assertDifferentSeedDifferentBytes(dataset);
  }

  @ParameterizedTest
  @MethodSource("builtIns")
  void entries_prefixIndependentOfCount(Dataset dataset) {
    DatasetChecks.assertPrefixIndependentOfCount(dataset);
  }

  @ParameterizedTest
  @MethodSource("builtIns")
  void entries_lazyAndBounded(Dataset dataset) {
    DatasetChecks.assertLazyAndBounded(dataset);
  }
}
