package io.compactor.config;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class RedisUriTest {

  @Test
  void parse_hostAndPort() {
    RedisUri uri = RedisUri.parse("redis://redis.example.com:6390");

    assertThat(uri).isEqualTo(new RedisUri(false, new HostPort("redis.example.com", 6390), null, null, 0));
  }

  @Test
  void parse_defaultPortIs6379() {
    assertThat(RedisUri.parse("redis://localhost").address()).isEqualTo(new HostPort("localhost", 6379));
  }

  @Test
  void parse_database() {
    assertThat(RedisUri.parse("redis://localhost:6380/3").db()).isEqualTo(3);
    assertThat(RedisUri.parse("redis://localhost/15").db()).isEqualTo(15);
    assertThat(RedisUri.parse("redis://localhost/15").address().port()).isEqualTo(6379);
  }

  @Test
  void parse_emptyDatabaseIsZero() {
    assertThat(RedisUri.parse("redis://localhost:6380/").db()).isZero();
  }

  @Test
  void parse_userAndPassword() {
    RedisUri uri = RedisUri.parse("redis://alice:s3cret@host:7000/2");

    assertThat(uri).isEqualTo(new RedisUri(false, new HostPort("host", 7000), "alice", "s3cret", 2));
  }

  @Test
  void parse_passwordWithEmptyUser() {
    RedisUri uri = RedisUri.parse("redis://:s3cret@host");

    assertThat(uri.user()).isNull();
    assertThat(uri.password()).isEqualTo("s3cret");
  }

  @Test
  void parse_passwordOnly() {
    RedisUri uri = RedisUri.parse("redis://s3cret@host:6379");

    assertThat(uri.user()).isNull();
    assertThat(uri.password()).isEqualTo("s3cret");
    assertThat(uri.address()).isEqualTo(new HostPort("host", 6379));
  }

  @Test
  void parse_urlEncodedCredentials() {
    RedisUri uri = RedisUri.parse("redis://us%40er:p%3Aa%2Fs%25s%20w@host");

    assertThat(uri.user()).isEqualTo("us@er");
    assertThat(uri.password()).isEqualTo("p:a/s%s w");
  }

  @Test
  void parse_plusInPasswordIsLiteral() {
    assertThat(RedisUri.parse("redis://:a+b@host").password()).isEqualTo("a+b");
  }

  @Test
  void parse_unencodedAtSignInPassword() {
    // the last '@' separates the credentials from the host
    assertThat(RedisUri.parse("redis://:p@ss@host").password()).isEqualTo("p@ss");
  }

  @Test
  void parse_colonInPasswordAfterUser() {
    RedisUri uri = RedisUri.parse("redis://bob:a:b@host");

    assertThat(uri.user()).isEqualTo("bob");
    assertThat(uri.password()).isEqualTo("a:b");
  }

  @Test
  void parse_redissSetsTls() {
    assertThat(RedisUri.parse("rediss://host:6380").tls()).isTrue();
    assertThat(RedisUri.parse("redis://host:6380").tls()).isFalse();
  }

  @Test
  void parse_ipv6() {
    assertThat(RedisUri.parse("redis://[::1]:6380").address()).isEqualTo(new HostPort("::1", 6380));
    assertThat(RedisUri.parse("redis://[::1]").address()).isEqualTo(new HostPort("::1", 6379));
    assertThat(RedisUri.parse("rediss://u:p@[2001:db8::1]:7000/4"))
        .isEqualTo(new RedisUri(true, new HostPort("2001:db8::1", 7000), "u", "p", 4));
  }

  @Test
  void parse_trimsSurroundingSpaces() {
    assertThat(RedisUri.parse("  redis://host:1  ").address()).isEqualTo(new HostPort("host", 1));
  }

  @ParameterizedTest
  @ValueSource(strings = {
      "", "localhost:6379", "http://x", "redis:/host", "REDIS//host", "redis://", "redis://:pw@",
      "redis://host:abc", "redis://host:70000", "redis://host/x", "redis://host/-1", "redis://host/1.5",
      "redis://::1:6379", "redis://host:"})
  void parse_badInputThrows(String text) {
    assertThatThrownBy(() -> RedisUri.parse(text)).isInstanceOf(IllegalArgumentException.class);
  }

  @Test
  void redacted_hidesThePassword() {
    RedisUri uri = RedisUri.parse("redis://alice:s3cret@host:7000/2");

    assertThat(uri.redacted()).isEqualTo("redis://alice:***@host:7000/2").doesNotContain("s3cret");
    assertThat(uri.toString()).isEqualTo(uri.redacted());
  }

  @Test
  void redacted_passwordOnly() {
    RedisUri uri = RedisUri.parse("rediss://s3cret@host");

    assertThat(uri.redacted()).isEqualTo("rediss://:***@host:6379").doesNotContain("s3cret");
  }

  @Test
  void redacted_withoutCredentials() {
    assertThat(RedisUri.parse("redis://host").redacted()).isEqualTo("redis://host:6379");
    assertThat(RedisUri.parse("redis://[::1]:6380/1").redacted()).isEqualTo("redis://[::1]:6380/1");
  }

  @Test
  void constructor_rejectsNegativeDatabase() {
    assertThatThrownBy(() -> new RedisUri(false, new HostPort("h", 1), null, null, -1))
        .isInstanceOf(IllegalArgumentException.class);
  }
}
