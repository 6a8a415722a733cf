package io.compactor.codec;

import com.github.benmanes.caffeine.cache.stats.CacheStats;
import com.github.luben.zstd.Zstd;
import com.github.luben.zstd.ZstdDictDecompress;
import java.util.Arrays;
import net.jpountz.lz4.LZ4Compressor;
import net.jpountz.lz4.LZ4Factory;
import net.jpountz.lz4.LZ4SafeDecompressor;

/**
 * Reads stored values back into the client's bytes and makes the {@link Encoder}s that write them.
 * One per proxy; thread-safe.
 *
 * <p>A stored value that does not start with the envelope's magic byte {@code 0xFC} (or is shorter
 * than 2 bytes) is plain: data written before the proxy, or by a tool bypassing it, reads back as is.
 * Anything that does start like an envelope is decoded strictly: a malformed one is a
 * {@link CodecException}, never a wrong value, an oversized allocation or another exception.
 *
 * <p>Dictionaries come from the {@link DictionarySource} on first use and are kept prepared in a cache
 * bounded by the sum of their sizes (64 MB); an id the source does not know is asked for again after
 * about a second.
 */
public final class ValueCodecs {
  private static final LZ4Factory LZ4_FACTORY = LZ4Factory.fastestInstance();

  private final Dictionaries dictionaries;
  private final long maxDecodedBytes;
  private final LZ4Compressor lz4 = LZ4_FACTORY.fastCompressor();
  private final LZ4SafeDecompressor lz4Safe = LZ4_FACTORY.safeDecompressor();

  /**
   * @param source where dictionaries not yet seen are loaded from
   * @param maxDecodedBytes the largest value a stored envelope may decode to (max-decompressed-size)
   */
  public ValueCodecs(DictionarySource source, long maxDecodedBytes) {
    if (source == null) {
      throw new IllegalArgumentException("source: null (expected: a DictionarySource)");
    }
    if (maxDecodedBytes <= 0) {
      throw new IllegalArgumentException("maxDecodedBytes: " + maxDecodedBytes + " (expected: > 0)");
    }
    this.dictionaries = new Dictionaries(source);
    this.maxDecodedBytes = maxDecodedBytes;
  }

  /** Whether {@code stored} starts like an envelope: at least 2 bytes, the first {@code 0xFC}. */
  public static boolean isEnvelope(byte[] stored) {
    return stored.length >= 2 && stored[0] == Envelope.MAGIC;
  }

  /**
   * What an envelope's header says, read from its first bytes (16 are always enough): codec name,
   * dictionary id (0 for none) and decoded length in bytes; null when {@code head} does not start with a
   * valid envelope header (a value stored as the client wrote it).
   */
  public static EnvelopeInfo inspect(byte[] head) {
    if (!isEnvelope(head)) {
      return null;
    }
    try {
      Envelope.Header h = Envelope.parse(head, Integer.MAX_VALUE);
      return new EnvelopeInfo(Envelope.codecName(h.codec()), h.dictId(), h.length());
    } catch (CodecException e) {
      return null;
    }
  }

  /** See {@link #inspect}. */
  public record EnvelopeInfo(String codec, int dictId, int decodedLength) {}

  /** The largest decoded length accepted, in bytes. */
  public long maxDecodedBytes() {
    return maxDecodedBytes;
  }

  /**
   * The client's bytes for a stored value: {@code stored} itself (not a copy) when it is plain, else
   * the decoded envelope (a new array).
   *
   * @throws CodecException when {@code stored} starts like an envelope but is malformed, needs an
   *     unknown dictionary or would decode to more than {@link #maxDecodedBytes()}
   */
  public byte[] decode(byte[] stored) throws CodecException {
    if (!isEnvelope(stored)) {
      return stored;
    }
    Envelope.Header h = Envelope.parse(stored, maxDecodedBytes);
    int off = h.payloadOffset();
    int payload = stored.length - off;
    int len = h.length();
    int codec = h.codec();
    if (codec == Envelope.RAW) {
      checkRaw(stored, payload, len);
      return Arrays.copyOfRange(stored, off, stored.length);
    }
    long most = mostDecodable(codec, payload);
    if (len > most) {
      throw new CodecException("stored value of " + stored.length + " bytes (" + Envelope.codecName(codec)
          + ") cannot decode to the declared " + len + " bytes (at most " + most + " from its " + payload
          + "-byte payload)");
    }
    PreparedDictionary dict = Envelope.usesDictionary(codec) ? dictionaries.require(h.dictId()) : null;
    try {
      switch (codec) {
        case Envelope.MSGPACK: {
          byte[] out = new byte[len];
          MsgpackJson.unpack(stored, off, stored.length, out);
          return out;
        }
        case Envelope.JSON: {
          byte[] out = new byte[len];
          dict.model().decode(stored, off, stored.length, out);
          return out;
        }
        case Envelope.FSST: {
          byte[] out = new byte[len];
          checkLength(stored, codec, dict.symbols().decode(stored, off, payload, out, 0, len), len);
          return out;
        }
        case Envelope.LZ4: {
          byte[] out = new byte[len];
          checkLength(stored, codec, lz4Safe.decompress(stored, off, payload, out, 0, len), len);
          return out;
        }
        case Envelope.ZSTD:
        case Envelope.ZSTD_DICT: {
          byte[] out = new byte[len];
          ZstdDictDecompress d = dict == null ? null : dict.decompress();
          checkLength(stored, codec, ZstdContexts.get().decompress(stored, off, payload, out, len, d), len);
          return out;
        }
        default: {
          // MSGPACK_ZSTD_DICT: the encoder only writes msgpack no longer than the JSON, so the
          // declared length bounds the intermediate msgpack too.
          ZstdContexts ctx = ZstdContexts.get();
          byte[] packed = ctx.scratch(len);
          int n = ctx.decompress(stored, off, payload, packed, len, dict.decompress());
          byte[] out = new byte[len];
          MsgpackJson.unpack(packed, 0, n, out);
          return out;
        }
      }
    } catch (CodecException e) {
      throw new CodecException("stored value of " + stored.length + " bytes (" + describe(h)
          + ") does not decode: " + e.getMessage(), e);
    } catch (RuntimeException | Error e) {
      throw new CodecException("stored value of " + stored.length + " bytes (" + describe(h)
          + ") does not decode to the declared " + len + " bytes: " + e, e);
    }
  }

  private static String describe(Envelope.Header h) {
    String name = Envelope.codecName(h.codec());
    return Envelope.usesDictionary(h.codec()) ? name + " with dictionary " + h.dictId() : name;
  }

  /**
   * The length of the client's value, from the header alone: {@code stored.length} when plain. Checks
   * the header (version, codec, varints, the size limit) but not the payload or the dictionary.
   */
  public int decodedLength(byte[] stored) throws CodecException {
    if (!isEnvelope(stored)) {
      return stored.length;
    }
    Envelope.Header h = Envelope.parse(stored, maxDecodedBytes);
    if (h.codec() == Envelope.RAW) {
      checkRaw(stored, stored.length - h.payloadOffset(), h.length());
    }
    return h.length();
  }

  /**
   * The most a payload of {@code payload} bytes can decode to with {@code codec}, so that a short
   * value declaring a huge length fails before anything is allocated: an lz4 sequence yields at most
   * 255 bytes per byte, a zstd block at most 128 KB per 4 bytes (an RLE block), a msgpack byte at
   * most 6 bytes of JSON ({@code false,} or an escaped control character) plus a closing bracket, an
   * fsst code at most 8 bytes, a json payload its model shape and at most 26 bytes per byte (a
   * one-byte millisecond time).
   */
  private static long mostDecodable(int codec, int payload) {
    long zstd = 32_768L * payload + 64;
    switch (codec) {
      case Envelope.LZ4:
        return 256L * payload + 64;
      case Envelope.ZSTD:
      case Envelope.ZSTD_DICT:
        return zstd;
      case Envelope.MSGPACK:
        return 7L * payload + 16;
      case Envelope.FSST:
        return (long) SymbolTable.MAX_SYMBOL_LENGTH * payload;
      case Envelope.JSON:
        return JsonModel.MAX_SHAPE_BYTES + (long) JsonModel.MAX_EXPANSION * payload;
      default:
        return 7L * zstd + 16;
    }
  }

  private static void checkRaw(byte[] stored, int payload, int len) throws CodecException {
    if (payload != len) {
      throw new CodecException("stored value of " + stored.length + " bytes (raw) has a payload of " + payload
          + " bytes, not the declared " + len);
    }
  }

  private static void checkLength(byte[] stored, int codec, int actual, int len) throws CodecException {
    if (actual != len) {
      throw new CodecException("stored value of " + stored.length + " bytes (" + Envelope.codecName(codec)
          + ") decodes to " + actual + " bytes, not the declared " + len);
    }
  }

  /**
   * An encoder for one rule.
   *
   * @param kind any kind but {@link CodecKind#AUTO}
   * @param zstdLevel the zstd compression level (ignored by lz4 and msgpack)
   * @param minSize values shorter than this are stored as they are (unless they start like an envelope)
   * @param dictId the dictionary for the dictionary kinds, 0 when there is none yet (they then compress
   *     without one); ignored by the other kinds
   */
  public Encoder encoder(CodecKind kind, int zstdLevel, int minSize, int dictId) {
    if (kind == null || kind == CodecKind.AUTO) {
      throw new IllegalArgumentException("kind: " + kind
          + " (expected: lz4, zstd, zstd-dict, msgpack, msgpack+zstd-dict, fsst or json; resolve auto with AutoSelector)");
    }
    if (zstdLevel < Zstd.minCompressionLevel() || zstdLevel > Zstd.maxCompressionLevel()) {
      throw new IllegalArgumentException("zstdLevel: " + zstdLevel + " (expected: " + Zstd.minCompressionLevel()
          + ".." + Zstd.maxCompressionLevel() + ")");
    }
    if (minSize < 0) {
      throw new IllegalArgumentException("minSize: " + minSize + " (expected: >= 0)");
    }
    if (dictId < 0) {
      throw new IllegalArgumentException("dictId: " + dictId + " (expected: >= 0)");
    }
    return new Encoder(this, kind, zstdLevel, minSize, kind.usesDictionary() ? dictId : 0);
  }

  /** Makes dictionary {@code id} available at once (one the proxy just trained or loaded). */
  public void putDictionary(int id, byte[] bytes) {
    if (id < 1) {
      throw new IllegalArgumentException("id: " + id + " (expected: 1.." + Integer.MAX_VALUE + ")");
    }
    dictionaries.put(id, bytes);
  }

  /** Hits, misses and loads of the dictionary cache (for metrics). */
  public CacheStats dictionaryCacheStats() {
    return dictionaries.stats();
  }

  Dictionaries dictionaries() {
    return dictionaries;
  }

  LZ4Compressor lz4() {
    return lz4;
  }
}
