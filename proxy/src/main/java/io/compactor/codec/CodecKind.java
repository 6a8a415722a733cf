package io.compactor.codec;

import java.util.Locale;
import java.util.StringJoiner;

/** A compression rule's codec, as named in the config ({@code codec: zstd-dict}). */
public enum CodecKind {
  LZ4("lz4"),
  ZSTD("zstd"),
  ZSTD_DICT("zstd-dict"),
  MSGPACK("msgpack"),
  MSGPACK_ZSTD_DICT("msgpack+zstd-dict"),
  /** Short strings coded with a trained symbol table ({@link SymbolTable}). */
  FSST("fsst"),
  /** Compact JSON as a shape and typed values, with a trained {@link JsonModel}. */
  JSON("json"),
  /** Let {@link AutoSelector} pick one of the others from sampled values. */
  AUTO("auto");

  private final String configName;

  CodecKind(String configName) {
    this.configName = configName;
  }

  /** The name used in config files. */
  public String configName() {
    return configName;
  }

  /**
   * Whether values of this kind are compressed with something trained on sampled values and stored
   * under a dictionary id: a zstd dictionary, for {@link #FSST} a symbol table, for {@link #JSON} a {@link JsonModel}.
   */
  public boolean usesDictionary() {
    return this == ZSTD_DICT || this == MSGPACK_ZSTD_DICT || this == FSST || this == JSON;
  }

  /** Whether this kind stores JSON values as msgpack when it can. */
  public boolean usesMsgpack() {
    return this == MSGPACK || this == MSGPACK_ZSTD_DICT;
  }

  /**
   * The kind whose {@link #configName()} is {@code s} (ignoring case and surrounding spaces).
   *
   * @throws IllegalArgumentException naming the expected values
   */
  public static CodecKind parse(String s) {
    if (s != null) {
      String wanted = s.trim().toLowerCase(Locale.ROOT);
      for (CodecKind k : values()) {
        if (k.configName.equals(wanted)) {
          return k;
        }
      }
    }
    StringJoiner expected = new StringJoiner(", ");
    for (CodecKind k : values()) {
      expected.add(k.configName);
    }
    throw new IllegalArgumentException("codec: '" + s + "' (expected: one of " + expected + ")");
  }
}
