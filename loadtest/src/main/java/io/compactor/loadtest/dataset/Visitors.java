package io.compactor.loadtest.dataset;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.time.LocalDate;
import java.util.Iterator;
import java.util.Random;
import net.datafaker.Faker;

/**
 * Web visitors keyed by client address: keys {@code IP:{a.b.c.d}}, values short JSON such as
 * {@code {"country":"DE","city":"Berlin","visits":17,"firstSeen":"2025-06-01","ua":"Mozilla/5.0 ..."}} of
 * 60–200 bytes; no TTL.
 *
 * <p>Addresses are unique within a run: entry {@code i} gets address number {@code i} after a seeded
 * permutation of every address whose first octet is 1–223 other than 10 and 127 and whose other octets are
 * 1–254 (about 3.6 billion), so they look scattered over the public space and never collide.
 */
public final class Visitors implements Dataset {
  static final int MIN_BYTES = 60;
  static final int MAX_BYTES = 200;

  private static final ObjectMapper JSON = new ObjectMapper();
  private static final int[] FIRST_OCTETS = firstOctets();
  private static final long OCTET = 254;
  /** How many addresses the permutation covers. */
  static final long ADDRESSES = FIRST_OCTETS.length * OCTET * OCTET * OCTET;

  /** Country code and real city; US cities appear more often, as they do in web traffic. */
  private static final String[][] PLACES = {
    {"US", "New York"}, {"US", "Los Angeles"}, {"US", "Chicago"}, {"US", "Houston"}, {"US", "Seattle"},
    {"US", "Atlanta"}, {"US", "Ashburn"}, {"US", "San Francisco"}, {"US", "Dallas"}, {"US", "Miami"},
    {"CA", "Toronto"}, {"CA", "Montréal"}, {"MX", "Mexico City"}, {"BR", "São Paulo"},
    {"BR", "Rio de Janeiro"}, {"AR", "Buenos Aires"}, {"CO", "Bogotá"}, {"GB", "London"},
    {"GB", "Manchester"}, {"IE", "Dublin"}, {"DE", "Berlin"}, {"DE", "München"}, {"DE", "Frankfurt am Main"},
    {"DE", "Hamburg"}, {"FR", "Paris"}, {"FR", "Lyon"}, {"NL", "Amsterdam"}, {"BE", "Brussels"},
    {"ES", "Madrid"}, {"ES", "Barcelona"}, {"IT", "Milan"}, {"IT", "Rome"}, {"CH", "Zürich"},
    {"AT", "Vienna"}, {"PL", "Warsaw"}, {"SE", "Stockholm"}, {"NO", "Oslo"}, {"FI", "Helsinki"},
    {"DK", "Copenhagen"}, {"CZ", "Prague"}, {"TR", "Istanbul"}, {"IN", "Mumbai"}, {"IN", "Bengaluru"},
    {"IN", "New Delhi"}, {"JP", "Tokyo"}, {"JP", "Osaka"}, {"KR", "Seoul"}, {"CN", "Shanghai"},
    {"SG", "Singapore"}, {"ID", "Jakarta"}, {"AU", "Sydney"}, {"AU", "Melbourne"}, {"NZ", "Auckland"},
    {"ZA", "Johannesburg"}, {"NG", "Lagos"}, {"EG", "Cairo"}, {"AE", "Dubai"}, {"IL", "Tel Aviv"},
  };

  @Override
  public String name() {
    return "visitors";
  }

  @Override
  public String description() {
    return "IP:{a.b.c.d} (unique IPv4) -> JSON {country, city, visits, firstSeen, ua} 60-200 bytes, no TTL";
  }

  @Override
  public Iterator<Entry> entries(long seed, int count) {
    Random random = new Random(seed);
    int[] roundKeys = new int[4];
    for (int r = 0; r < roundKeys.length; r++) {
      roundKeys[r] = random.nextInt();
    }
    Faker faker = Gen.faker(random);
    return Gen.iterate(count, i -> {
      String key = "IP:" + address(permute(i, roundKeys));
      return new Entry(Gen.utf8(key), visitor(random, faker), 0, 0);
    });
  }

  private static byte[] visitor(Random random, Faker faker) {
    String[] place = PLACES[random.nextInt(PLACES.length)];
    ObjectNode v = JSON.createObjectNode();
    v.put("country", place[0]);
    v.put("city", place[1]);
    // most visitors come once or a few times, a few come often (1-999); StrictMath: same bits everywhere
    v.put("visits", (int) StrictMath.pow(1000, random.nextDouble() * random.nextDouble()));
    v.put("firstSeen", LocalDate.ofEpochDay(Gen.EPOCH_SECONDS / 86_400 - random.nextInt(730)).toString());
    int room = MAX_BYTES - write(v).length - "\"ua\":\"\",".length();
    String ua = faker.internet().userAgent();
    // the longest user agents do not fit next to a long city name: draw again, trim as a last resort
    for (int attempt = 1; attempt < 8 && Gen.utf8(ua).length > room; attempt++) {
      ua = faker.internet().userAgent();
    }
    v.put("ua", Gen.truncateUtf8(ua, room));
    byte[] out = write(v);
    if (out.length < MIN_BYTES || out.length > MAX_BYTES) { // the fields above always give 60-200 bytes
      throw new IllegalStateException("visitor value of " + out.length + " bytes");
    }
    return out;
  }

  /** The permutation of {@code [0, ADDRESSES)}: a 4-round Feistel network on 32 bits, cycle-walked. */
  static long permute(long index, int[] roundKeys) {
    if (index < 0 || index >= ADDRESSES) {
      throw new IllegalArgumentException("index out of range: " + index);
    }
    long x = index;
    do {
      x = feistel(x, roundKeys);
    } while (x >= ADDRESSES);
    return x;
  }

  private static long feistel(long x, int[] roundKeys) {
    int left = (int) (x >>> 16) & 0xffff;
    int right = (int) x & 0xffff;
    for (int key : roundKeys) {
      int next = left ^ (mix(right ^ key) & 0xffff);
      left = right;
      right = next;
    }
    return ((long) left << 16) | right;
  }

  private static int mix(int h) {
    h *= 0x9e3779b1;
    h ^= h >>> 15;
    h *= 0x85ebca6b;
    h ^= h >>> 13;
    return h;
  }

  /** Address number {@code n} in {@code [0, ADDRESSES)} as dotted quad. */
  static String address(long n) {
    int d = (int) (n % OCTET) + 1;
    n /= OCTET;
    int c = (int) (n % OCTET) + 1;
    n /= OCTET;
    int b = (int) (n % OCTET) + 1;
    n /= OCTET;
    int a = FIRST_OCTETS[(int) n];
    return a + "." + b + "." + c + "." + d;
  }

  private static int[] firstOctets() {
    int[] octets = new int[221];
    int n = 0;
    for (int a = 1; a <= 223; a++) {
      if (a != 10 && a != 127) {
        octets[n++] = a;
      }
    }
    return octets;
  }

  private static byte[] write(ObjectNode node) {
    try {
      return JSON.writeValueAsBytes(node);
    } catch (JsonProcessingException e) {
      throw new IllegalStateException(e);
    }
  }
}
