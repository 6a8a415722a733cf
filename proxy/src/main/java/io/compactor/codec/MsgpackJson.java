package io.compactor.codec;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonToken;
import com.fasterxml.jackson.core.StreamReadConstraints;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import org.msgpack.core.MessageBufferPacker;
import org.msgpack.core.MessagePack;

/**
 * JSON documents stored as msgpack with an exact byte-for-byte round trip. Thread-safe and
 * stateless.
 *
 * <p>{@link #pack} parses strictly with jackson-core and writes msgpack with msgpack-core: objects as
 * maps (in parse order, duplicate keys kept), arrays, strings, booleans, null, canonical integers that
 * fit a long as ints, and every other number as ext type 0 holding the literal text. {@link #unpack}
 * writes compact JSON (no whitespace, minimal escapes: {@code \" \\ \b \f \n \r \t}, other control
 * characters as a six-character escape, backslash u00xx with lowercase hex). A document is packable only when unpacking its msgpack gives back the
 * very same bytes and the msgpack is no longer than the JSON, so the decoded length also bounds the
 * msgpack a reader has to hold.
 *
 * <p>Longer than most classes because both directions of the mapping live here, beside the
 * bounds-checked reader that untrusted stored bytes go through; together they are the format.
 */
final class MsgpackJson {
  /** Deepest nesting of arrays and objects accepted either way. */
  static final int MAX_DEPTH = 512;
  static final byte NUMBER_EXT = 0;

  // Field names are client input: canonicalized per parser, never interned into the JVM's string table.
  private static final JsonFactory JSON = JsonFactory.builder()
      .disable(JsonFactory.Feature.INTERN_FIELD_NAMES)
      .streamReadConstraints(StreamReadConstraints.builder().maxNestingDepth(MAX_DEPTH).build())
      .build();
  private static final byte[] HEX = "0123456789abcdef".getBytes(StandardCharsets.US_ASCII);

  private static final int T_OBJECT = 1;
  private static final int T_ARRAY = 2;
  private static final int T_STRING = 3;
  private static final int T_INT = 4;
  private static final int T_NUMBER = 5;
  private static final int T_TRUE = 6;
  private static final int T_FALSE = 7;
  private static final int T_NULL = 8;

  private MsgpackJson() {}

  /** The msgpack form of {@code json}, or null when it is not packable (see the class comment). */
  static byte[] pack(byte[] json) {
    if (json.length == 0 || !mayBeCompactJson(json)) {
      return null;
    }
    byte[] packed;
    try {
      packed = write(json);
    } catch (IOException | RuntimeException e) {
      return null; // not JSON, or not representable
    }
    if (packed == null || packed.length > json.length) {
      return null;
    }
    byte[] back = new byte[json.length];
    try {
      unpack(packed, 0, packed.length, back);
    } catch (CodecException e) {
      return null; // decodes to something else (longer)
    }
    return Arrays.equals(back, json) ? packed : null;
  }

  /** A cheap test on the first and last byte that rules out most non-JSON values. */
  private static boolean mayBeCompactJson(byte[] v) {
    byte first = v[0];
    boolean firstOk = first == '{' || first == '[' || first == '"' || first == '-' || (first >= '0' && first <= '9')
        || first == 't' || first == 'f' || first == 'n';
    byte last = v[v.length - 1];
    boolean lastOk = last == '}' || last == ']' || last == '"' || (last >= '0' && last <= '9') || last == 'e'
        || last == 'l';
    return firstOk && lastOk;
  }

  /** Parses once into a flat token list (so container sizes are known), then writes msgpack. */
  private static byte[] write(byte[] json) throws IOException {
    Tokens tokens = new Tokens(Math.max(16, json.length / 8));
    int[] open = new int[MAX_DEPTH + 1];
    int depth = 0;
    try (JsonParser p = JSON.createParser(json)) {
      JsonToken t = p.nextToken();
      if (t == null) {
        return null;
      }
      do {
        if (t == JsonToken.END_OBJECT || t == JsonToken.END_ARRAY) {
          depth--;
        } else if (t == JsonToken.FIELD_NAME) {
          tokens.add(T_STRING, p.currentName(), 0);
        } else {
          if (depth > 0) {
            tokens.counts[open[depth - 1]]++;
          }
          switch (t) {
            case START_OBJECT:
            case START_ARRAY:
              if (depth == MAX_DEPTH) {
                return null;
              }
              open[depth++] = tokens.size;
              tokens.add(t == JsonToken.START_OBJECT ? T_OBJECT : T_ARRAY, null, 0);
              break;
            case VALUE_STRING:
              tokens.add(T_STRING, p.getText(), 0);
              break;
            case VALUE_NUMBER_INT: {
              String text = p.getText();
              JsonParser.NumberType nt = p.getNumberType();
              if ((nt == JsonParser.NumberType.INT || nt == JsonParser.NumberType.LONG) && !text.equals("-0")) {
                tokens.add(T_INT, null, p.getLongValue());
              } else {
                tokens.add(T_NUMBER, text, 0);
              }
              break;
            }
            case VALUE_NUMBER_FLOAT:
              tokens.add(T_NUMBER, p.getText(), 0);
              break;
            case VALUE_TRUE:
              tokens.add(T_TRUE, null, 0);
              break;
            case VALUE_FALSE:
              tokens.add(T_FALSE, null, 0);
              break;
            case VALUE_NULL:
              tokens.add(T_NULL, null, 0);
              break;
            default:
              return null; // embedded objects and the like: not JSON text
          }
        }
        if (depth == 0) {
          break;
        }
        t = p.nextToken();
      } while (t != null);
      if (depth != 0 || p.nextToken() != null) {
        return null; // truncated, or trailing values
      }
    }
    // packable msgpack is no longer than the JSON, so one buffer of that size is enough
    MessageBufferPacker out = new MessagePack.PackerConfig().withBufferSize(Math.max(json.length, 16))
        .newBufferPacker();
    for (int i = 0; i < tokens.size; i++) {
      switch (tokens.kinds[i]) {
        case T_OBJECT:
          out.packMapHeader(tokens.counts[i]);
          break;
        case T_ARRAY:
          out.packArrayHeader(tokens.counts[i]);
          break;
        case T_STRING:
          out.packString(tokens.texts[i]);
          break;
        case T_INT:
          out.packLong(tokens.longs[i]);
          break;
        case T_NUMBER: {
          byte[] text = tokens.texts[i].getBytes(StandardCharsets.US_ASCII);
          out.packExtensionTypeHeader(NUMBER_EXT, text.length);
          out.writePayload(text);
          break;
        }
        case T_TRUE:
          out.packBoolean(true);
          break;
        case T_FALSE:
          out.packBoolean(false);
          break;
        default:
          out.packNil();
          break;
      }
    }
    return out.toByteArray();
  }

  /**
   * Writes the JSON that the msgpack in {@code src[from, to)} encodes into {@code out}, which must come
   * out exactly full.
   *
   * @throws CodecException when the msgpack is malformed, is not an encoding of JSON, nests deeper than
   *     {@link #MAX_DEPTH}, or decodes to a length other than {@code out.length}
   */
  static void unpack(byte[] src, int from, int to, byte[] out) throws CodecException {
    Reader r = new Reader(src, from, to, out);
    r.value(0);
    if (r.pos != to) {
      throw new CodecException("msgpack payload has " + (to - r.pos) + " trailing bytes after the JSON document");
    }
    if (r.outPos != out.length) {
      throw new CodecException("msgpack payload decodes to " + r.outPos + " bytes, not the declared "
          + out.length);
    }
  }

  /** Growable parallel arrays of parsed tokens. */
  private static final class Tokens {
    int[] kinds;
    int[] counts;
    String[] texts;
    long[] longs;
    int size;

    Tokens(int capacity) {
      kinds = new int[capacity];
      counts = new int[capacity];
      texts = new String[capacity];
      longs = new long[capacity];
    }

    void add(int kind, String text, long value) {
      if (size == kinds.length) {
        int n = size * 2;
        kinds = Arrays.copyOf(kinds, n);
        counts = Arrays.copyOf(counts, n);
        texts = Arrays.copyOf(texts, n);
        longs = Arrays.copyOf(longs, n);
      }
      kinds[size] = kind;
      texts[size] = text;
      longs[size] = value;
      size++;
    }
  }

  /** A bounds-checked msgpack reader that writes compact JSON into a fixed-size array. */
  private static final class Reader {
    final byte[] src;
    final int end;
    final byte[] out;
    int pos;
    int outPos;

    Reader(byte[] src, int from, int to, byte[] out) {
      this.src = src;
      this.pos = from;
      this.end = to;
      this.out = out;
    }

    void value(int depth) throws CodecException {
      int b = u8();
      if (b <= 0x7F) {
        writeLong(b);
      } else if (b >= 0xE0) {
        writeLong((byte) b);
      } else if (b <= 0x8F) {
        map(b & 0x0F, depth);
      } else if (b <= 0x9F) {
        array(b & 0x0F, depth);
      } else if (b <= 0xBF) {
        string(b & 0x1F);
      } else {
        switch (b) {
          case 0xC0:
            write(NULL_BYTES);
            break;
          case 0xC2:
            write(FALSE_BYTES);
            break;
          case 0xC3:
            write(TRUE_BYTES);
            break;
          case 0xCC:
            writeLong(u8());
            break;
          case 0xCD:
            writeLong(u16());
            break;
          case 0xCE:
            writeLong(u32());
            break;
          case 0xCF: {
            long v = s64();
            if (v >= 0) {
              writeLong(v);
            } else {
              write(Long.toUnsignedString(v).getBytes(StandardCharsets.US_ASCII));
            }
            break;
          }
          case 0xD0:
            writeLong((byte) u8());
            break;
          case 0xD1:
            writeLong((short) u16());
            break;
          case 0xD2:
            writeLong((int) u32());
            break;
          case 0xD3:
            writeLong(s64());
            break;
          case 0xD4:
            number(1);
            break;
          case 0xD5:
            number(2);
            break;
          case 0xD6:
            number(4);
            break;
          case 0xD7:
            number(8);
            break;
          case 0xD8:
            number(16);
            break;
          case 0xC7:
            number(u8());
            break;
          case 0xC8:
            number(u16());
            break;
          case 0xC9:
            number(length(u32()));
            break;
          case 0xD9:
            string(u8());
            break;
          case 0xDA:
            string(u16());
            break;
          case 0xDB:
            string(length(u32()));
            break;
          case 0xDC:
            array(u16(), depth);
            break;
          case 0xDD:
            array(length(u32()), depth);
            break;
          case 0xDE:
            map(u16(), depth);
            break;
          case 0xDF:
            map(length(u32()), depth);
            break;
          default:
            throw new CodecException(String.format("msgpack payload has type byte 0x%02x at offset %d, which is not"
                + " part of a JSON encoding", b, pos - 1));
        }
      }
    }

    private void map(int n, int depth) throws CodecException {
      enter(depth);
      if (n > (end - pos) / 2) {
        throw new CodecException("msgpack map of " + n + " entries is longer than its payload");
      }
      writeByte('{');
      for (int i = 0; i < n; i++) {
        if (i > 0) {
          writeByte(',');
        }
        int b = u8();
        if (b >= 0xA0 && b <= 0xBF) {
          string(b & 0x1F);
        } else if (b == 0xD9) {
          string(u8());
        } else if (b == 0xDA) {
          string(u16());
        } else if (b == 0xDB) {
          string(length(u32()));
        } else {
          throw new CodecException(String.format("msgpack map key at offset %d is not a string (type byte 0x%02x)",
              pos - 1, b));
        }
        writeByte(':');
        value(depth + 1);
      }
      writeByte('}');
    }

    private void array(int n, int depth) throws CodecException {
      enter(depth);
      if (n > end - pos) {
        throw new CodecException("msgpack array of " + n + " elements is longer than its payload");
      }
      writeByte('[');
      for (int i = 0; i < n; i++) {
        if (i > 0) {
          writeByte(',');
        }
        value(depth + 1);
      }
      writeByte(']');
    }

    private static void enter(int depth) throws CodecException {
      if (depth >= MAX_DEPTH) {
        throw new CodecException("msgpack payload nests deeper than " + MAX_DEPTH + " levels");
      }
    }

    private void string(int n) throws CodecException {
      need(n);
      int stop = pos + n;
      writeByte('"');
      while (pos < stop) {
        int run = pos;
        while (run < stop && isPlain(src[run])) {
          run++;
        }
        if (run > pos) { // copy a run of printable ASCII that needs no escape at once
          int plain = run - pos;
          reserve(plain);
          System.arraycopy(src, pos, out, outPos, plain);
          outPos += plain;
          pos = run;
          if (pos == stop) {
            break;
          }
        }
        int b = src[pos] & 0xFF;
        if (b >= 0x80) {
          int len = utf8Length(stop);
          reserve(len);
          System.arraycopy(src, pos, out, outPos, len);
          outPos += len;
          pos += len;
          continue;
        }
        pos++;
        if (b == '"' || b == '\\') {
          writeByte('\\');
          writeByte(b);
        } else if (b >= 0x20) {
          writeByte(b);
        } else {
          switch (b) {
            case '\b':
              writeByte('\\');
              writeByte('b');
              break;
            case '\f':
              writeByte('\\');
              writeByte('f');
              break;
            case '\n':
              writeByte('\\');
              writeByte('n');
              break;
            case '\r':
              writeByte('\\');
              writeByte('r');
              break;
            case '\t':
              writeByte('\\');
              writeByte('t');
              break;
            default:
              reserve(6);
              out[outPos++] = '\\';
              out[outPos++] = 'u';
              out[outPos++] = '0';
              out[outPos++] = '0';
              out[outPos++] = HEX[b >>> 4];
              out[outPos++] = HEX[b & 0x0F];
              break;
          }
        }
      }
      writeByte('"');
    }

    private static boolean isPlain(byte b) {
      return b >= 0x20 && b != '"' && b != '\\';
    }

    /** The length of the well-formed UTF-8 sequence at {@code pos} (which is not ASCII). */
    private int utf8Length(int stop) throws CodecException {
      int b = src[pos] & 0xFF;
      int len;
      int min;
      if (b >= 0xC2 && b <= 0xDF) {
        len = 2;
        min = 0x80;
      } else if (b >= 0xE0 && b <= 0xEF) {
        len = 3;
        min = 0x800;
      } else if (b >= 0xF0 && b <= 0xF4) {
        len = 4;
        min = 0x10000;
      } else {
        throw badUtf8();
      }
      if (pos + len > stop) {
        throw badUtf8();
      }
      int cp = b & (0x7F >>> len);
      for (int i = 1; i < len; i++) {
        int c = src[pos + i] & 0xFF;
        if ((c & 0xC0) != 0x80) {
          throw badUtf8();
        }
        cp = (cp << 6) | (c & 0x3F);
      }
      if (cp < min || cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF)) {
        throw badUtf8();
      }
      return len;
    }

    private CodecException badUtf8() {
      return new CodecException("msgpack string at offset " + pos + " is not valid UTF-8");
    }

    /** Ext type 0: a JSON number's literal text, checked against the JSON number grammar. */
    private void number(int n) throws CodecException {
      need(n + 1);
      int type = src[pos++];
      if (type != NUMBER_EXT) {
        throw new CodecException("msgpack payload has ext type " + type + ", which is not part of a JSON encoding");
      }
      if (!isJsonNumber(src, pos, pos + n)) {
        throw new CodecException("msgpack number at offset " + pos + " is not a JSON number");
      }
      reserve(n);
      System.arraycopy(src, pos, out, outPos, n);
      outPos += n;
      pos += n;
    }

    private int length(long n) throws CodecException {
      if (n > end - pos) {
        throw new CodecException("msgpack length " + n + " at offset " + pos + " is longer than its payload");
      }
      return (int) n;
    }

    private void need(int n) throws CodecException {
      if (n > end - pos) {
        throw new CodecException("msgpack payload is truncated at offset " + pos + " (needs " + n + " more bytes)");
      }
    }

    private int u8() throws CodecException {
      need(1);
      return src[pos++] & 0xFF;
    }

    private int u16() throws CodecException {
      need(2);
      int v = ((src[pos] & 0xFF) << 8) | (src[pos + 1] & 0xFF);
      pos += 2;
      return v;
    }

    private long u32() throws CodecException {
      need(4);
      long v = ((long) (src[pos] & 0xFF) << 24) | ((src[pos + 1] & 0xFF) << 16) | ((src[pos + 2] & 0xFF) << 8)
          | (src[pos + 3] & 0xFF);
      pos += 4;
      return v;
    }

    private long s64() throws CodecException {
      long hi = u32();
      long lo = u32();
      return (hi << 32) | lo;
    }

    private void reserve(int n) throws CodecException {
      if (n > out.length - outPos) {
        throw new CodecException("msgpack payload decodes to more than the declared " + out.length + " bytes");
      }
    }

    private void writeByte(int b) throws CodecException {
      if (outPos == out.length) {
        reserve(1);
      }
      out[outPos++] = (byte) b;
    }

    private void write(byte[] bytes) throws CodecException {
      reserve(bytes.length);
      System.arraycopy(bytes, 0, out, outPos, bytes.length);
      outPos += bytes.length;
    }

    private void writeLong(long v) throws CodecException {
      if (v == Long.MIN_VALUE) {
        write(Long.toString(v).getBytes(StandardCharsets.US_ASCII));
        return;
      }
      int digits = 1;
      long a = Math.abs(v);
      for (long p = 10; digits < 19 && a >= p; p *= 10) {
        digits++;
      }
      int n = digits + (v < 0 ? 1 : 0);
      reserve(n);
      int at = outPos + n;
      do {
        out[--at] = (byte) ('0' + (a % 10));
        a /= 10;
      } while (a != 0);
      if (v < 0) {
        out[--at] = '-';
      }
      outPos += n;
    }
  }

  private static final byte[] NULL_BYTES = {'n', 'u', 'l', 'l'};
  private static final byte[] TRUE_BYTES = {'t', 'r', 'u', 'e'};
  private static final byte[] FALSE_BYTES = {'f', 'a', 'l', 's', 'e'};

  /** Whether {@code b[from, to)} is a JSON number: {@code -?(0|[1-9][0-9]*)(\.[0-9]+)?([eE][+-]?[0-9]+)?}. */
  static boolean isJsonNumber(byte[] b, int from, int to) {
    int i = from;
    if (i < to && b[i] == '-') {
      i++;
    }
    if (i >= to) {
      return false;
    }
    if (b[i] == '0') {
      i++;
    } else if (b[i] >= '1' && b[i] <= '9') {
      while (i < to && b[i] >= '0' && b[i] <= '9') {
        i++;
      }
    } else {
      return false;
    }
    if (i < to && b[i] == '.') {
      i++;
      int start = i;
      while (i < to && b[i] >= '0' && b[i] <= '9') {
        i++;
      }
      if (i == start) {
        return false;
      }
    }
    if (i < to && (b[i] == 'e' || b[i] == 'E')) {
      i++;
      if (i < to && (b[i] == '+' || b[i] == '-')) {
        i++;
      }
      int start = i;
      while (i < to && b[i] >= '0' && b[i] <= '9') {
        i++;
      }
      if (i == start) {
        return false;
      }
    }
    return i == to;
  }
}
