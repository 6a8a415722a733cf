package io.compactor.compaction;

import io.compactor.config.RuleConfig;
import io.compactor.resp.Command;
import java.util.List;

/**
 * The configured rules in order, matched against keys: the first rule whose pattern matches a key owns it,
 * whatever its strategy. Each compactor asks who owns a key and handles only the keys its own rules own.
 * Literal prefixes are compared in place before a key is copied. Immutable; thread-safe.
 */
public final class KeyRules {
  private final RuleConfig[] configs;
  private final Glob[] globs;
  private final byte[][] prefixes;

  public KeyRules(List<RuleConfig> rules) {
    configs = rules.toArray(new RuleConfig[0]);
    globs = new Glob[configs.length];
    prefixes = new byte[configs.length][];
    for (int i = 0; i < configs.length; i++) {
      globs[i] = Glob.of(configs[i].pattern());
      prefixes[i] = globs[i].literalPrefix();
    }
  }

  public int size() {
    return configs.length;
  }

  public RuleConfig config(int index) {
    return configs[index];
  }

  /** The index of the rule owning {@code key}, or -1. */
  public int owner(byte[] key) {
    for (int i = 0; i < globs.length; i++) {
      if (globs[i].matches(key)) {
        return i;
      }
    }
    return -1;
  }

  /** The index of the rule owning argument {@code arg} of {@code c}, or -1. */
  public int owner(Command c, int arg) {
    byte[] key = null;
    int len = c.argLength(arg);
    for (int i = 0; i < globs.length; i++) {
      byte[] prefix = prefixes[i];
      if (len < prefix.length) {
        continue;
      }
      boolean ok = true;
      for (int j = 0; j < prefix.length; j++) {
        if (c.argByte(arg, j) != prefix[j]) {
          ok = false;
          break;
        }
      }
      if (!ok) {
        continue;
      }
      if (key == null) {
        key = c.arg(arg);
      }
      if (globs[i].matches(key)) {
        return i;
      }
    }
    return -1;
  }
}
