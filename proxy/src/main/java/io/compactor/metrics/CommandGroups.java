package io.compactor.metrics;

import io.compactor.resp.Command;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;

/**
 * A command's group as Redis's {@code COMMAND DOCS} names it ({@code string}, {@code hash}, {@code generic}…),
 * for counting commands by family: an open-addressing table keyed by the name's case-insensitive hash and
 * verified byte for byte, so no string is built per command. Names not in the table are {@code other}.
 * The table ({@code command-groups.txt}) was read off Redis 7.0.15 and Valkey 8.0.1.
 */
final class CommandGroups {
  private static final int MASK = 1023;
  private static final byte[][] NAMES = new byte[MASK + 1][];
  private static final int[] GROUPS = new int[MASK + 1];
  private static final List<String> GROUP_NAMES = new ArrayList<>();

  static {
    GROUP_NAMES.add("other");
    try (BufferedReader r = new BufferedReader(new InputStreamReader(
        CommandGroups.class.getResourceAsStream("command-groups.txt"), StandardCharsets.US_ASCII))) {
      for (String line; (line = r.readLine()) != null; ) {
        if (line.isBlank() || line.startsWith("#")) {
          continue;
        }
        String[] parts = line.trim().split(" ");
        int group = GROUP_NAMES.indexOf(parts[1]);
        if (group < 0) {
          group = GROUP_NAMES.size();
          GROUP_NAMES.add(parts[1]);
        }
        byte[] name = parts[0].getBytes(StandardCharsets.US_ASCII);
        int i = Command.asciiHash(name) & MASK;
        while (NAMES[i] != null) {
          i = (i + 1) & MASK;
        }
        NAMES[i] = name;
        GROUPS[i] = group;
      }
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  private CommandGroups() {}

  /** How many groups there are ({@code other} included). */
  static int count() {
    return GROUP_NAMES.size();
  }

  /** The name of group {@code i}. */
  static String name(int i) {
    return GROUP_NAMES.get(i);
  }

  /** The group of {@code c}'s command name; 0 ({@code other}) for names not in the table. */
  static int of(Command c) {
    if (c.argc() == 0) {
      return 0;
    }
    int i = c.argHash(0) & MASK;
    for (byte[] name; (name = NAMES[i]) != null; i = (i + 1) & MASK) {
      if (c.argEqualsIgnoreCase(0, name)) {
        return GROUPS[i];
      }
    }
    return 0;
  }
}
