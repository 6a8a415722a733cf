package io.compactor.loadtest.dataset;

import java.nio.file.Path;
import java.util.List;

/**
 * The datasets the load driver knows by name: the six built-in generators and {@code replay:FILE}.
 */
public final class Datasets {
  private static final List<Dataset> BUILT_INS =
      List.of(new SmallStrings(), new SmallStrings(3600), new Sessions(), new Visitors(), new LargeText(), new Counters());

  private static final String REPLAY_PREFIX = "replay:";

  private Datasets() {}

  /** The built-in datasets, in report order: small, small-ttl, sessions, visitors, text, counters. */
  public static List<Dataset> builtIns() {
    return BUILT_INS;
  }

  /**
   * {@code d} with every entry written without its expiry: what the keys and values cost alone (Redis keeps
   * each expiry in a second table, about 20 bytes a key, whatever the proxy does with the value).
   */
  public static Dataset withoutTtl(Dataset d) {
    return new Dataset() {
      @Override
      public String name() {
        return d.name();
      }

      @Override
      public String description() {
        return d.description() + " (written without TTLs: --no-ttl)";
      }

      @Override
      public java.util.Iterator<Entry> entries(long seed, int count) {
        java.util.Iterator<Entry> it = d.entries(seed, count);
        return new java.util.Iterator<>() {
          @Override
          public boolean hasNext() {
            return it.hasNext();
          }

          @Override
          public Entry next() {
            Entry e = it.next();
            return new Entry(e.key(), e.value(), 0, e.incrBy());
          }
        };
      }
    };
  }

  /** A dataset replaying a JSON-lines file (see {@link Replay}). */
  public static Dataset replay(Path file) {
    return new Replay(file);
  }

  /**
   * The dataset named {@code name}: a built-in name, or {@code replay:} followed by a file path.
   *
   * @throws IllegalArgumentException for an unknown name, or a replay file that does not exist
   */
  public static Dataset byName(String name) {
    if (name != null && name.startsWith(REPLAY_PREFIX) && name.length() > REPLAY_PREFIX.length()) {
      return replay(Path.of(name.substring(REPLAY_PREFIX.length())));
    }
    for (Dataset dataset : BUILT_INS) {
      if (dataset.name().equals(name)) {
        return dataset;
      }
    }
    StringBuilder expected = new StringBuilder();
    for (Dataset dataset : BUILT_INS) {
      expected.append(dataset.name()).append(", ");
    }
    throw new IllegalArgumentException(
        "dataset: " + (name == null ? "null" : "'" + name + "'") + " (expected one of: " + expected + REPLAY_PREFIX + "FILE)");
  }
}
