package io.compactor.compaction;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;

class GlobTest {
  private static boolean m(String pattern, String key) {
    return Glob.of(pattern).matches(key.getBytes(StandardCharsets.UTF_8));
  }

  @Test
  void matches_wildcards() {
    assertThat(m("media:*", "media:1155315")).isTrue();
    assertThat(m("media:*", "media:")).isTrue();
    assertThat(m("media:*", "medi")).isFalse();
    assertThat(m("user:*:name", "user:1:name")).isTrue();
    assertThat(m("user:*:name", "user:1:email")).isFalse();
    assertThat(m("h?llo", "hallo")).isTrue();
    assertThat(m("h?llo", "hllo")).isFalse();
    assertThat(m("a*b*c", "aXXbYYc")).isTrue();
    assertThat(m("a*b*c", "aXXbYY")).isFalse();
    assertThat(m("**", "anything")).isTrue();
  }

  @Test
  void matches_classesAndEscapes() {
    assertThat(m("h[ae]llo", "hello")).isTrue();
    assertThat(m("h[ae]llo", "hillo")).isFalse();
    assertThat(m("h[^e]llo", "hallo")).isTrue();
    assertThat(m("h[^e]llo", "hello")).isFalse();
    assertThat(m("h[a-b]llo", "hbllo")).isTrue();
    assertThat(m("h[b-a]llo", "hbllo")).isTrue(); // Redis swaps reversed ranges
    assertThat(m("h\\*llo", "h*llo")).isTrue();
    assertThat(m("h\\*llo", "hello")).isFalse();
    assertThat(m("[\\]]", "]")).isTrue();
  }

  @Test
  void matches_emptyKeyAsRedisDoes() {
    // stringmatchlen never enters its loop for an empty string, so only an empty pattern matches
    assertThat(m("", "")).isTrue();
    assertThat(m("*", "")).isFalse();
  }

  @Test
  void literalPrefixAndSuffix() {
    Glob g = Glob.of("user:*:name");
    assertThat(new String(g.literalPrefix(), StandardCharsets.UTF_8)).isEqualTo("user:");
    assertThat(new String(g.literalSuffix(), StandardCharsets.UTF_8)).isEqualTo(":name");
    assertThat(Glob.of("a\\*b*c").literalSuffix()).isEmpty(); // escapes: no suffix is assumed
    assertThat(Glob.of("exact").isLiteral()).isTrue();
  }

  @Test
  void hostilePattern_boundedRecursion() {
    String key = "a".repeat(60);
    assertThat(m("*a*a*a*a*a*a*a*a*a*a*b", key)).isFalse();
  }

  @Test
  void oneStarAndLiteralPatterns_agreeWithTheGeneralMatcher() {
    // prefix*suffix and literals skip the matcher; "**" and "[c]" force it on equivalent patterns
    java.util.Random r = new java.util.Random(7);
    String alphabet = "ab:";
    for (int n = 0; n < 20_000; n++) {
      String prefix = random(r, alphabet, r.nextInt(3));
      String suffix = random(r, alphabet, r.nextInt(3));
      String key = random(r, alphabet, r.nextInt(6));
      assertThat(m(prefix + "*" + suffix, key)).as("%s*%s vs '%s'", prefix, suffix, key)
          .isEqualTo(m(prefix + "**" + suffix, key));
      String literal = prefix + suffix;
      if (!literal.isEmpty()) {
        String forced = literal.substring(0, literal.length() - 1) + "[" + literal.charAt(literal.length() - 1) + "]";
        assertThat(m(literal, key)).as("%s vs '%s'", literal, key).isEqualTo(m(forced, key));
      }
    }
  }

  private static String random(java.util.Random r, String alphabet, int length) {
    StringBuilder sb = new StringBuilder();
    for (int i = 0; i < length; i++) {
      sb.append(alphabet.charAt(r.nextInt(alphabet.length())));
    }
    return sb.toString();
  }
}
