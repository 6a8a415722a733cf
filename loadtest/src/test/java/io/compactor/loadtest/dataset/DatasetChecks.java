package io.compactor.loadtest.dataset;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.Iterator;
import java.util.List;
import java.util.NoSuchElementException;
import java.util.Set;

/** Checks every generated dataset must pass. */
final class DatasetChecks {
  private DatasetChecks() {}

  static List<Entry> take(Dataset dataset, long seed, int count) {
    List<Entry> out = new ArrayList<>(count);
    dataset.entries(seed, count).forEachRemaining(out::add);
    return out;
  }

  static String key(Entry e) {
    return new String(e.key(), StandardCharsets.UTF_8);
  }

  static String value(Entry e) {
    return new String(e.value(), StandardCharsets.UTF_8);
  }

  /** Same seed: same keys, values and TTLs, also when two iterators are interleaved. */
  static void assertSameSeedSameBytes(Dataset dataset) {
    List<Entry> first = take(dataset, 42, 1000);
    List<Entry> second = take(dataset, 42, 1000);
    assertThat(first).hasSize(1000);
    assertSameEntries(first, second);

    Iterator<Entry> a = dataset.entries(42, 1000);
    Iterator<Entry> b = dataset.entries(42, 1000);
    List<Entry> interleavedA = new ArrayList<>();
    List<Entry> interleavedB = new ArrayList<>();
    while (a.hasNext()) {
      interleavedA.add(a.next());
      interleavedB.add(b.next());
    }
    assertThat(b.hasNext()).isFalse();
    assertSameEntries(first, interleavedA);
    assertSameEntries(first, interleavedB);
  }

  static void assertSameEntries(List<Entry> expected, List<Entry> actual) {
    assertThat(actual).hasSameSizeAs(expected);
    for (int i = 0; i < expected.size(); i++) {
      Entry e = expected.get(i);
      Entry a = actual.get(i);
      assertThat(a.key()).as("key %d", i).isEqualTo(e.key());
      assertThat(a.value()).as("value %d", i).isEqualTo(e.value());
      assertThat(a.ttlSeconds()).as("ttl %d", i).isEqualTo(e.ttlSeconds());
      assertThat(a.incrBy()).as("incrBy %d", i).isEqualTo(e.incrBy());
    }
  }

  /** A different seed changes most keys or values. */
  static void assertDifferentSeedDifferentBytes(Dataset dataset) {
    List<Entry> one = take(dataset, 1, 1000);
    List<Entry> two = take(dataset, 2, 1000);
    int differentKeys = 0;
    int differentValues = 0;
    for (int i = 0; i < one.size(); i++) {
      if (!key(one.get(i)).equals(key(two.get(i)))) {
        differentKeys++;
      }
      if (!value(one.get(i)).equals(value(two.get(i)))) {
        differentValues++;
      }
    }
    assertThat(differentKeys).isGreaterThan(900);
    assertThat(differentValues).isGreaterThan(500);
  }

  /** The first n entries do not depend on how many were asked for. */
  static void assertPrefixIndependentOfCount(Dataset dataset) {
    assertSameEntries(take(dataset, 9, 10), take(dataset, 9, 500).subList(0, 10));
  }

  /** Asking for a huge count returns at once: entries are made one at a time. */
  static void assertLazyAndBounded(Dataset dataset) {
    Iterator<Entry> huge = dataset.entries(3, Integer.MAX_VALUE);
    for (int i = 0; i < 10; i++) {
      assertThat(huge.next()).isNotNull();
    }
    Iterator<Entry> none = dataset.entries(3, 0);
    assertThat(none.hasNext()).isFalse();
    assertThatThrownBy(none::next).isInstanceOf(NoSuchElementException.class);
    assertThatThrownBy(() -> dataset.entries(3, -1)).isInstanceOf(IllegalArgumentException.class);
  }

  /** Keys of the first {@code count} entries are all different. */
  static void assertUniqueKeys(Dataset dataset, int count) {
    Set<String> keys = new HashSet<>(count * 2);
    Iterator<Entry> it = dataset.entries(5, count);
    int n = 0;
    while (it.hasNext()) {
      String key = key(it.next());
      assertThat(keys.add(key)).as("duplicate key %s at %d", key, n).isTrue();
      n++;
    }
    assertThat(n).isEqualTo(count);
  }
}
