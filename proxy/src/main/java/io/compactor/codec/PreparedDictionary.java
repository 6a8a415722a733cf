package io.compactor.codec;

import com.github.luben.zstd.ZstdDictCompress;
import com.github.luben.zstd.ZstdDictDecompress;
import java.util.concurrent.ConcurrentHashMap;

/**
 * A trained dictionary ready for use, in the form its codec needs, each built on first use: for zstd, a
 * decompression form and a compression form per level; for fsst, the parsed {@link SymbolTable}; for json, the parsed {@link JsonModel}. The
 * envelope's codec says which form a value needs; bytes that are not a usable form of that kind fail
 * that value with a {@link CodecException}. Thread-safe. Native memory is released by the zstd-jni
 * finalizers once nothing refers to it (a cache eviction never frees a dictionary still in use).
 */
final class PreparedDictionary {
  private final int id;
  private final byte[] bytes;
  private volatile Object decompress; // ZstdDictDecompress or CodecException
  private volatile Object symbols; // SymbolTable or CodecException
  private volatile Object model; // JsonModel or CodecException
  private final ConcurrentHashMap<Integer, ZstdDictCompress> compressByLevel = new ConcurrentHashMap<>(2);

  private PreparedDictionary(int id, byte[] bytes) {
    this.id = id;
    this.bytes = bytes;
  }

  /** Prepares {@code bytes} (a trained zstd dictionary, raw content, a symbol table or a json model) as dictionary {@code id}. */
  static PreparedDictionary of(int id, byte[] bytes) throws CodecException {
    if (bytes.length == 0) {
      throw new CodecException("dictionary " + id + " is empty");
    }
    PreparedDictionary d = new PreparedDictionary(id, bytes);
    if (SymbolTable.looksLikeTable(bytes)) {
      d.symbols(); // check it now: a table that does not parse fails its values with this message
    } else if (JsonModel.looksLikeModel(bytes)) {
      d.model();
    } else {
      d.decompress();
    }
    return d;
  }

  int id() {
    return id;
  }

  int size() {
    return bytes.length;
  }

  /** The zstd decompression form. */
  ZstdDictDecompress decompress() throws CodecException {
    Object v = decompress;
    if (v == null) {
      try {
        v = new ZstdDictDecompress(bytes);
      } catch (RuntimeException | Error e) {
        v = new CodecException("dictionary " + id + " of " + bytes.length + " bytes is not usable by zstd: " + e, e);
      }
      decompress = v;
    }
    if (v instanceof CodecException e) {
      throw new CodecException(e.getMessage(), e);
    }
    return (ZstdDictDecompress) v;
  }

  /** The symbol table (fsst). */
  SymbolTable symbols() throws CodecException {
    Object v = symbols;
    if (v == null) {
      symbols = v = parsed(SymbolTable::parse, "a symbol table");
    }
    return (SymbolTable) unwrap(v);
  }

  /** The json model. */
  JsonModel model() throws CodecException {
    Object v = model;
    if (v == null) {
      model = v = parsed(JsonModel::parse, "a json model");
    }
    return (JsonModel) unwrap(v);
  }

  private interface Parser {
    Object parse(byte[] bytes) throws CodecException;
  }

  /** The form {@code parser} makes of the bytes, or the CodecException saying why there is none. */
  private Object parsed(Parser parser, String what) {
    try {
      return parser.parse(bytes);
    } catch (CodecException | RuntimeException e) {
      return new CodecException("dictionary " + id + " of " + bytes.length + " bytes is not " + what + ": "
          + e.getMessage(), e);
    }
  }

  /** A parsed form, or (a fresh copy of) the exception kept in its place. */
  private static Object unwrap(Object v) throws CodecException {
    if (v instanceof CodecException e) {
      throw new CodecException(e.getMessage(), e);
    }
    return v;
  }

  /** The zstd compression form at {@code level}. */
  ZstdDictCompress compress(int level) {
    ZstdDictCompress d = compressByLevel.get(level);
    if (d == null) {
      d = compressByLevel.computeIfAbsent(level, l -> new ZstdDictCompress(bytes, l));
    }
    return d;
  }
}
