package io.compactor.loadtest.dataset;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.StreamWriteFeature;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.json.JsonMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.math.BigDecimal;
import java.util.Base64;
import java.util.Iterator;
import java.util.Locale;
import java.util.Random;
import net.datafaker.Faker;

/**
 * Web sessions: keys {@code session:{32 hex chars}}, values compact JSON objects of 300–600 bytes (user id,
 * name, email, roles, locale, timestamps, client IP, CSRF token, a shopping cart, sometimes preferences).
 * Entries at even indexes expire after 3600 seconds, the others have no TTL.
 */
public final class Sessions implements Dataset {
  static final int MIN_BYTES = 300;
  static final int MAX_BYTES = 600;
  static final long TTL_SECONDS = 3600;

  /** Prices keep two decimals ({@code 43.90}, never {@code 43.9} or {@code 1E+2}). */
  private static final ObjectMapper JSON =
      JsonMapper.builder().enable(StreamWriteFeature.WRITE_BIGDECIMAL_AS_PLAIN).build();
  private static final String[] LOCALES = {
    "en-US", "en-US", "en-US", "en-GB", "de-DE", "fr-FR", "es-ES", "pt-BR", "it-IT", "nl-NL", "pl-PL", "ja-JP"
  };
  private static final String[] CURRENCIES = {"USD", "USD", "EUR", "EUR", "GBP", "BRL", "CAD"};
  private static final String[] EXTRA_ROLES = {"premium", "editor", "seller", "support", "admin"};
  private static final String[] THEMES = {"light", "dark", "system"};
  private static final String[] TIMEZONES = {
    "America/New_York", "America/Los_Angeles", "Europe/London", "Europe/Berlin", "Europe/Paris",
    "America/Sao_Paulo", "Asia/Tokyo", "Australia/Sydney"
  };

  @Override
  public String name() {
    return "sessions";
  }

  @Override
  public String description() {
    return "session:{32 hex} -> compact JSON session (user, roles, cart, timestamps) 300-600 bytes; half with TTL 3600 s";
  }

  @Override
  public Iterator<Entry> entries(long seed, int count) {
    Random random = new Random(seed);
    Faker faker = Gen.faker(random);
    return Gen.iterate(count, i -> {
      String key = "session:" + Gen.hex(random, 32);
      byte[] value = session(random, faker);
      return new Entry(Gen.utf8(key), value, i % 2 == 0 ? TTL_SECONDS : 0, 0);
    });
  }

  private static byte[] session(Random random, Faker faker) {
    ObjectNode s = JSON.createObjectNode();
    s.put("userId", 1_000_000L + random.nextInt(90_000_000));
    s.put("name", faker.name().fullName());
    s.put("email", faker.internet().emailAddress());
    ArrayNode roles = s.putArray("roles");
    roles.add("user");
    if (random.nextInt(4) == 0) {
      roles.add(EXTRA_ROLES[random.nextInt(EXTRA_ROLES.length)]);
    }
    s.put("locale", LOCALES[random.nextInt(LOCALES.length)]);
    long createdAt = Gen.EPOCH_SECONDS - 60 - random.nextInt(30 * 86_400);
    long lastSeen = createdAt + random.nextInt((int) (Gen.EPOCH_SECONDS - createdAt));
    s.put("createdAt", Gen.iso(createdAt));
    s.put("lastSeen", Gen.iso(lastSeen));
    s.put("ip", faker.internet().ipV4Address());
    byte[] token = new byte[24];
    random.nextBytes(token);
    s.put("csrf", Base64.getUrlEncoder().withoutPadding().encodeToString(token));

    ObjectNode cart = s.putObject("cart");
    cart.put("currency", CURRENCIES[random.nextInt(CURRENCIES.length)]);
    ArrayNode items = cart.putArray("items");
    int itemCount = random.nextInt(5);
    for (int n = 0; n < itemCount; n++) {
      ObjectNode item = items.addObject();
      item.put("sku", "SKU-" + (10_000 + random.nextInt(90_000)) + "-" + (10 + random.nextInt(90)));
      item.put("name", faker.commerce().productName());
      item.put("qty", 1 + (random.nextInt(4) == 0 ? random.nextInt(5) : 0));
      item.put("price", BigDecimal.valueOf(99 + random.nextInt(25_000), 2));
    }
    updateTotal(cart, items);

    byte[] out = write(s);
    // too long: drop cart items, newest first
    while (out.length > MAX_BYTES && items.size() > 0) {
      items.remove(items.size() - 1);
      updateTotal(cart, items);
      out = write(s);
    }
    if (out.length > MAX_BYTES) {
      s.remove("cart");
      out = write(s);
    }
    // too short: add preferences, then recent searches one by one (each well under 300 bytes)
    if (out.length < MIN_BYTES) {
      ObjectNode prefs = s.putObject("prefs");
      prefs.put("theme", THEMES[random.nextInt(THEMES.length)]);
      prefs.put("tz", TIMEZONES[random.nextInt(TIMEZONES.length)]);
      prefs.put("newsletter", random.nextBoolean());
      ArrayNode recent = prefs.putArray("recentSearches");
      out = write(s);
      while (out.length < MIN_BYTES) {
        recent.add(faker.commerce().productName().toLowerCase(Locale.ROOT));
        out = write(s);
      }
      if (out.length > MAX_BYTES) { // cannot happen with the fields above; keep the bound honest anyway
        throw new IllegalStateException("session value of " + out.length + " bytes");
      }
    }
    return out;
  }

  private static void updateTotal(ObjectNode cart, ArrayNode items) {
    BigDecimal total = BigDecimal.ZERO.setScale(2);
    for (int n = 0; n < items.size(); n++) {
      total = total.add(items.get(n).get("price").decimalValue().multiply(BigDecimal.valueOf(items.get(n).get("qty").asInt())));
    }
    cart.put("total", total);
  }

  private static byte[] write(ObjectNode node) {
    try {
      return JSON.writeValueAsBytes(node);
    } catch (JsonProcessingException e) {
      throw new IllegalStateException(e);
    }
  }
}
