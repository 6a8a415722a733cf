package io.compactor.codec;

import com.github.luben.zstd.Zstd;
import java.util.Arrays;

/**
 * Turns a client's value into what to store for one rule: the value itself, or the smallest envelope
 * this encoder's kind allows. Thread-safe (zstd contexts are per thread); made by
 * {@link ValueCodecs#encoder}.
 *
 * <p>Per kind, the envelopes tried are: lz4; zstd; zstd-dict (zstd while the dictionary is not known);
 * msgpack when the value is packable JSON; for msgpack+zstd-dict, msgpack and msgpack compressed with the
 * dictionary when packable (msgpack and zstd without a dictionary), zstd-dict when not; fsst (nothing
 * while the symbol table is not known, nor for canonical decimal integers); json (a shape and typed
 * values with the model, for compact JSON; plain zstd for anything else and while there is no model). A compression
 * failure inside a library is treated as "no smaller envelope".
 */
public final class Encoder {
  private final ValueCodecs codecs;
  private final CodecKind kind;
  private final int level;
  private final int minSize;
  private final int dictId;
  private volatile PreparedDictionary dictionary;

  Encoder(ValueCodecs codecs, CodecKind kind, int level, int minSize, int dictId) {
    this.codecs = codecs;
    this.kind = kind;
    this.level = level;
    this.minSize = minSize;
    this.dictId = dictId;
  }

  public CodecKind kind() {
    return kind;
  }

  /** The dictionary this encoder compresses with, 0 for none. */
  public int dictId() {
    return dictId;
  }

  public int zstdLevel() {
    return level;
  }

  public int minSize() {
    return minSize;
  }

  /**
   * What to store for {@code value}: {@code value} itself (not a copy) when it does not start like an
   * envelope and is shorter than {@code minSize} or no envelope is strictly smaller; otherwise the
   * smallest envelope allowed. A value that starts like an envelope and does not compress is stored
   * as a raw envelope, so it reads back unchanged.
   */
  public byte[] encode(byte[] value) {
    int n = value.length;
    boolean escape = ValueCodecs.isEnvelope(value);
    if (n < minSize) {
      return escape ? raw(value) : value;
    }
    // an envelope must be strictly smaller than what would be stored without it
    int limit = escape ? Envelope.headerSize(Envelope.RAW, 0, n) + n : n;
    byte[] best;
    switch (kind) {
      case LZ4:
        best = lz4(value, limit);
        break;
      case ZSTD:
        best = zstd(value, null, limit);
        break;
      case ZSTD_DICT:
        best = zstd(value, dictionary(), limit);
        break;
      case MSGPACK: {
        byte[] packed = MsgpackJson.pack(value);
        best = packed == null ? null : msgpack(packed, n, limit);
        break;
      }
      case FSST:
        best = fsst(value, limit);
        break;
      case JSON:
        best = json(value, limit);
        break;
      default:
        best = msgpackZstd(value, limit);
        break;
    }
    if (best != null) {
      return best;
    }
    return escape ? raw(value) : value;
  }

  /**
   * Whether {@link #encodeBuffer} takes this encoder's values: lz4 and zstd without a dictionary, which
   * compress straight from a request's buffer.
   */
  public boolean takesBuffers() {
    return kind == CodecKind.LZ4 || kind == CodecKind.ZSTD;
  }

  /**
   * Like {@link #encode} for the remaining bytes of {@code value} (a direct buffer, not changed), for an
   * encoder that {@link #takesBuffers()}, a value of at least {@link #minSize()} bytes that does not start
   * like an envelope: the envelope when strictly smaller, else null (store the value as it is).
   */
  public byte[] encodeBuffer(java.nio.ByteBuffer value) {
    int n = value.remaining();
    if (!value.isDirect() || n < Math.max(minSize, 2) || value.get(value.position()) == Envelope.MAGIC || !takesBuffers()) {
      throw new IllegalArgumentException("encodeBuffer: a direct buffer of " + n + " bytes, " + kind.configName()
          + " (expected: at least min-size " + minSize + ", not starting with 0xFC, lz4 or zstd)");
    }
    int codec = kind == CodecKind.LZ4 ? Envelope.LZ4 : Envelope.ZSTD;
    int header = Envelope.headerSize(codec, 0, n);
    try {
      ZstdContexts ctx = ZstdContexts.get();
      if (codec == Envelope.LZ4) {
        int bound = codecs.lz4().maxCompressedLength(n);
        byte[] buf = ctx.scratch(header + bound);
        int c = codecs.lz4().compress(value, value.position(), n, java.nio.ByteBuffer.wrap(buf), header, bound);
        return finish(buf, codec, 0, n, header + c, n);
      }
      long bound = Zstd.compressBound(n);
      if (header + bound > Envelope.MAX_ARRAY) {
        return null;
      }
      byte[] buf = ctx.scratch(header + (int) bound);
      int c = ctx.compressDirect(value, buf, header, level);
      return finish(buf, codec, 0, n, header + c, n);
    } catch (RuntimeException e) {
      return null;
    }
  }

  private byte[] msgpackZstd(byte[] value, int limit) {
    PreparedDictionary d = dictionary();
    byte[] packed = MsgpackJson.pack(value);
    if (packed == null) {
      return zstd(value, d, limit);
    }
    byte[] plain = msgpack(packed, value.length, limit);
    if (plain != null) {
      limit = plain.length;
    }
    byte[] compressed = d == null ? zstd(value, null, limit) : compress(Envelope.MSGPACK_ZSTD_DICT, d, packed,
        value.length, limit);
    return compressed != null ? compressed : plain;
  }

  private static byte[] raw(byte[] value) {
    byte[] out = new byte[Envelope.headerSize(Envelope.RAW, 0, value.length) + value.length];
    int off = Envelope.writeHeader(out, Envelope.RAW, 0, value.length);
    System.arraycopy(value, 0, out, off, value.length);
    return out;
  }

  private static byte[] msgpack(byte[] packed, int jsonLength, int limit) {
    int header = Envelope.headerSize(Envelope.MSGPACK, 0, jsonLength);
    if ((long) header + packed.length >= limit) {
      return null;
    }
    byte[] out = new byte[header + packed.length];
    Envelope.writeHeader(out, Envelope.MSGPACK, 0, jsonLength);
    System.arraycopy(packed, 0, out, header, packed.length);
    return out;
  }

  private byte[] lz4(byte[] value, int limit) {
    int header = Envelope.headerSize(Envelope.LZ4, 0, value.length);
    if (header >= limit) {
      return null;
    }
    try {
      int bound = codecs.lz4().maxCompressedLength(value.length);
      byte[] buf = ZstdContexts.get().scratch(header + bound);
      int c = codecs.lz4().compress(value, 0, value.length, buf, header, bound);
      return finish(buf, Envelope.LZ4, 0, value.length, header + c, limit);
    } catch (RuntimeException e) {
      return null;
    }
  }

  /**
   * The value coded with the symbol table, when there is one and the value is not a canonical decimal
   * integer (Redis already keeps those as integers, in fewer bytes than any code).
   */
  private byte[] fsst(byte[] value, int limit) {
    PreparedDictionary d = dictionary();
    if (d == null || io.compactor.metrics.RedisCost.isCanonicalInteger(value)) {
      return null;
    }
    int header = Envelope.headerSize(Envelope.FSST, d.id(), value.length);
    if ((long) header + 2L * value.length > Envelope.MAX_ARRAY || header >= limit) {
      return null;
    }
    try {
      SymbolTable table = d.symbols();
      byte[] buf = ZstdContexts.get().scratch(header + 2 * value.length);
      int c = table.encode(value, 0, value.length, buf, header);
      return finish(buf, Envelope.FSST, d.id(), value.length, header + c, limit);
    } catch (CodecException | RuntimeException e) {
      return null;
    }
  }

  /**
   * The value as a json shape and typed values when there is a model and the value is compact JSON
   * (checked by decoding it again); plain zstd as well when that does not shrink the value to half (long
   * strings, arrays of many objects: zstd may do much better); otherwise plain zstd.
   */
  private byte[] json(byte[] value, int limit) {
    PreparedDictionary d = dictionary();
    if (d == null || value.length > JsonModel.MAX_VALUE_BYTES) {
      return zstd(value, null, limit);
    }
    int header = Envelope.headerSize(Envelope.JSON, d.id(), value.length);
    try {
      JsonModel model = d.model();
      byte[] buf = ZstdContexts.get().scratch(header + JsonModel.maxEncodedLength(value.length));
      int c = model.encode(value, buf, header);
      if (c >= 0) {
        byte[] out = finish(buf, Envelope.JSON, d.id(), value.length, header + c, limit);
        if (out != null) {
          byte[] back = new byte[value.length];
          model.decode(out, header, out.length, back);
          if (Arrays.equals(back, value)) {
            if (out.length <= value.length / 2) {
              return out;
            }
            byte[] z = zstd(value, null, out.length);
            return z != null ? z : out;
          }
        }
      }
    } catch (CodecException | RuntimeException e) {
      // not taken: zstd below
    }
    return zstd(value, null, limit);
  }

  private byte[] zstd(byte[] value, PreparedDictionary d, int limit) {
    return d == null ? compress(Envelope.ZSTD, null, value, value.length, limit)
        : compress(Envelope.ZSTD_DICT, d, value, value.length, limit);
  }

  /** Compresses {@code src} with zstd into an envelope of {@code codec} if it is under {@code limit}. */
  private byte[] compress(int codec, PreparedDictionary d, byte[] src, int decodedLength, int limit) {
    int id = d == null ? 0 : d.id();
    int header = Envelope.headerSize(codec, id, decodedLength);
    long bound = Zstd.compressBound(src.length);
    if (header >= limit || header + bound > Envelope.MAX_ARRAY) {
      return null;
    }
    try {
      ZstdContexts ctx = ZstdContexts.get();
      byte[] buf = ctx.scratch(header + (int) bound);
      int c = ctx.compress(src, src.length, buf, header, level, d == null ? null : d.compress(level));
      return finish(buf, codec, id, decodedLength, header + c, limit);
    } catch (RuntimeException e) {
      return null;
    }
  }

  private static byte[] finish(byte[] buf, int codec, int dictId, int decodedLength, int total, int limit) {
    if (total >= limit) {
      return null;
    }
    Envelope.writeHeader(buf, codec, dictId, decodedLength);
    return Arrays.copyOf(buf, total);
  }

  /** The dictionary once known; null while there is none (the source is asked again after a second). */
  private PreparedDictionary dictionary() {
    if (dictId == 0) {
      return null;
    }
    PreparedDictionary d = dictionary;
    if (d == null) {
      try {
        d = codecs.dictionaries().find(dictId);
      } catch (CodecException e) {
        return null;
      }
      dictionary = d;
    }
    return d;
  }

  @Override
  public String toString() {
    return "Encoder{" + kind.configName() + ", level " + level + ", minSize " + minSize + ", dict " + dictId + "}";
  }
}
