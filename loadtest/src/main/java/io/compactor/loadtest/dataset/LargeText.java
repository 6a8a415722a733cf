package io.compactor.loadtest.dataset;

import java.nio.charset.StandardCharsets;
import java.util.Iterator;
import java.util.Random;
import net.datafaker.Faker;

/**
 * Pages of prose: keys {@code page:{id}}, values of a size drawn uniformly from 2048–8192 bytes — a book
 * title, then paragraphs mixing lorem-ipsum sentences with English quotations (Shakespeare, Tolkien,
 * Douglas Adams, ...), UTF-8, cut to exactly the drawn size between characters. Ids are consecutive from a
 * seed-derived start; no TTL.
 */
public final class LargeText implements Dataset {
  static final int MIN_BYTES = 2048;
  static final int MAX_BYTES = 8192;

  @Override
  public String name() {
    return "text";
  }

  @Override
  public String description() {
    return "page:{id} -> prose (lorem and quotations) of 2-8 KiB, uniform size, UTF-8, no TTL";
  }

  @Override
  public Iterator<Entry> entries(long seed, int count) {
    Random random = new Random(seed);
    Faker faker = Gen.faker(random);
    long firstId = 100_000L + random.nextInt(900_000);
    return Gen.iterate(count, i -> {
      int size = MIN_BYTES + random.nextInt(MAX_BYTES - MIN_BYTES + 1);
      return new Entry(Gen.utf8("page:" + (firstId + i)), page(random, faker, size), 0, 0);
    });
  }

  private static byte[] page(Random random, Faker faker, int size) {
    StringBuilder text = new StringBuilder(size + 1024);
    text.append(faker.book().title()).append("\n\n");
    while (text.length() < size) { // chars <= bytes, so this is a lower bound on the byte length
      int sentences = 3 + random.nextInt(6);
      for (int s = 0; s < sentences; s++) {
        if (s > 0) {
          text.append(' ');
        }
        text.append(sentence(random, faker));
      }
      text.append("\n\n");
    }
    String cut = Gen.truncateUtf8(text.toString(), size);
    byte[] bytes = cut.getBytes(StandardCharsets.UTF_8);
    if (bytes.length == size) {
      return bytes;
    }
    // the cut fell inside a multi-byte character: fill the last 1-3 bytes with spaces
    byte[] exact = new byte[size];
    System.arraycopy(bytes, 0, exact, 0, bytes.length);
    for (int b = bytes.length; b < size; b++) {
      exact[b] = ' ';
    }
    return exact;
  }

  private static String sentence(Random random, Faker faker) {
    switch (random.nextInt(12)) {
      case 0:
        return faker.shakespeare().hamletQuote();
      case 1:
        return faker.shakespeare().asYouLikeItQuote();
      case 2:
        return faker.hitchhikersGuideToTheGalaxy().quote();
      case 3:
        return faker.hobbit().quote();
      case 4:
        return faker.dune().quote();
      case 5:
        return faker.greekPhilosopher().quote();
      default:
        return faker.lorem().sentence(6 + random.nextInt(14));
    }
  }
}
