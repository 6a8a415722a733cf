package io.compactor.loadtest.dataset;

import static io.compactor.loadtest.dataset.DatasetChecks.key;
import static io.compactor.loadtest.dataset.DatasetChecks.take;
import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.time.LocalDate;
import java.util.HashSet;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;

class VisitorsTest {
  private static final ObjectMapper JSON = new ObjectMapper();
  private static final Pattern IP = Pattern.compile("IP:(\\d{1,3})\\.(\\d{1,3})\\.(\\d{1,3})\\.(\\d{1,3})");
  private final Dataset dataset = new Visitors();

  @Test
  void name_isVisitors() {
    assertThat(dataset.name()).isEqualTo("visitors");
    assertThat(dataset.description()).isNotBlank();
  }





  @Test
  void entries_keysArePublicLookingIpv4() {
    Set<Integer> firstOctets = new HashSet<>();
    for (Entry e : take(dataset, 31, 10_000)) {
      Matcher m = IP.matcher(key(e));
      assertThat(m.matches()).as(key(e)).isTrue();
      for (int g = 1; g <= 4; g++) {
        assertThat(Integer.parseInt(m.group(g))).as(key(e)).isBetween(1, 254);
        assertThat(m.group(g)).doesNotStartWith("0");
      }
      int first = Integer.parseInt(m.group(1));
      assertThat(first).as(key(e)).isLessThanOrEqualTo(223).isNotIn(10, 127);
      firstOctets.add(first);
    }
    assertThat(firstOctets).as("spread over the address space").hasSizeGreaterThan(200);
  }

  @Test
  void entries_valuesAreJsonOf60To200Bytes() throws IOException {
    for (Entry e : take(dataset, 32, 10_000)) {
      assertThat(e.value().length).as(key(e)).isBetween(60, 200);
      assertThat(e.ttlSeconds()).isZero();
      assertThat(e.incrBy()).isZero();
      JsonNode v = JSON.readTree(e.value());
      assertThat(v.get("country").asText()).matches("[A-Z]{2}");
      assertThat(v.get("city").asText()).isNotBlank();
      assertThat(v.get("visits").asInt()).isBetween(1, 999);
      assertThat(LocalDate.parse(v.get("firstSeen").asText())).isBetween(LocalDate.parse("2024-01-01"), LocalDate.parse("2026-01-01"));
      assertThat(v.get("ua").asText()).matches("\\S.{20,}");
    }
  }

  @Test
  void entries_keysUniqueIn100k() {
    DatasetChecks.assertUniqueKeys(dataset, 100_000);
  }

  @Test
  void address_coversFirstAndLastOfTheSpace() {
    assertThat(Visitors.address(0)).isEqualTo("1.1.1.1");
    assertThat(Visitors.address(Visitors.ADDRESSES - 1)).isEqualTo("223.254.254.254");
    assertThat(Visitors.ADDRESSES).isEqualTo(221L * 254 * 254 * 254).isGreaterThan(Integer.MAX_VALUE);
  }

  @Test
  void permute_isOneToOneAndStaysInRange() {
    int[] keys = {1, -2, 3, -4};
    Set<Long> seen = new HashSet<>();
    for (long i = 0; i < 200_000; i++) {
      long p = Visitors.permute(i, keys);
      assertThat(p).isBetween(0L, Visitors.ADDRESSES - 1);
      assertThat(seen.add(p)).isTrue();
    }
    // the top of the index range still maps into the space
    assertThat(Visitors.permute(Integer.MAX_VALUE, keys)).isBetween(0L, Visitors.ADDRESSES - 1);
    assertThat(Visitors.permute(Visitors.ADDRESSES - 1, keys)).isBetween(0L, Visitors.ADDRESSES - 1);
  }
}
