package io.compactor.codec;

/**
 * The envelope header of format v1: layout constants, varints, and a validating parser. Stateless;
 * see {@code package-info.java} for the layout.
 */
final class Envelope {
  static final byte MAGIC = (byte) 0xFC;
  static final int VERSION = 1;

  static final int RAW = 0;
  static final int LZ4 = 1;
  static final int ZSTD = 2;
  static final int ZSTD_DICT = 3;
  static final int MSGPACK = 4;
  static final int MSGPACK_ZSTD_DICT = 5;
  static final int FSST = 6;
  static final int JSON = 7;

  /** The largest array the JVM reliably allocates. */
  static final int MAX_ARRAY = Integer.MAX_VALUE - 8;

  private Envelope() {}

  /** A parsed, validated header. */
  record Header(int codec, int dictId, int length, int payloadOffset) {}

  static boolean usesDictionary(int codec) {
    return codec == ZSTD_DICT || codec == MSGPACK_ZSTD_DICT || codec == FSST || codec == JSON;
  }

  static String codecName(int codec) {
    switch (codec) {
      case RAW:
        return "raw";
      case LZ4:
        return "lz4";
      case ZSTD:
        return "zstd";
      case ZSTD_DICT:
        return "zstd-dict";
      case MSGPACK:
        return "msgpack";
      case MSGPACK_ZSTD_DICT:
        return "msgpack+zstd-dict";
      case FSST:
        return "fsst";
      case JSON:
        return "json";
      default:
        return "codec " + codec;
    }
  }

  static int varintSize(int v) {
    int n = 1;
    while ((v & ~0x7F) != 0) {
      v >>>= 7;
      n++;
    }
    return n;
  }

  /** The header's size in bytes; {@code dictId} is written only for dictionary codecs. */
  static int headerSize(int codec, int dictId, int length) {
    return 2 + (usesDictionary(codec) ? varintSize(dictId) : 0) + varintSize(length);
  }

  /** Writes the header at {@code dst[0..]} and returns where the payload starts. */
  static int writeHeader(byte[] dst, int codec, int dictId, int length) {
    dst[0] = MAGIC;
    dst[1] = (byte) ((VERSION << 4) | codec);
    int at = 2;
    if (usesDictionary(codec)) {
      at = writeVarint(dst, at, dictId);
    }
    return writeVarint(dst, at, length);
  }

  private static int writeVarint(byte[] dst, int at, int v) {
    while ((v & ~0x7F) != 0) {
      dst[at++] = (byte) ((v & 0x7F) | 0x80);
      v >>>= 7;
    }
    dst[at++] = (byte) v;
    return at;
  }

  /**
   * Parses and validates the header of {@code stored}, which must start with the magic byte and be
   * at least 2 bytes long.
   *
   * @param maxLength the largest decoded length accepted (max-decompressed-size)
   */
  static Header parse(byte[] stored, long maxLength) throws CodecException {
    int b = stored[1] & 0xFF;
    int version = b >>> 4;
    int codec = b & 0x0F;
    if (version != VERSION) {
      throw new CodecException("stored value of " + stored.length + " bytes has an unknown envelope version "
          + version + " (expected: " + VERSION + ")");
    }
    if (codec > JSON) {
      throw new CodecException("stored value of " + stored.length + " bytes has an unknown codec " + codec
          + " (envelope version " + VERSION + ")");
    }
    int at = 2;
    int dictId = 0;
    if (usesDictionary(codec)) {
      long id = readVarint(stored, at, "dictionary id");
      at += varintSize((int) id);
      if (id < 1 || id > Integer.MAX_VALUE) {
        throw new CodecException("stored value of " + stored.length + " bytes has an invalid dictionary id " + id
            + " (expected: 1.." + Integer.MAX_VALUE + ")");
      }
      dictId = (int) id;
    }
    long length = readVarint(stored, at, "decoded length");
    at += varintSize((int) length);
    long cap = Math.min(maxLength, MAX_ARRAY);
    if (length > cap) {
      throw new CodecException("value would decompress to " + length + " bytes, over the limit of " + cap
          + " (max-decompressed-size)");
    }
    return new Header(codec, dictId, (int) length, at);
  }

  /** Reads a minimal unsigned LEB128 varint of at most 5 bytes (a value up to 2^32-1). */
  private static long readVarint(byte[] src, int at, String what) throws CodecException {
    long v = 0;
    for (int i = 0; i < 5; i++) {
      if (at + i >= src.length) {
        throw new CodecException("stored value of " + src.length + " bytes has a truncated " + what);
      }
      int b = src[at + i] & 0xFF;
      if (i == 4 && b > 0x0F) {
        throw new CodecException("stored value of " + src.length + " bytes has a malformed " + what
            + " (expected: a varint of at most 32 bits)");
      }
      v |= (long) (b & 0x7F) << (7 * i);
      if ((b & 0x80) == 0) {
        if (b == 0 && i > 0) {
          throw new CodecException("stored value of " + src.length + " bytes has a malformed " + what
              + " (expected: a minimal varint)");
        }
        return v;
      }
    }
    throw new CodecException("stored value of " + src.length + " bytes has a malformed " + what
        + " (expected: a varint of at most 5 bytes)");
  }
}
