package io.compactor.codec;

/** Where {@link ValueCodecs} finds a zstd dictionary it has not seen yet (Redis, a file, a test map). */
@FunctionalInterface
public interface DictionarySource {
  /** The dictionary's bytes, or null when there is none with this id. May block briefly. */
  byte[] load(int id);

  /** A source that knows no dictionary. */
  static DictionarySource none() {
    return id -> null;
  }
}
