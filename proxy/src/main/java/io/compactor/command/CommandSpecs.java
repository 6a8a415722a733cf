package io.compactor.command;

import io.compactor.resp.Command;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.Locale;

/**
 * Arity and key positions of every command Redis 7.0 and Valkey 8 know ({@code commands.txt}, made from
 * their {@code COMMAND} replies by {@code proxy/tools/gen-commands.py}), so the proxy can find the keys a
 * command names without asking the server. Looked up by the name's bytes, case-insensitively, without
 * building a string. Immutable.
 */
public final class CommandSpecs {
  /**
   * What {@code COMMAND} says of one command.
   *
   * @param arity Redis's arity: exact argument count including the name when positive, minimum when negative
   * @param firstKey position of the first key (0: none)
   * @param lastKey position of the last key, negative counting from the end
   * @param step distance between keys
   * @param movableKeys whether the keys' positions depend on the arguments (EVAL, SORT, ZUNIONSTORE...)
   * @param hasSubcommands whether argument 1 names a subcommand with its own spec
   */
  public record Spec(String name, int arity, int firstKey, int lastKey, int step, boolean movableKeys,
      boolean hasSubcommands) {

    /** Whether {@code argc} arguments (the name included) satisfy the arity. */
    public boolean arityOk(int argc) {
      return arity >= 0 ? argc == arity : argc >= -arity;
    }
  }

  private static final int MASK = 1023;
  private static final byte[][] NAMES = new byte[MASK + 1][];
  private static final Spec[] SPECS = new Spec[MASK + 1];

  static {
    try (InputStream in = CommandSpecs.class.getResourceAsStream("commands.txt")) {
      if (in == null) {
        throw new IllegalStateException("commands.txt missing from the jar");
      }
      BufferedReader r = new BufferedReader(new InputStreamReader(in, StandardCharsets.US_ASCII));
      java.util.Set<String> containers = new java.util.HashSet<>();
      java.util.List<String[]> rows = new java.util.ArrayList<>();
      for (String line; (line = r.readLine()) != null; ) {
        if (line.isBlank() || line.startsWith("#")) {
          continue;
        }
        String[] f = line.trim().split(" ");
        rows.add(f);
        int bar = f[0].indexOf('|');
        if (bar > 0) {
          containers.add(f[0].substring(0, bar));
        }
      }
      for (String[] f : rows) {
        String name = f[0].toUpperCase(Locale.ROOT);
        Spec spec = new Spec(name, Integer.parseInt(f[1]), Integer.parseInt(f[2]), Integer.parseInt(f[3]),
            Integer.parseInt(f[4]), f[5].equals("1"), containers.contains(f[0]));
        byte[] key = name.getBytes(StandardCharsets.US_ASCII);
        int i = Command.asciiHash(key) & MASK;
        while (NAMES[i] != null) {
          i = (i + 1) & MASK;
        }
        NAMES[i] = key;
        SPECS[i] = spec;
      }
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  private CommandSpecs() {}

  /** The spec of {@code command} (its subcommand's when it has one), or null when unknown. */
  public static Spec of(Command command) {
    Spec spec = lookup(command);
    if (spec != null && spec.hasSubcommands() && command.argc() >= 2) {
      byte[] full = (spec.name() + "|" + command.argString(1).toUpperCase(Locale.ROOT))
          .getBytes(StandardCharsets.UTF_8);
      Spec sub = byName(full);
      return sub != null ? sub : spec;
    }
    return spec;
  }

  private static Spec lookup(Command command) {
    int i = command.argHash(0) & MASK;
    for (byte[] name; (name = NAMES[i]) != null; i = (i + 1) & MASK) {
      if (command.argEqualsIgnoreCase(0, name)) {
        return SPECS[i];
      }
    }
    return null;
  }

  static Spec byName(byte[] upper) {
    int i = Command.asciiHash(upper) & MASK;
    for (byte[] name; (name = NAMES[i]) != null; i = (i + 1) & MASK) {
      if (java.util.Arrays.equals(name, upper)) {
        return SPECS[i];
      }
    }
    return null;
  }

  /** The spec of a command by name, for tests and tools. */
  public static Spec byName(String name) {
    return byName(name.toUpperCase(Locale.ROOT).getBytes(StandardCharsets.UTF_8));
  }
}
