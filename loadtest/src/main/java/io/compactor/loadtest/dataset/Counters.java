package io.compactor.loadtest.dataset;

import java.util.Iterator;
import java.util.Random;

/**
 * Integer counters: keys such as {@code counter:page:{id}:views}, {@code counter:post:{id}:likes} or
 * {@code counter:user:{id}:logins}, set to a decimal value in 0–100,000 (skewed: most counters are small)
 * and then incremented by 1–1000 with INCRBY. Ids are consecutive from a seed-derived start; no TTL.
 */
public final class Counters implements Dataset {
  static final long MAX_VALUE = 100_000;
  static final int MAX_INCR = 1000;

  private static final String[][] SHAPES = {
    {"page", "views"}, {"post", "likes"}, {"user", "logins"}, {"video", "plays"}, {"post", "shares"},
  };

  @Override
  public String name() {
    return "counters";
  }

  @Override
  public String description() {
    return "counter:{kind}:{id}:{metric} -> integer 0-100000, then INCRBY 1-1000, no TTL";
  }

  @Override
  public Iterator<Entry> entries(long seed, int count) {
    Random random = new Random(seed);
    long firstId = 1_000_000L + random.nextInt(1_000_000);
    return Gen.iterate(count, i -> {
      String[] shape = SHAPES[i % SHAPES.length];
      String key = "counter:" + shape[0] + ":" + (firstId + i) + ":" + shape[1];
      // log-uniform over 1..100001, minus one: about half the counters are below 316
      long value = (long) StrictMath.pow(MAX_VALUE + 1, random.nextDouble()) - 1;
      long incrBy = 1 + random.nextInt(MAX_INCR);
      return new Entry(Gen.utf8(key), Gen.utf8(Long.toString(value)), 0, incrBy);
    });
  }
}
