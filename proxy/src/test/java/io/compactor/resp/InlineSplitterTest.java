package io.compactor.resp;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/** The cases follow Redis's {@code sdssplitargs}. */
class InlineSplitterTest {

  @Test
  void split_plainWords() {
    assertThat(split("SET key value")).containsExactly("SET", "key", "value");
  }

  @Test
  void split_singleWord() {
    assertThat(split("PING")).containsExactly("PING");
  }

  @Test
  void split_multipleSpacesAndTabs() {
    assertThat(split("  SET \t key\t\t  value   ")).containsExactly("SET", "key", "value");
  }

  @Test
  void split_leadingVerticalTabAndFormFeedAreBlanks() {
    // isspace() skips them between words...
    assertThat(split("\u000b\fGET k")).containsExactly("GET", "k");
  }

  @Test
  void split_verticalTabInsideAWordDoesNotSplitIt() {
    // ...but an unquoted word ends only at ' ', \n, \r, \t or NUL
    assertThat(split("a\u000bb c")).containsExactly("a\u000bb", "c");
  }

  @Test
  void split_carriageReturnAndNewlineSeparate() {
    assertThat(split("a\rb\nc")).containsExactly("a", "b", "c");
  }

  @Test
  void split_doubleQuotesKeepSpaces() {
    assertThat(split("SET \"a b\"  \"  c  \"")).containsExactly("SET", "a b", "  c  ");
  }

  @Test
  void split_doubleQuoteEscapes() {
    assertThat(split("\"\\n\\r\\t\\b\\a\\\\\\\"\""))
        .containsExactly("\n\r\t\b\u0007\\\"");
  }

  @Test
  void split_unknownEscapeIsTheCharacterItself() {
    assertThat(split("\"\\q\\'\"")).containsExactly("q'");
  }

  @Test
  void split_hexEscapes() {
    assertThat(splitBytes("\"\\x41\\x4a\\x4A\\x00\\xff\""))
        .isDeepEqualTo(new byte[][] {{'A', 'J', 'J', 0, (byte) 0xFF}});
  }

  @Test
  void split_incompleteHexEscapeIsLiteral() {
    // "\x4" and "\xZZ": not two hex digits, so "\x" is an ordinary escape of 'x'
    assertThat(split("\"\\x4\" \"\\xZZ\"")).containsExactly("x4", "xZZ");
  }

  @Test
  void split_escapesAreLiteralOutsideQuotes() {
    assertThat(split("a\\nb")).containsExactly("a\\nb");
  }

  @Test
  void split_singleQuotesAreLiteralExceptEscapedQuote() {
    assertThat(split("'it\\'s' 'a\\nb' '\"x\"'")).containsExactly("it's", "a\\nb", "\"x\"");
  }

  @Test
  void split_emptyQuotedArguments() {
    assertThat(split("SET \"\" ''")).containsExactly("SET", "", "");
  }

  @Test
  void split_quotesJoinAWordStartedUnquoted() {
    assertThat(split("foo\"bar baz\" x'y z'")).containsExactly("foobar baz", "xy z");
  }

  @Test
  void split_closingDoubleQuoteFollowedByTextIsAnError() {
    assertThat(InlineSplitter.split(bytes("\"a\"b"))).isNull();
  }

  @Test
  void split_closingSingleQuoteFollowedByTextIsAnError() {
    assertThat(InlineSplitter.split(bytes("'a'b"))).isNull();
    assertThat(InlineSplitter.split(bytes("'it''s'"))).isNull();
  }

  @Test
  void split_closingQuoteFollowedByBlankIsFine() {
    assertThat(split("\"a\"\tb")).containsExactly("a", "b");
    assertThat(split("'a'\u000bb")).containsExactly("a", "b");
  }

  @Test
  void split_unterminatedDoubleQuotesIsAnError() {
    assertThat(InlineSplitter.split(bytes("SET \"a b"))).isNull();
  }

  @Test
  void split_unterminatedSingleQuotesIsAnError() {
    assertThat(InlineSplitter.split(bytes("SET 'a b"))).isNull();
  }

  @Test
  void split_escapedClosingQuoteLeavesQuotesOpen() {
    assertThat(InlineSplitter.split(bytes("\"a\\\""))).isNull();
    assertThat(InlineSplitter.split(bytes("'a\\'"))).isNull();
  }

  @Test
  void split_trailingBackslashInQuotesIsUnterminated() {
    assertThat(InlineSplitter.split(bytes("\"a\\"))).isNull();
  }

  @Test
  void split_lineEndingInsideHexEscapeIsUnterminated() {
    assertThat(InlineSplitter.split(bytes("\"\\x4"))).isNull();
    assertThat(InlineSplitter.split(bytes("\"\\x41"))).isNull();
    assertThat(InlineSplitter.split(bytes("\"\\x"))).isNull();
  }

  @Test
  void split_nulByteEndsTheLine() {
    assertThat(split("GET a\0b c")).containsExactly("GET", "a");
  }

  @Test
  void split_nulByteInsideQuotesLeavesThemUnterminated() {
    assertThat(InlineSplitter.split(bytes("GET \"a\0b\""))).isNull();
  }

  @Test
  void split_emptyLineHasNoArguments() {
    assertThat(InlineSplitter.split(new byte[0])).isEmpty();
  }

  @Test
  void split_whitespaceOnlyLineHasNoArguments() {
    assertThat(InlineSplitter.split(bytes(" \t \r\n \u000b\f "))).isEmpty();
  }

  @Test
  void split_lineStartingWithNulHasNoArguments() {
    assertThat(InlineSplitter.split(bytes("\0PING"))).isEmpty();
  }

  @Test
  void split_nonAsciiBytesArePreserved() {
    byte[] line = {'S', 'E', 'T', ' ', (byte) 0xC3, (byte) 0xA9, ' ', '"', (byte) 0x80, '"'};

    assertThat(InlineSplitter.split(line))
        .isDeepEqualTo(new byte[][] {bytes("SET"), {(byte) 0xC3, (byte) 0xA9}, {(byte) 0x80}});
  }

  private static List<String> split(String line) {
    byte[][] args = InlineSplitter.split(bytes(line));
    assertThat(args).as("split(%s)", line).isNotNull();
    List<String> out = new ArrayList<>();
    for (byte[] a : args) {
      out.add(new String(a, StandardCharsets.ISO_8859_1));
    }
    return out;
  }

  private static byte[][] splitBytes(String line) {
    byte[][] args = InlineSplitter.split(bytes(line));
    assertThat(args).as("split(%s)", line).isNotNull();
    return args;
  }

  private static byte[] bytes(String s) {
    return s.getBytes(StandardCharsets.ISO_8859_1);
  }
}
