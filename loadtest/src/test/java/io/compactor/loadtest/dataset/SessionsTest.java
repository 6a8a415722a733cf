package io.compactor.loadtest.dataset;

import static io.compactor.loadtest.dataset.DatasetChecks.key;
import static io.compactor.loadtest.dataset.DatasetChecks.take;
import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.core.StreamWriteFeature;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.cfg.JsonNodeFeature;
import com.fasterxml.jackson.databind.json.JsonMapper;
import java.io.IOException;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

class SessionsTest {
  /** Reads decimals exactly, so re-serialising gives back the same bytes when the input was compact. */
  private static final ObjectMapper JSON =
      JsonMapper.builder()
          .enable(DeserializationFeature.USE_BIG_DECIMAL_FOR_FLOATS)
          .disable(JsonNodeFeature.STRIP_TRAILING_BIGDECIMAL_ZEROES)
          .enable(StreamWriteFeature.WRITE_BIGDECIMAL_AS_PLAIN)
          .build();
  private final Dataset dataset = new Sessions();

  @Test
  void name_isSessions() {
    assertThat(dataset.name()).isEqualTo("sessions");
    assertThat(dataset.description()).isNotBlank();
  }





  @Test
  void entries_keysAreSessionAnd32Hex() {
    for (Entry e : take(dataset, 21, 10_000)) {
      assertThat(key(e)).matches("session:[0-9a-f]{32}");
    }
  }

  @Test
  void entries_valuesAreCompactJsonOf300To600Bytes() throws IOException {
    List<Entry> entries = take(dataset, 22, 10_000);
    List<String> fieldOrder = new ArrayList<>();
    for (Entry e : entries) {
      assertThat(e.value().length).as(key(e)).isBetween(300, 600);
      JsonNode s = JSON.readTree(e.value());
      assertThat(s.isObject()).isTrue();
      assertThat(JSON.writeValueAsBytes(s)).as("compact").isEqualTo(e.value());
      assertThat(s.get("userId").isIntegralNumber()).isTrue();
      assertThat(s.get("name").asText()).isNotBlank();
      assertThat(s.get("email").asText()).contains("@");
      assertThat(s.get("roles").isArray()).isTrue();
      assertThat(s.get("roles").get(0).asText()).isEqualTo("user");
      assertThat(s.get("locale").asText()).matches("[a-z]{2}-[A-Z]{2}");
      Instant created = Instant.parse(s.get("createdAt").asText());
      Instant lastSeen = Instant.parse(s.get("lastSeen").asText());
      assertThat(lastSeen).isAfterOrEqualTo(created).isBefore(Instant.parse("2026-01-01T00:00:00Z"));
      assertThat(s.get("csrf").asText()).matches("[A-Za-z0-9_-]{32}");
      if (s.has("cart")) {
        for (JsonNode item : s.get("cart").get("items")) {
          assertThat(item.get("sku").asText()).matches("SKU-\\d{5}-\\d{2}");
          assertThat(item.get("qty").asInt()).isBetween(1, 5);
          assertThat(item.get("price").decimalValue().scale()).isEqualTo(2);
        }
        assertThat(s.get("cart").get("total").decimalValue().scale()).isEqualTo(2);
      }
      fieldOrder.add(String.join(",", iterable(s.fieldNames())));
    }
    // stable order: every value starts with the same fields in the same order
    assertThat(fieldOrder).allSatisfy(order -> assertThat(order).startsWith("userId,name,email,roles,locale,createdAt,lastSeen,ip,csrf"));
    // the size adjustments are exercised: some sessions have a cart, some needed prefs padding
    assertThat(fieldOrder).anyMatch(order -> order.contains("cart")).anyMatch(order -> order.contains("prefs"));
  }

  @Test
  void entries_halfHaveOneHourTtl() {
    List<Entry> entries = take(dataset, 23, 10_000);
    for (int i = 0; i < entries.size(); i++) {
      assertThat(entries.get(i).ttlSeconds()).as("entry %d", i).isEqualTo(i % 2 == 0 ? 3600 : 0);
      assertThat(entries.get(i).incrBy()).isZero();
    }
  }

  @Test
  void entries_keysUniqueIn100k() {
    DatasetChecks.assertUniqueKeys(dataset, 100_000);
  }

  private static <T> Iterable<T> iterable(java.util.Iterator<T> it) {
    return () -> it;
  }
}
