package io.compactor.config;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class HostPortTest {

  @Test
  void parse_hostAndPort() {
    assertThat(HostPort.parse("127.0.0.1:6380")).isEqualTo(new HostPort("127.0.0.1", 6380));
    assertThat(HostPort.parse("redis.example.com:6379")).isEqualTo(new HostPort("redis.example.com", 6379));
  }

  @Test
  void parse_trimsSurroundingSpaces() {
    assertThat(HostPort.parse("  localhost:6379 \n")).isEqualTo(new HostPort("localhost", 6379));
  }

  @Test
  void parse_portZeroAndPortMax() {
    assertThat(HostPort.parse("localhost:0").port()).isZero();
    assertThat(HostPort.parse("localhost:65535").port()).isEqualTo(65535);
  }

  @Test
  void parse_ipv6InBrackets() {
    HostPort hp = HostPort.parse("[::1]:6379");

    assertThat(hp).isEqualTo(new HostPort("::1", 6379));
    assertThat(hp.toString()).isEqualTo("[::1]:6379");
  }

  @Test
  void parse_fullIpv6Address() {
    assertThat(HostPort.parse("[2001:db8::7]:7000")).isEqualTo(new HostPort("2001:db8::7", 7000));
  }

  @Test
  void toString_roundTrips() {
    for (String s : new String[] {"127.0.0.1:6380", "[::1]:6379", "example.com:1", "[fe80::1]:0"}) {
      assertThat(HostPort.parse(s).toString()).isEqualTo(s);
    }
  }

  @Test
  void toAddress_isUnresolvedHostAndPort() {
    var address = new HostPort("localhost", 6380).toAddress();

    assertThat(address.getHostString()).isEqualTo("localhost");
    assertThat(address.getPort()).isEqualTo(6380);
  }

  @ParameterizedTest
  @ValueSource(strings = {
      "", "nope", "localhost", ":6379", "localhost:", "localhost:abc", "localhost:-1", "localhost:65536",
      "localhost:99999999999", "::1:6379", "[::1]", "[::1]:", "1:2:3", "[]:6379", "host:6379x"})
  void parse_badInputThrows(String text) {
    assertThatThrownBy(() -> HostPort.parse(text))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("expected");
  }

  @Test
  void constructor_rejectsBadHostAndPort() {
    assertThatThrownBy(() -> new HostPort("", 1)).isInstanceOf(IllegalArgumentException.class);
    assertThatThrownBy(() -> new HostPort(null, 1)).isInstanceOf(IllegalArgumentException.class);
    assertThatThrownBy(() -> new HostPort("h", -1)).isInstanceOf(IllegalArgumentException.class);
    assertThatThrownBy(() -> new HostPort("h", 65536)).isInstanceOf(IllegalArgumentException.class);
  }
}
