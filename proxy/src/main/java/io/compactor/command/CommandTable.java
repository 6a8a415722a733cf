package io.compactor.command;

import io.compactor.resp.Command;
import java.nio.charset.StandardCharsets;
import java.util.Map;

/**
 * Classifies commands by name with a small open-addressing table keyed by a case-insensitive hash of
 * the name bytes, verified byte for byte; no string is built per command (like lettuce's pre-encoded
 * {@code CommandType.bytes}). Names not in the table are {@link CommandKind#PLAIN}.
 */
public final class CommandTable {
  private static final Map<String, CommandKind> KINDS = Map.ofEntries(
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
      // connection state
      Map.entry("AUTH", CommandKind.PIN),
      Map.entry("HELLO", CommandKind.PIN),
      Map.entry("SELECT", CommandKind.PIN),
      Map.entry("MULTI", CommandKind.PIN),
      Map.entry("WATCH", CommandKind.PIN),
      Map.entry("READONLY", CommandKind.PIN),
      Map.entry("READWRITE", CommandKind.PIN),
      Map.entry("ASKING", CommandKind.PIN),
      // blocking: would stall everyone sharing the connection
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
      // slow by design: keep them off connections other clients wait on
      Map.entry("DEBUG", CommandKind.PIN),
      // replication streams are not RESP
      Map.entry("SYNC", CommandKind.REFUSED),
      Map.entry("PSYNC", CommandKind.REFUSED));

  private static final int MASK = 127;
  private static final byte[][] NAMES = new byte[MASK + 1][];
  private static final CommandKind[] VALUES = new CommandKind[MASK + 1];

  static {
    for (Map.Entry<String, CommandKind> e : KINDS.entrySet()) {
      byte[] name = e.getKey().getBytes(StandardCharsets.US_ASCII);
      int i = Command.asciiHash(name) & MASK;
      while (NAMES[i] != null) {
        i = (i + 1) & MASK;
      }
      NAMES[i] = name;
      VALUES[i] = e.getValue();
    }
  }

  private static final byte[] SCRIPT = bytes("SCRIPT");
  private static final byte[] DEBUG = bytes("DEBUG");

  static final byte[] REPLY = bytes("REPLY");
  static final byte[] ON = bytes("ON");
  static final byte[] OFF = bytes("OFF");
  static final byte[] SKIP = bytes("SKIP");

  private CommandTable() {}

  /** The kind of {@code command}, from its name. */
  public static CommandKind kindOf(Command command) {
    int len = command.argLength(0);
    if (len < 4 || len > 12) {
      return CommandKind.PLAIN;
    }
    if (len == 6 && command.argEqualsIgnoreCase(0, SCRIPT)) {
      // SCRIPT DEBUG YES|SYNC turns on the Lua debugger for the connection's next EVAL
      return command.argc() >= 2 && command.argEqualsIgnoreCase(1, DEBUG) ? CommandKind.PIN : CommandKind.PLAIN;
    }
    int i = command.argHash(0) & MASK;
    for (byte[] name; (name = NAMES[i]) != null; i = (i + 1) & MASK) {
      if (command.argEqualsIgnoreCase(0, name)) {
        return VALUES[i];
      }
    }
    return CommandKind.PLAIN;
  }

  /** What a CLIENT command does to reply delivery. */
  public enum ReplyMode {
    /** Not a well-formed CLIENT REPLY: an ordinary command with one reply. */
    NONE,
    ON,
    OFF,
    SKIP
  }

  /** For a {@link CommandKind#CLIENT} command, which CLIENT REPLY mode it sets, if any. */
  public static ReplyMode replyModeOf(Command command) {
    if (command.argc() != 3 || !command.argEqualsIgnoreCase(1, REPLY)) {
      return ReplyMode.NONE;
    }
    if (command.argEqualsIgnoreCase(2, ON)) {
      return ReplyMode.ON;
    }
    if (command.argEqualsIgnoreCase(2, OFF)) {
      return ReplyMode.OFF;
    }
    if (command.argEqualsIgnoreCase(2, SKIP)) {
      return ReplyMode.SKIP;
    }
    return ReplyMode.NONE;
  }

  private static byte[] bytes(String s) {
    return s.getBytes(StandardCharsets.US_ASCII);
  }
}
