package io.compactor.codec;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;

/** Fixed inputs shared by the codec tests. */
final class Fixtures {
  /** A raw-content zstd dictionary: fixed bytes, so envelopes made with it are reproducible. */
  static final byte[] RAW_DICT = utf8(("{\"id\":0,\"name\":\"\",\"email\":\"@example.com\",\"active\":true,"
      + "\"tags\":[\"alpha\",\"beta\"]}").repeat(3));
  static final int RAW_DICT_ID = 7;
  static final int BIG_DICT_ID = 300;
  /** A fixed fsst symbol table ({@link #TABLE}), so envelopes made with it are reproducible. */
  static final int TABLE_ID = 9;
  static final byte[] TABLE = SymbolTable.of(List.of(utf8("Ada "), utf8("Lovelace"), utf8("Grace "), utf8("Hopper"),
      utf8("@example"), utf8(".com"), utf8("a"), utf8("e"), utf8("o"), utf8(" "), utf8("r"))).serialize();

  /**
   * A fixed json model ({@link #MODEL}): one shape, {@link #ADA}'s, and {@link #TABLE} for the strings under
   * "name" and "email".
   */
  static final int MODEL_ID = 11;

  static final byte[] ADA = utf8("{\"id\":42,\"name\":\"Ada Lovelace\",\"email\":\"ada@example.com\",\"active\":true,"
      + "\"tags\":[\"alpha\",\"beta\"],\"score\":1.50}");
  static final byte[] MODEL = model();
  static final byte[] GRACE = utf8("{\"id\":7,\"name\":\"Grace Hopper\",\"email\":\"grace@example.com\","
      + "\"active\":false,\"tags\":[\"beta\"]}");
  static final byte[] HELLOS = utf8("hello hello hello hello hello hello hello hello");
  static final byte[] DIGITS = utf8("0123456789".repeat(30));

  private static final String[] FIRST = {"Ada", "Grace", "Alan", "Edsger", "Barbara", "Donald", "Ken", "Dennis",
      "Frances", "Margaret", "Leslie", "Tony", "Niklaus", "John", "Radia", "Shafi"};
  private static final String[] LAST = {"Lovelace", "Hopper", "Turing", "Dijkstra", "Liskov", "Knuth", "Thompson",
      "Ritchie", "Allen", "Hamilton", "Lamport", "Hoare", "Wirth", "Backus", "Perlman", "Goldwasser"};
  private static final String[] CITIES = {"London", "Paris", "Berlin", "Madrid", "Rome", "Vienna", "Prague",
      "Lisbon", "Dublin", "Oslo"};
  private static final String[] PLANS = {"free", "pro", "team", "enterprise"};

  private Fixtures() {}

  private static byte[] model() {
    try {
      SymbolTable table = SymbolTable.parse(TABLE);
      Map<String, SymbolTable> tables = new LinkedHashMap<>();
      tables.put("name", table);
      tables.put("email", table);
      return JsonModel.of(List.of(JsonModel.shapeOf(ADA)), tables).serialize();
    } catch (CodecException e) {
      throw new IllegalStateException(e);
    }
  }

  static byte[] utf8(String s) {
    return s.getBytes(StandardCharsets.UTF_8);
  }

  static byte[] hex(String s) {
    return HexFormat.of().parseHex(s);
  }

  static String hex(byte[] b) {
    return HexFormat.of().formatHex(b);
  }

  /**
   * Codecs knowing {@link #RAW_DICT} as ids {@link #RAW_DICT_ID} and {@link #BIG_DICT_ID}, {@link #TABLE}
   * as {@link #TABLE_ID} and {@link #MODEL} as {@link #MODEL_ID}.
   */
  static ValueCodecs codecs(long maxDecodedBytes) {
    return new ValueCodecs(id -> id == RAW_DICT_ID || id == BIG_DICT_ID ? RAW_DICT.clone()
        : id == TABLE_ID ? TABLE.clone() : id == MODEL_ID ? MODEL.clone() : null, maxDecodedBytes);
  }

  /** {@code n} short strings: names ("Ada Lovelace") and e-mail addresses, seeded. */
  static List<byte[]> namesAndEmails(long seed, int n) {
    Random r = new Random(seed);
    String[] domains = {"gmail.com", "yahoo.com", "hotmail.com", "example.org", "outlook.com"};
    List<byte[]> out = new ArrayList<>(n);
    for (int i = 0; i < n; i++) {
      String first = FIRST[r.nextInt(FIRST.length)];
      String last = LAST[r.nextInt(LAST.length)];
      out.add(utf8(r.nextBoolean() ? first + " " + last
          : first.toLowerCase() + "." + last.toLowerCase() + r.nextInt(100) + "@" + domains[r.nextInt(domains.length)]));
    }
    return out;
  }

  /** About 400-byte compact JSON user profiles, seeded. */
  static List<byte[]> profiles(long seed, int n) {
    Random r = new Random(seed);
    List<byte[]> out = new ArrayList<>(n);
    for (int i = 0; i < n; i++) {
      String first = FIRST[r.nextInt(FIRST.length)];
      String last = LAST[r.nextInt(LAST.length)];
      StringBuilder sb = new StringBuilder(512);
      sb.append("{\"id\":").append(100000 + r.nextInt(900000))
          .append(",\"name\":\"").append(first).append(' ').append(last).append('"')
          .append(",\"email\":\"").append(first.toLowerCase()).append('.').append(last.toLowerCase())
          .append(r.nextInt(1000)).append("@example.com\"")
          .append(",\"active\":").append(r.nextBoolean())
          .append(",\"plan\":\"").append(PLANS[r.nextInt(PLANS.length)]).append('"')
          .append(",\"balance\":").append(r.nextInt(100000)).append('.').append(10 + r.nextInt(90))
          .append(",\"address\":{\"street\":\"").append(1 + r.nextInt(200)).append(" Main Street\",\"city\":\"")
          .append(CITIES[r.nextInt(CITIES.length)]).append("\",\"zip\":\"").append(10000 + r.nextInt(89999))
          .append("\",\"country\":\"EU\"}")
          .append(",\"preferences\":{\"newsletter\":").append(r.nextBoolean())
          .append(",\"theme\":\"").append(r.nextBoolean() ? "dark" : "light")
          .append("\",\"language\":\"en-GB\",\"notifications\":{\"email\":true,\"sms\":false,\"push\":")
          .append(r.nextBoolean()).append("}}")
          .append(",\"tags\":[");
      int tags = 1 + r.nextInt(4);
      for (int t = 0; t < tags; t++) {
        sb.append(t == 0 ? "" : ",").append('"').append(PLANS[r.nextInt(PLANS.length)]).append("-user\"");
      }
      sb.append("],\"created_at\":\"2024-").append(10 + r.nextInt(3)).append('-').append(10 + r.nextInt(18))
          .append("T12:").append(10 + r.nextInt(50)).append(":00Z\",\"last_login\":\"2025-0")
          .append(1 + r.nextInt(9)).append("-1").append(r.nextInt(10)).append("T08:00:00Z\"}");
      out.add(utf8(sb.toString()));
    }
    return out;
  }
}
