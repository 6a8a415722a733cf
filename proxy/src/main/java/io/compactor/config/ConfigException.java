package io.compactor.config;

/** A setting that is missing or malformed; the message names the setting and what was expected. */
public final class ConfigException extends RuntimeException {
  public ConfigException(String message) {
    super(message);
  }

  /** {@code setting: 'value' (expected: what)}. */
  static ConfigException invalid(String setting, Object value, String expected) {
    return new ConfigException(setting + ": '" + value + "' (expected: " + expected + ")");
  }
}
