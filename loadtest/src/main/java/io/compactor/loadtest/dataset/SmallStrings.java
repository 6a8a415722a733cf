package io.compactor.loadtest.dataset;

import java.util.Iterator;
import java.util.Random;
import java.util.function.Supplier;
import net.datafaker.Faker;

/**
 * Small string values under Instagram-style keys: for each id, {@code media:{id}} holds a 4–10 digit
 * number (a counter or an owner id), {@code user:{id}:name} a full name and {@code user:{id}:email} an
 * email address (a user has both, as in a real user table). Ids are consecutive from a seed-derived start
 * between 1,000,000 and 1,999,999, each used by the three shapes in turn; every value is 4–40 bytes. {@code small} has no TTL; {@code small-ttl} is
 * the same entries written with {@code EX 3600}.
 */
public final class SmallStrings implements Dataset {
  static final int MIN_BYTES = 4;
  static final int MAX_BYTES = 40;

  private final long ttlSeconds;

  /** The {@code small} dataset: no TTL. */
  public SmallStrings() {
    this(0);
  }

  /** With {@code ttlSeconds} > 0, the {@code small-ttl} dataset. */
  public SmallStrings(long ttlSeconds) {
    this.ttlSeconds = ttlSeconds;
  }

  @Override
  public String name() {
    return ttlSeconds > 0 ? "small-ttl" : "small";
  }

  @Override
  public String description() {
    return "media:{id} -> 4-10 digits, user:{id}:name -> full name, user:{id}:email -> email; values 4-40 bytes, "
        + (ttlSeconds > 0 ? "EX " + ttlSeconds : "no TTL");
  }

  @Override
  public Iterator<Entry> entries(long seed, int count) {
    Random random = new Random(seed);
    Faker faker = Gen.faker(random);
    long firstId = 1_000_000L + random.nextInt(1_000_000);
    return Gen.iterate(count, i -> {
      long id = firstId + i / 3;
      switch (i % 3) {
        case 0:
          return entry("media:" + id, digits(random));
        case 1:
          return entry("user:" + id + ":name", fit(() -> faker.name().fullName(), faker));
        default:
          return entry("user:" + id + ":email", fit(() -> faker.internet().emailAddress(), faker));
      }
    });
  }

  private Entry entry(String key, String value) {
    return new Entry(Gen.utf8(key), Gen.utf8(value), ttlSeconds, 0);
  }

  /** A number of 4 to 10 digits without a leading zero. */
  private static String digits(Random random) {
    int n = 4 + random.nextInt(7);
    StringBuilder sb = new StringBuilder(n);
    sb.append((char) ('1' + random.nextInt(9)));
    for (int d = 1; d < n; d++) {
      sb.append((char) ('0' + random.nextInt(10)));
    }
    return sb.toString();
  }

  /**
   * A value of 4–40 bytes: draws up to three times, then trims an over-long value to 40 bytes (or pads a
   * short one with digits to 4 bytes).
   */
  private static String fit(Supplier<String> draw, Faker faker) {
    String value = draw.get();
    for (int attempt = 1; attempt < 3 && !inRange(value); attempt++) {
      value = draw.get();
    }
    String s = Gen.truncateUtf8(value, MAX_BYTES);
    StringBuilder sb = new StringBuilder(s);
    while (Gen.utf8(sb.toString()).length < MIN_BYTES) {
      sb.append(faker.number().digit());
    }
    return sb.toString();
  }

  private static boolean inRange(String value) {
    int n = Gen.utf8(value).length;
    return n >= MIN_BYTES && n <= MAX_BYTES;
  }
}
