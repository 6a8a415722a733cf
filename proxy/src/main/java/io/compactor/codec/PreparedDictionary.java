package io.compactor.codec;

import com.github.luben.zstd.ZstdDictCompress;
import com.github.luben.zstd.ZstdDictDecompress;
import java.util.concurrent.ConcurrentHashMap;

/**
 * A zstd dictionary ready for use: the decompression form, built once, and a compression form per
 * compression level, built on first use. Thread-safe. Native memory is released by the zstd-jni
 * finalizers once nothing refers to it (a cache eviction never frees a dictionary still in use).
 */
final class PreparedDictionary {
  private final int id;
  private final byte[] bytes;
  private final ZstdDictDecompress decompress;
  private final ConcurrentHashMap<Integer, ZstdDictCompress> compressByLevel = new ConcurrentHashMap<>(2);

  private PreparedDictionary(int id, byte[] bytes, ZstdDictDecompress decompress) {
    this.id = id;
    this.bytes = bytes;
    this.decompress = decompress;
  }

  /** Prepares {@code bytes} (a trained dictionary or raw content) as dictionary {@code id}. */
  static PreparedDictionary of(int id, byte[] bytes) throws CodecException {
    if (bytes.length == 0) {
      throw new CodecException("dictionary " + id + " is empty");
    }
    try {
      return new PreparedDictionary(id, bytes, new ZstdDictDecompress(bytes));
    } catch (RuntimeException | Error e) {
      throw new CodecException("dictionary " + id + " of " + bytes.length + " bytes is not usable: " + e, e);
    }
  }

  int id() {
    return id;
  }

  int size() {
    return bytes.length;
  }

  ZstdDictDecompress decompress() {
    return decompress;
  }

  /** The compression form at {@code level}. */
  ZstdDictCompress compress(int level) {
    ZstdDictCompress d = compressByLevel.get(level);
    if (d == null) {
      d = compressByLevel.computeIfAbsent(level, l -> new ZstdDictCompress(bytes, l));
    }
    return d;
  }
}
