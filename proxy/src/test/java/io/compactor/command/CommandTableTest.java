package io.compactor.command;

import static org.assertj.core.api.Assertions.assertThat;

import io.compactor.command.CommandTable.ReplyMode;
import io.compactor.resp.Command;
import io.netty.buffer.UnpooledByteBufAllocator;
import java.util.Locale;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;

class CommandTableTest {
  /** Every name in the table with its kind. */
  private static final Map<String, CommandKind> TABLE = Map.ofEntries(
      Map.entry("QUIT", CommandKind.QUIT),
      Map.entry("RESET", CommandKind.RESET),
      Map.entry("CLIENT", CommandKind.CLIENT),
      Map.entry("MONITOR", CommandKind.STREAM),
      Map.entry("SUBSCRIBE", CommandKind.STREAM),
      Map.entry("PSUBSCRIBE", CommandKind.STREAM),
      Map.entry("SSUBSCRIBE", CommandKind.STREAM),
      Map.entry("UNSUBSCRIBE", CommandKind.STREAM),
      Map.entry("PUNSUBSCRIBE", CommandKind.STREAM),
      Map.entry("SUNSUBSCRIBE", CommandKind.STREAM),
      Map.entry("AUTH", CommandKind.PIN),
      Map.entry("HELLO", CommandKind.PIN),
      Map.entry("SELECT", CommandKind.PIN),
      Map.entry("MULTI", CommandKind.PIN),
      Map.entry("WATCH", CommandKind.PIN),
      Map.entry("READONLY", CommandKind.PIN),
      Map.entry("READWRITE", CommandKind.PIN),
      Map.entry("ASKING", CommandKind.PIN),
      Map.entry("BLPOP", CommandKind.PIN),
      Map.entry("BRPOP", CommandKind.PIN),
      Map.entry("BRPOPLPUSH", CommandKind.PIN),
      Map.entry("BLMOVE", CommandKind.PIN),
      Map.entry("BLMPOP", CommandKind.PIN),
      Map.entry("BZPOPMIN", CommandKind.PIN),
      Map.entry("BZPOPMAX", CommandKind.PIN),
      Map.entry("BZMPOP", CommandKind.PIN),
      Map.entry("XREAD", CommandKind.PIN),
      Map.entry("XREADGROUP", CommandKind.PIN),
      Map.entry("WAIT", CommandKind.PIN),
      Map.entry("WAITAOF", CommandKind.PIN),
      Map.entry("DEBUG", CommandKind.PIN),
      Map.entry("SYNC", CommandKind.REFUSED),
      Map.entry("PSYNC", CommandKind.REFUSED));

  @Test
  void kindOf_everyTableNameInUpperCase() {
    TABLE.forEach((name, kind) -> assertThat(kindOf(name)).as(name).isEqualTo(kind));
  }

  @Test
  void kindOf_everyTableNameInLowerCase() {
    TABLE.forEach((name, kind) ->
        assertThat(kindOf(name.toLowerCase(Locale.ROOT))).as(name).isEqualTo(kind));
  }

  @Test
  void kindOf_everyTableNameInMixedCase() {
    TABLE.forEach((name, kind) -> {
      assertThat(kindOf(alternateCase(name, true))).as(name).isEqualTo(kind);
      assertThat(kindOf(alternateCase(name, false))).as(name).isEqualTo(kind);
    });
  }

  @Test
  void kindOf_scriptDebugPinsOtherScriptSubcommandsDoNot() {
    assertThat(kindOf("SCRIPT", "DEBUG", "YES")).isEqualTo(CommandKind.PIN);
    assertThat(kindOf("script", "debug", "sync")).isEqualTo(CommandKind.PIN);
    assertThat(kindOf("SCRIPT", "LOAD", "return 1")).isEqualTo(CommandKind.PLAIN);
    assertThat(kindOf("SCRIPT", "FLUSH")).isEqualTo(CommandKind.PLAIN);
    assertThat(kindOf("SCRIPT")).isEqualTo(CommandKind.PLAIN);
  }

  @Test
  void kindOf_withArguments() {
    assertThat(kindOf("select", "1")).isEqualTo(CommandKind.PIN);
    assertThat(kindOf("Subscribe", "a", "b")).isEqualTo(CommandKind.STREAM);
    assertThat(kindOf("client", "reply", "off")).isEqualTo(CommandKind.CLIENT);
  }

  @ParameterizedTest
  @ValueSource(strings = {
      "GET", "SET", "DEL", "PING", "ECHO", "INCR", "EXEC", "DISCARD", "UNWATCH", "EVAL", "PUBLISH",
      "LPOP", "XADD", "XRANGE", "SCAN", "INFO", "CONFIG", "COMMAND", "FLUSHALL", "SCRIPT"})
  void kindOf_commonCommandsArePlain(String name) {
    assertThat(kindOf(name)).isEqualTo(CommandKind.PLAIN);
  }

  @ParameterizedTest
  @ValueSource(strings = {
      // near misses of table names
      "QUITS", "QUI", "AUTHX", "XAUTH", "SUBSCRIBES", "PSUBSCRIB", "BLPOPX", "WAITAO", "SYNCS", "PSYN",
      "CLIENTS", "MONITOR_", "RESET1", "HELL0", "SELECT ", "AUTH\u0000", "QU\u00c9T", "M\u00d6NITOR"})
  void kindOf_unknownNamesArePlain(String name) {
    assertThat(kindOf(name)).isEqualTo(CommandKind.PLAIN);
  }

  @ParameterizedTest
  @ValueSource(strings = {"", "A", "AB", "GET", "SUNSUBSCRIBES", "XXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXX"})
  void kindOf_namesOutsideTheTableLengthsArePlain(String name) {
    assertThat(kindOf(name)).isEqualTo(CommandKind.PLAIN);
  }

  @Test
  void kindOf_nameWithTableNameAsPrefixOrSuffixIsPlain() {
    for (String name : TABLE.keySet()) {
      assertThat(kindOf(name + "X")).as(name + "X").isEqualTo(CommandKind.PLAIN);
      assertThat(kindOf("X" + name)).as("X" + name).isEqualTo(CommandKind.PLAIN);
    }
  }

  @Test
  void kindOf_everyFourLetterNameOverTheTableLetters() {
    // exhaustive over the letters of the 4-letter table names (11^4 names, most of them colliding with a
    // table slot): only table names are classified, whatever their hashes collide with
    String letters = "ACHINQSTUWY";
    Map<String, CommandKind> classified = new java.util.TreeMap<>();
    char[] name = new char[4];
    int count = letters.length() * letters.length() * letters.length() * letters.length();
    for (int i = 0; i < count; i++) {
      int n = i;
      for (int j = 3; j >= 0; j--) {
        name[j] = letters.charAt(n % letters.length());
        n /= letters.length();
      }
      String s = new String(name);
      CommandKind kind = kindOf(s);
      if (kind != CommandKind.PLAIN) {
        classified.put(s, kind);
      }
    }

    assertThat(classified).containsExactlyInAnyOrderEntriesOf(Map.of(
        "QUIT", CommandKind.QUIT,
        "AUTH", CommandKind.PIN,
        "WAIT", CommandKind.PIN,
        "SYNC", CommandKind.REFUSED));
  }

  @ParameterizedTest
  @CsvSource({
      "CLIENT REPLY ON, ON",
      "CLIENT REPLY OFF, OFF",
      "CLIENT REPLY SKIP, SKIP",
      "client reply on, ON",
      "Client Reply Off, OFF",
      "cLiEnT rEpLy sKiP, SKIP"})
  void replyModeOf_clientReply(String line, ReplyMode expected) {
    assertThat(replyModeOf(line.split(" "))).isEqualTo(expected);
  }

  @ParameterizedTest
  @ValueSource(strings = {
      "CLIENT REPLY BAD",
      "CLIENT REPLY ONN",
      "CLIENT REPLY O",
      "CLIENT REPLY SKIPS",
      "CLIENT REPLY",
      "CLIENT REPLY ON EXTRA",
      "CLIENT REPLIES ON",
      "CLIENT SETNAME ON",
      "CLIENT ID",
      "CLIENT"})
  void replyModeOf_notAClientReplyModeIsNone(String line) {
    assertThat(replyModeOf(line.split(" "))).isEqualTo(ReplyMode.NONE);
  }

  private static CommandKind kindOf(String... args) {
    Command command = Command.of(UnpooledByteBufAllocator.DEFAULT, args);
    try {
      return CommandTable.kindOf(command);
    } finally {
      command.release();
    }
  }

  private static ReplyMode replyModeOf(String... args) {
    Command command = Command.of(UnpooledByteBufAllocator.DEFAULT, args);
    try {
      return CommandTable.replyModeOf(command);
    } finally {
      command.release();
    }
  }

  private static String alternateCase(String name, boolean upperFirst) {
    StringBuilder sb = new StringBuilder(name.length());
    for (int i = 0; i < name.length(); i++) {
      char c = name.charAt(i);
      boolean upper = (i % 2 == 0) == upperFirst;
      sb.append(upper ? Character.toUpperCase(c) : Character.toLowerCase(c));
    }
    return sb.toString();
  }
}
