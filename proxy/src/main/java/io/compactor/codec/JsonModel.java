package io.compactor.codec;

import java.nio.charset.StandardCharsets;
import java.time.DateTimeException;
import java.time.LocalDateTime;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * Codec {@code json}: a compact JSON document split into its <em>shape</em> (the text with every scalar
 * replaced by a one-byte type tag; object keys, punctuation and {@code null} kept) and its typed
 * values. A model trained on a rule's sampled values holds the most frequent shapes, so a value names
 * its shape with one byte (two from the 128th on), and an fsst {@link SymbolTable} per path (the keys leading to a string, array
 * elements sharing their array's path), so a name or a product title costs its own symbol codes.
 * Values that have a binary form take it: canonical integers and fixed-point decimals as zigzag varints,
 * ISO-8601 UTC timestamps ({@code 2026-11-20T13:45:12Z}, with or without milliseconds) as varint offsets,
 * dotted IPv4 addresses as 4 bytes, lower-case UUIDs and hex strings as their bytes, base64url tokens
 * as their bytes, booleans as one byte.
 *
 * <p>Only compact JSON is taken (no whitespace outside strings; what {@code JSON.stringify} and most
 * serializers write); strings are kept exactly as written, escapes included, and every binary form is
 * chosen only when turning it back gives the same bytes, so decoding is byte-exact by construction (and
 * {@link Encoder} checks each value by decoding it again). Anything else is not encoded by this codec.
 *
 * <p>Payload: the shape reference (unsigned varint: {@code n >= 1} is the model's shape {@code n - 1};
 * 0 an inline shape, its length as a varint then its bytes), then each tag's value in order:
 * <pre>
 *   STRING    varint count, then fsst codes with the path's table (the string's bytes, without one)
 *   INT       zigzag varint                       DECn    zigzag varint of the digits, n decimals (1..9)
 *   NUMBER    varint length, then the number text as written (exponents, long digit runs, -0.0)
 *   TIME      zigzag varint of seconds since 2023-11-14T22:13:20Z     TIME_MS  the same in milliseconds
 *   IPV4      4 bytes                             UUID     16 bytes        BOOL  0 or 1
 *   HEX, B64  varint byte count, then the bytes
 * </pre>
 * The model is stored like a dictionary: {@code JSM}, version 1, the shape count and each shape (varint
 * length, bytes), then the table count and per table its path hash (8 bytes, big-endian), the table's
 * length (varint) and the serialized {@link SymbolTable}. Instances are immutable and thread-safe.
 */
final class JsonModel {
  static final int VERSION = 1;
  static final int MAX_SHAPES = 255;
  /** The longest shape, model or inline. */
  static final int MAX_SHAPE_BYTES = 4096;
  static final int MAX_TABLES = 64;
  static final int MAX_DEPTH = 32;
  /** The most any payload byte decodes to (a 1-byte millisecond time: 24 characters and its quotes). */
  static final int MAX_EXPANSION = 26;
  /** Longer values are not taken (their payload bound, {@link #maxEncodedLength}, stays small). */
  static final int MAX_VALUE_BYTES = 1 << 20;
  /** Samples of one path a table is trained on, in bytes. */
  private static final int TABLE_SAMPLE_BYTES = 64 * 1024;
  /** Fewer samples of a path than this get no table. */
  private static final int MIN_TABLE_SAMPLES = 8;

  static final int STRING = 1;
  static final int INT = 2;
  static final int NUMBER = 3;
  static final int TIME = 4;
  static final int TIME_MS = 5;
  static final int IPV4 = 6;
  static final int UUID = 7;
  static final int HEX = 8;
  static final int B64 = 9;
  static final int BOOL = 10;
  /** DEC1..DEC9 are DEC + 1..9. */
  static final int DEC = 16;
  private static final int LAST_TAG = DEC + 9;

  private static final long TIME_BASE = 1_700_000_000L;
  private static final long ROOT = 0x5bd1e9955bd1e995L;
  private static final byte[] MAGIC = {'J', 'S', 'M'};
  private static final byte[] HEX_DIGITS = "0123456789abcdef".getBytes(StandardCharsets.US_ASCII);
  private static final byte[] B64_DIGITS =
      "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_".getBytes(StandardCharsets.US_ASCII);
  private static final byte[] B64_VALUES = new byte[256];
  private static final long[] POW10 = new long[19];

  static {
    Arrays.fill(B64_VALUES, (byte) -1);
    for (int i = 0; i < 64; i++) {
      B64_VALUES[B64_DIGITS[i]] = (byte) i;
    }
    POW10[0] = 1;
    for (int i = 1; i < POW10.length; i++) {
      POW10[i] = POW10[i - 1] * 10;
    }
  }

  private final byte[][] shapes;
  /** Open addressing over {@link #shapes}: shape index + 1, 0 for an empty slot. */
  private final int[] shapeSlots;
  private final long[] tablePaths;
  private final SymbolTable[] tables;
  /** Open addressing over {@link #tables} by path: table index + 1, 0 for an empty slot. */
  private final int[] tableSlots;

  private JsonModel(byte[][] shapes, long[] tablePaths, SymbolTable[] tables) {
    this.shapes = shapes;
    this.tablePaths = tablePaths;
    this.tables = tables;
    shapeSlots = new int[Integer.highestOneBit(Math.max(1, shapes.length)) * 4];
    for (int i = 0; i < shapes.length; i++) {
      if (shapeIndex(shapes[i], shapes[i].length) < 0) {
        int slot = hash(shapes[i], shapes[i].length) & (shapeSlots.length - 1);
        while (shapeSlots[slot] != 0) {
          slot = (slot + 1) & (shapeSlots.length - 1);
        }
        shapeSlots[slot] = i + 1;
      }
    }
    tableSlots = new int[Integer.highestOneBit(Math.max(1, tables.length)) * 4];
    for (int i = 0; i < tables.length; i++) {
      if (table(tablePaths[i]) == null) {
        int slot = (int) tablePaths[i] & (tableSlots.length - 1);
        while (tableSlots[slot] != 0) {
          slot = (slot + 1) & (tableSlots.length - 1);
        }
        tableSlots[slot] = i + 1;
      }
    }
  }

  private static int hash(byte[] b, int len) {
    int h = 1;
    for (int k = 0; k < len; k++) {
      h = 31 * h + b[k];
    }
    return h ^ (h >>> 16);
  }

  /** The index of the model's shape equal to {@code b[0, len)}, or -1. */
  private int shapeIndex(byte[] b, int len) {
    int slot = hash(b, len) & (shapeSlots.length - 1);
    while (shapeSlots[slot] != 0) {
      byte[] s = shapes[shapeSlots[slot] - 1];
      if (Arrays.equals(s, 0, s.length, b, 0, len)) {
        return shapeSlots[slot] - 1;
      }
      slot = (slot + 1) & (shapeSlots.length - 1);
    }
    return -1;
  }

  /** The symbol table of strings at {@code path}, or null. */
  private SymbolTable table(long path) {
    int slot = (int) path & (tableSlots.length - 1);
    while (tableSlots[slot] != 0) {
      int i = tableSlots[slot] - 1;
      if (tablePaths[i] == path) {
        return tables[i];
      }
      slot = (slot + 1) & (tableSlots.length - 1);
    }
    return null;
  }

  /** The shape of {@code value}, or null when it is not compact JSON this codec takes. */
  static byte[] shapeOf(byte[] value) {
    Scan scan = new Scan();
    return scan.run(empty(), value) ? scan.shape() : null;
  }

  /** A model with no shapes and no tables: every value carries its shape, strings are their bytes. */
  static JsonModel empty() {
    return new JsonModel(new byte[0][], new long[0], new SymbolTable[0]);
  }

  /**
   * A model of the given shapes and tables (for tests and tools): {@code tables} maps a path, its keys
   * from the top joined by {@code /} (array elements have their array's path), to its symbol table.
   */
  static JsonModel of(List<byte[]> shapes, Map<String, SymbolTable> tables) {
    long[] paths = new long[tables.size()];
    SymbolTable[] t = new SymbolTable[tables.size()];
    int i = 0;
    for (Map.Entry<String, SymbolTable> e : tables.entrySet()) {
      long p = ROOT;
      for (String key : e.getKey().split("/")) {
        byte[] k = key.getBytes(StandardCharsets.UTF_8);
        p = child(p, k, 0, k.length);
      }
      paths[i] = p;
      t[i++] = e.getValue();
    }
    return new JsonModel(shapes.toArray(new byte[0][]), paths, t);
  }

  int shapeCount() {
    return shapes.length;
  }

  int tableCount() {
    return tables.length;
  }

  private record Shape(byte[] bytes) {
    @Override
    public boolean equals(Object o) {
      return o instanceof Shape s && Arrays.equals(bytes, s.bytes);
    }

    @Override
    public int hashCode() {
      return Arrays.hashCode(bytes);
    }
  }

  // ---------------------------------------------------------------- training and the stored form

  /** Whether {@code bytes} starts like a serialized model. */
  static boolean looksLikeModel(byte[] bytes) {
    return bytes.length >= 4 && bytes[0] == MAGIC[0] && bytes[1] == MAGIC[1] && bytes[2] == MAGIC[2];
  }

  /**
   * A model of {@code samples}: the shapes seen at least twice (the {@link #MAX_SHAPES} most frequent)
   * and a symbol table for each of the {@link #MAX_TABLES} paths with the most strings.
   *
   * @throws CodecException when fewer than {@code minSamples} samples are compact JSON
   */
  static JsonModel train(List<byte[]> samples, int minSamples) throws CodecException {
    Map<Shape, int[]> shapeCounts = new HashMap<>();
    Map<Long, List<byte[]>> strings = new HashMap<>();
    Map<Long, long[]> stringBytes = new HashMap<>();
    Scan scan = new Scan();
    JsonModel none = empty();
    int usable = 0;
    for (byte[] s : samples) {
      scan.strings = new ArrayList<>();
      if (!scan.run(none, s)) {
        continue;
      }
      usable++;
      shapeCounts.computeIfAbsent(new Shape(scan.shape()), k -> new int[1])[0]++;
      for (Scan.PathString p : scan.strings) {
        long[] total = stringBytes.computeIfAbsent(p.path(), k -> new long[1]);
        if (total[0] + p.bytes().length <= TABLE_SAMPLE_BYTES) {
          total[0] += p.bytes().length;
          strings.computeIfAbsent(p.path(), k -> new ArrayList<>()).add(p.bytes());
        }
      }
    }
    if (usable < minSamples) {
      throw new CodecException("cannot train a json model from " + usable + " compact JSON samples of "
          + samples.size() + " (expected: at least " + minSamples + ")");
    }
    byte[][] shapes = shapeCounts.entrySet().stream()
        .filter(e -> e.getValue()[0] >= 2 && e.getKey().bytes().length <= MAX_SHAPE_BYTES)
        .sorted((a, b) -> Integer.compare(b.getValue()[0], a.getValue()[0]))
        .limit(MAX_SHAPES)
        .map(e -> e.getKey().bytes())
        .toArray(byte[][]::new);
    List<Map.Entry<Long, List<byte[]>>> paths = strings.entrySet().stream()
        .filter(e -> e.getValue().size() >= MIN_TABLE_SAMPLES)
        .sorted((a, b) -> Integer.compare(b.getValue().size(), a.getValue().size()))
        .limit(MAX_TABLES)
        .toList();
    long[] tablePaths = new long[paths.size()];
    SymbolTable[] tables = new SymbolTable[paths.size()];
    for (int i = 0; i < tables.length; i++) {
      tablePaths[i] = paths.get(i).getKey();
      tables[i] = SymbolTable.train(paths.get(i).getValue());
    }
    return new JsonModel(shapes, tablePaths, tables);
  }

  byte[] serialize() {
    ByteSink out = new ByteSink(1024);
    out.write(MAGIC, 0, MAGIC.length);
    out.write(VERSION);
    out.varint(shapes.length);
    for (byte[] s : shapes) {
      out.varint(s.length);
      out.write(s, 0, s.length);
    }
    out.varint(tables.length);
    for (int i = 0; i < tables.length; i++) {
      for (int b = 56; b >= 0; b -= 8) {
        out.write((int) (tablePaths[i] >>> b));
      }
      byte[] t = tables[i].serialize();
      out.varint(t.length);
      out.write(t, 0, t.length);
    }
    return out.toArray();
  }

  /** Parses a serialized model, checking every length. */
  static JsonModel parse(byte[] bytes) throws CodecException {
    try {
      return parseChecked(bytes);
    } catch (RuntimeException e) {
      throw new CodecException("json model of " + bytes.length + " bytes does not parse: " + e, e);
    }
  }

  private static JsonModel parseChecked(byte[] bytes) throws CodecException {
    if (!looksLikeModel(bytes)) {
      throw new CodecException("not a json model (expected: JSM)");
    }
    if (bytes[3] != VERSION) {
      throw new CodecException("json model version " + bytes[3] + " (expected: " + VERSION + ")");
    }
    Reader in = new Reader(bytes, 4, bytes.length);
    int shapeCount = in.count(MAX_SHAPES, "shapes");
    byte[][] shapes = new byte[shapeCount][];
    for (int i = 0; i < shapeCount; i++) {
      shapes[i] = in.bytes(in.count(MAX_SHAPE_BYTES, "shape bytes"));
    }
    int tableCount = in.count(MAX_TABLES, "tables");
    long[] paths = new long[tableCount];
    SymbolTable[] tables = new SymbolTable[tableCount];
    for (int i = 0; i < tableCount; i++) {
      byte[] p = in.bytes(8);
      for (byte b : p) {
        paths[i] = paths[i] << 8 | (b & 0xFF);
      }
      tables[i] = SymbolTable.parse(in.bytes(in.count(64 * 1024, "table bytes")));
    }
    if (in.at != bytes.length) {
      throw new CodecException("json model has " + (bytes.length - in.at) + " bytes after its tables");
    }
    return new JsonModel(shapes, paths, tables);
  }

  // ---------------------------------------------------------------- encoding

  /**
   * Encodes {@code value} into {@code dst} from {@code off}, which must have room for
   * {@link #maxEncodedLength} bytes; returns the payload's length, or -1 when {@code value} is not compact
   * JSON this codec takes.
   */
  int encode(byte[] value, byte[] dst, int off) {
    if (value.length > MAX_VALUE_BYTES) {
      return -1;
    }
    Scan scan = SCANS.get();
    scan.out = dst;
    scan.outAt = off + 3; // room for the shape reference; inline shapes move the values
    try {
      if (!scan.run(this, value)) {
        return -1;
      }
      byte[] shape = scan.shape.buf;
      int shapeLen = scan.shape.size;
      int id = shapeIndex(shape, shapeLen);
      int valuesLen = scan.outAt - (off + 3);
      if (id >= 0) {
        int refLen = varintSize(id + 1);
        System.arraycopy(dst, off + 3, dst, off + refLen, valuesLen);
        writeVarint(dst, off, id + 1);
        return refLen + valuesLen;
      }
      if (shapeLen > MAX_SHAPE_BYTES) {
        return -1;
      }
      int head = 1 + varintSize(shapeLen) + shapeLen;
      System.arraycopy(dst, off + 3, dst, off + head, valuesLen);
      int at = writeVarint(dst, off, 0);
      at = writeVarint(dst, at, shapeLen);
      System.arraycopy(shape, 0, dst, at, shapeLen);
      return head + valuesLen;
    } finally {
      scan.out = null;
      scan.model = null;
      scan.v = null;
    }
  }

  /** Room {@link #encode} needs for a value of {@code length} bytes. */
  static int maxEncodedLength(int length) {
    // each value byte is at most 2 bytes of codes or of shape and values (a 1-byte integer: tag and varint);
    // strings of up to MAX_VALUE_BYTES have count varints of at most 3 bytes, the reference takes 3
    return 2 * length + 64;
  }

  /**
   * One pass over a value: checks it is compact JSON, builds its shape and writes its tagged values to
   * {@code out} (when set), or collects its strings by path (when {@code strings} is set).
   */
  private static final class Scan {
    record PathString(long path, byte[] bytes) {}

    private JsonModel model;
    byte[] out;
    int outAt;
    List<PathString> strings;
    private byte[] v;
    private int i;
    final ByteSink shape = new ByteSink(256);

    byte[] shape() {
      return shape.toArray();
    }

    boolean run(JsonModel model, byte[] value) {
      this.model = model;
      v = value;
      i = 0;
      shape.reset();
      return value.length > 0 && value(ROOT, 0) && i == value.length;
    }

    private boolean value(long path, int depth) {
      if (i >= v.length) {
        return false;
      }
      byte c = v[i];
      switch (c) {
        case '{':
        case '[':
          return container(path, depth + 1, c == '{');
        case '"': {
          int start = i + 1;
          int end = stringEnd(v, start);
          if (end < 0) {
            return false;
          }
          i = end + 1;
          string(path, start, end);
          return true;
        }
        case 't':
          return literal("true") && bool(1);
        case 'f':
          return literal("false") && bool(0);
        case 'n':
          if (!literal("null")) {
            return false;
          }
          shape.write(v, i - 4, 4);
          return true;
        default:
          return number();
      }
    }

    /** An object ({@code object}) or an array at {@code v[i]}; array elements keep the array's path. */
    private boolean container(long path, int depth, boolean object) {
      if (depth > MAX_DEPTH) {
        return false;
      }
      byte close = (byte) (object ? '}' : ']');
      shape.write(v[i]);
      i++;
      if (i < v.length && v[i] == close) {
        shape.write(close);
        i++;
        return true;
      }
      while (true) {
        if (shape.size > MAX_SHAPE_BYTES) {
          return false; // no model shape is this long, and none is carried inline
        }
        long member = path;
        if (object) {
          if (i >= v.length || v[i] != '"') {
            return false;
          }
          int end = stringEnd(v, i + 1);
          if (end < 0 || end + 1 >= v.length || v[end + 1] != ':') {
            return false;
          }
          member = child(path, v, i + 1, end);
          shape.write(v, i, end + 2 - i); // "key":
          i = end + 2;
        }
        if (!value(member, depth) || i >= v.length) {
          return false;
        }
        if (v[i] == close) {
          shape.write(close);
          i++;
          return true;
        }
        if (v[i] != ',') {
          return false;
        }
        shape.write(',');
        i++;
      }
    }

    private boolean literal(String word) {
      int n = word.length();
      if (i + n > v.length) {
        return false;
      }
      for (int k = 0; k < n; k++) {
        if (v[i + k] != word.charAt(k)) {
          return false;
        }
      }
      i += n;
      return true;
    }

    private boolean bool(int b) {
      shape.write(BOOL);
      if (out != null) {
        out[outAt++] = (byte) b;
      }
      return true;
    }

    /** A JSON number as the grammar has it, tagged INT, DECn or NUMBER. */
    private boolean number() {
      int start = i;
      if (i < v.length && v[i] == '-') {
        i++;
      }
      int intStart = i;
      if (i >= v.length || v[i] < '0' || v[i] > '9') {
        return false;
      }
      if (v[i] == '0') {
        i++;
      } else {
        while (i < v.length && v[i] >= '0' && v[i] <= '9') {
          i++;
        }
      }
      int intEnd = i;
      int fracStart = -1;
      if (i < v.length && v[i] == '.') {
        i++;
        fracStart = i;
        while (i < v.length && v[i] >= '0' && v[i] <= '9') {
          i++;
        }
        if (i == fracStart) {
          return false;
        }
      }
      int fracEnd = i;
      boolean exponent = false;
      if (i < v.length && (v[i] == 'e' || v[i] == 'E')) {
        exponent = true;
        i++;
        if (i < v.length && (v[i] == '+' || v[i] == '-')) {
          i++;
        }
        int expStart = i;
        while (i < v.length && v[i] >= '0' && v[i] <= '9') {
          i++;
        }
        if (i == expStart) {
          return false;
        }
      }
      boolean negative = v[start] == '-';
      int scale = fracStart < 0 ? 0 : fracEnd - fracStart;
      int digits = (intEnd - intStart) + scale;
      // up to 18 digits always fit a long; 19 do for integers up to Long.MAX_VALUE (checked below)
      if (!exponent && (digits <= 18 || (digits == 19 && scale == 0)) && scale <= 9) {
        long unscaled = 0;
        boolean overflow = false;
        for (int k = intStart; k < intEnd; k++) {
          overflow |= unscaled > (Long.MAX_VALUE - (v[k] - '0')) / 10;
          unscaled = unscaled * 10 + (v[k] - '0');
        }
        for (int k = fracStart; k >= 0 && k < fracEnd; k++) {
          unscaled = unscaled * 10 + (v[k] - '0');
        }
        if (!overflow && !(negative && unscaled == 0)) { // -0 and -0.00 keep their text
          shape.write(scale == 0 ? INT : DEC + scale);
          if (out != null) {
            outAt = writeZigzag(out, outAt, negative ? -unscaled : unscaled);
          }
          return true;
        }
      }
      shape.write(NUMBER);
      if (out != null) {
        outAt = writeVarint(out, outAt, i - start);
        System.arraycopy(v, start, out, outAt, i - start);
        outAt += i - start;
      }
      return true;
    }

    /** The string {@code v[start, end)} (as written, escapes included) at {@code path}. */
    private void string(long path, int start, int end) {
      int n = end - start;
      if (n == 20 || n == 24) {
        long t = isoTime(v, start, n);
        if (t != Long.MIN_VALUE) {
          shape.write(n == 20 ? TIME : TIME_MS);
          if (out != null) {
            outAt = writeZigzag(out, outAt, n == 20 ? t - TIME_BASE : t - TIME_BASE * 1000);
          }
          return;
        }
      }
      if (n >= 7 && n <= 15 && ipv4(v, start, end, out, outAt)) {
        shape.write(IPV4);
        if (out != null) {
          outAt += 4;
        }
        return;
      }
      if (n == 36 && uuid(v, start, out, outAt)) {
        shape.write(UUID);
        if (out != null) {
          outAt += 16;
        }
        return;
      }
      if (n >= 16 && n % 2 == 0 && isHex(v, start, end)) {
        shape.write(HEX);
        if (out != null) {
          outAt = writeVarint(out, outAt, n / 2);
          for (int k = start; k < end; k += 2) {
            out[outAt++] = (byte) (hexValue(v[k]) << 4 | hexValue(v[k + 1]));
          }
        }
        return;
      }
      if (n >= 16 && isToken(v, start, end)) {
        shape.write(B64);
        if (out != null) {
          int bytes = n * 6 / 8;
          outAt = writeVarint(out, outAt, bytes);
          outAt = base64Decode(v, start, end, out, outAt);
        }
        return;
      }
      shape.write(STRING);
      if (strings != null) {
        strings.add(new PathString(path, Arrays.copyOfRange(v, start, end)));
      }
      if (out != null) {
        SymbolTable table = model.table(path);
        if (table == null) {
          outAt = writeVarint(out, outAt, n);
          System.arraycopy(v, start, out, outAt, n);
          outAt += n;
        } else {
          // the count comes first: leave room for its longest varint, then move the codes if shorter
          int room = varintSize(2 * n);
          int codes = table.encode(v, start, n, out, outAt + room);
          int size = varintSize(codes);
          if (size != room) {
            System.arraycopy(out, outAt + room, out, outAt + size, codes);
          }
          outAt = writeVarint(out, outAt, codes) + codes;
        }
      }
    }
  }

  // ---------------------------------------------------------------- decoding

  /**
   * Decodes the payload {@code src[off, end)} into exactly {@code out.length} bytes.
   *
   * @throws CodecException when the payload is malformed, names a shape or a table the model lacks, or
   *     does not decode to exactly {@code out.length} bytes
   */
  void decode(byte[] src, int off, int end, byte[] out) throws CodecException {
    Reader in = new Reader(src, off, end);
    long ref = in.varint();
    byte[] shape;
    if (ref == 0) {
      shape = in.bytes(in.count(MAX_SHAPE_BYTES, "inline shape bytes"));
    } else if (ref > 0 && ref <= shapes.length) {
      shape = shapes[(int) ref - 1];
    } else {
      throw new CodecException("json shape " + ref + " is not in the model (" + shapes.length + " shapes)");
    }
    Writer w = new Writer(out);
    long[] paths = new long[MAX_DEPTH + 1];
    boolean[] inObject = new boolean[MAX_DEPTH + 1];
    int depth = 0;
    paths[0] = ROOT;
    long key = ROOT; // the path of the value after the last key read
    int j = 0;
    while (j < shape.length) {
      int b = shape[j] & 0xFF;
      if (b == '"') {
        int close = stringEnd(shape, j + 1);
        if (close < 0) {
          throw new CodecException("json shape has an unterminated key");
        }
        key = child(paths[depth], shape, j + 1, close);
        w.write(shape, j, close + 1 - j);
        j = close + 1;
        continue;
      }
      long path = depth > 0 && inObject[depth] ? key : paths[depth];
      if (b == '{' || b == '[') {
        if (depth == MAX_DEPTH) {
          throw new CodecException("json shape nests deeper than " + MAX_DEPTH);
        }
        depth++;
        paths[depth] = path;
        inObject[depth] = b == '{';
        w.write(b);
      } else if (b == '}' || b == ']') {
        if (depth == 0) {
          throw new CodecException("json shape closes more than it opens");
        }
        depth--;
        w.write(b);
      } else if (b >= STRING && b <= LAST_TAG) {
        value(b, path, in, w);
      } else {
        w.write(b);
      }
      j++;
    }
    if (in.at != end) {
      throw new CodecException("json payload has " + (end - in.at) + " bytes its shape does not use");
    }
    if (w.at != out.length) {
      throw new CodecException("json payload decodes to " + w.at + " bytes, not the declared " + out.length);
    }
  }

  private void value(int tag, long path, Reader in, Writer w) throws CodecException {
    switch (tag) {
      case STRING: {
        int n = in.count(in.end - in.at, "string bytes");
        w.write('"');
        SymbolTable table = table(path);
        if (table == null) {
          w.write(in.src, in.at, n);
        } else {
          w.at += table.decode(in.src, in.at, n, w.out, w.at, w.out.length - w.at);
        }
        in.at += n;
        w.write('"');
        return;
      }
      case INT:
        w.decimal(in.zigzag(), 0);
        return;
      case NUMBER: {
        int n = in.count(in.end - in.at, "number bytes");
        w.write(in.src, in.at, n);
        in.at += n;
        return;
      }
      case TIME:
      case TIME_MS: {
        long t = in.zigzag();
        w.write('"');
        w.isoTime(tag == TIME ? t + TIME_BASE : t + TIME_BASE * 1000, tag == TIME_MS);
        w.write('"');
        return;
      }
      case IPV4: {
        w.write('"');
        for (int k = 0; k < 4; k++) {
          if (k > 0) {
            w.write('.');
          }
          w.decimal(in.u8(), 0);
        }
        w.write('"');
        return;
      }
      case UUID: {
        w.write('"');
        for (int k = 0; k < 16; k++) {
          if (k == 4 || k == 6 || k == 8 || k == 10) {
            w.write('-');
          }
          w.hex(in.u8());
        }
        w.write('"');
        return;
      }
      case HEX: {
        int n = in.count(in.end - in.at, "hex bytes");
        w.write('"');
        for (int k = 0; k < n; k++) {
          w.hex(in.u8());
        }
        w.write('"');
        return;
      }
      case B64: {
        int n = in.count(in.end - in.at, "token bytes");
        w.write('"');
        w.base64(in.src, in.at, n);
        in.at += n;
        w.write('"');
        return;
      }
      case BOOL: {
        int b = in.u8();
        if (b > 1) {
          throw new CodecException("json boolean byte " + b + " (expected: 0 or 1)");
        }
        w.write(b == 1 ? TRUE : FALSE);
        return;
      }
      default: {
        if (tag <= DEC || tag > DEC + 9) {
          throw new CodecException("json tag " + tag + " is unknown");
        }
        w.decimal(in.zigzag(), tag - DEC);
      }
    }
  }

  private static final ThreadLocal<Scan> SCANS = ThreadLocal.withInitial(Scan::new);
  private static final byte[] TRUE = "true".getBytes(StandardCharsets.US_ASCII);
  private static final byte[] FALSE = "false".getBytes(StandardCharsets.US_ASCII);

  // ---------------------------------------------------------------- shared pieces

  /** The index of the quote closing the string whose content starts at {@code start}, or -1. */
  private static int stringEnd(byte[] b, int start) {
    for (int k = start; k < b.length; k++) {
      if (b[k] == '\\') {
        k++;
      } else if (b[k] == '"') {
        return k;
      }
    }
    return -1;
  }

  /** The path of the value under key {@code b[start, end)} of an object at {@code parent}. */
  private static long child(long parent, byte[] b, int start, int end) {
    long h = 0xcbf29ce484222325L;
    for (int k = start; k < end; k++) {
      h = (h ^ (b[k] & 0xFF)) * 0x100000001b3L;
    }
    long x = (parent * 0x9E3779B97F4A7C15L) ^ h;
    x ^= x >>> 31;
    x *= 0xbf58476d1ce4e5b9L;
    return x ^ (x >>> 29);
  }

  /**
   * The time {@code b[start..]} names when it is {@code YYYY-MM-DDTHH:MM:SSZ} ({@code n = 20}, seconds)
   * or {@code YYYY-MM-DDTHH:MM:SS.mmmZ} ({@code n = 24}, milliseconds) as written by {@link Writer#isoTime};
   * else {@link Long#MIN_VALUE}.
   */
  private static long isoTime(byte[] b, int start, int n) {
    String pattern = n == 20 ? "dddd-dd-ddTdd:dd:ddZ" : "dddd-dd-ddTdd:dd:dd.dddZ";
    for (int k = 0; k < n; k++) {
      char p = pattern.charAt(k);
      byte c = b[start + k];
      if (p == 'd' ? c < '0' || c > '9' : c != p) {
        return Long.MIN_VALUE;
      }
    }
    try {
      LocalDateTime t = LocalDateTime.of(digits(b, start, 4), digits(b, start + 5, 2), digits(b, start + 8, 2),
          digits(b, start + 11, 2), digits(b, start + 14, 2), digits(b, start + 17, 2));
      long seconds = t.toEpochSecond(ZoneOffset.UTC);
      return n == 20 ? seconds : seconds * 1000 + digits(b, start + 20, 3);
    } catch (DateTimeException e) {
      return Long.MIN_VALUE;
    }
  }

  private static int digits(byte[] b, int at, int n) {
    int x = 0;
    for (int k = 0; k < n; k++) {
      x = x * 10 + (b[at + k] - '0');
    }
    return x;
  }

  /** Whether {@code b[start, end)} is a dotted IPv4 address without leading zeros; writes its 4 bytes when {@code out} is set. */
  private static boolean ipv4(byte[] b, int start, int end, byte[] out, int at) {
    int part = 0;
    int k = start;
    while (part < 4) {
      int s = k;
      int x = 0;
      while (k < end && b[k] >= '0' && b[k] <= '9' && k - s < 3) {
        x = x * 10 + (b[k] - '0');
        k++;
      }
      int len = k - s;
      if (len == 0 || x > 255 || (len > 1 && b[s] == '0')) {
        return false;
      }
      if (out != null) {
        out[at + part] = (byte) x;
      }
      part++;
      if (part < 4) {
        if (k >= end || b[k] != '.') {
          return false;
        }
        k++;
      }
    }
    return k == end;
  }

  private static boolean uuid(byte[] b, int start, byte[] out, int at) {
    for (int k = 0; k < 36; k++) {
      byte c = b[start + k];
      if (k == 8 || k == 13 || k == 18 || k == 23) {
        if (c != '-') {
          return false;
        }
      } else if (hexValue(c) < 0) {
        return false;
      }
    }
    if (out != null) {
      int o = at;
      for (int k = 0; k < 36; ) {
        if (b[start + k] == '-') {
          k++;
          continue;
        }
        out[o++] = (byte) (hexValue(b[start + k]) << 4 | hexValue(b[start + k + 1]));
        k += 2;
      }
    }
    return true;
  }

  private static boolean isHex(byte[] b, int start, int end) {
    for (int k = start; k < end; k++) {
      if (hexValue(b[k]) < 0) {
        return false;
      }
    }
    return true;
  }

  /** The value of a lower-case hex digit, or -1. */
  private static int hexValue(byte c) {
    if (c >= '0' && c <= '9') {
      return c - '0';
    }
    if (c >= 'a' && c <= 'f') {
      return c - 'a' + 10;
    }
    return -1;
  }

  /**
   * Whether {@code b[start, end)} looks like a random base64url token (no padding) and is its bytes'
   * canonical encoding: only the 64 characters, a length that is not 1 mod 4, unused trailing bits zero,
   * and at least one digit, one upper-case and one lower-case letter (so words stay strings).
   */
  private static boolean isToken(byte[] b, int start, int end) {
    int n = end - start;
    if (n % 4 == 1) {
      return false;
    }
    boolean digit = false;
    boolean upper = false;
    boolean lower = false;
    for (int k = start; k < end; k++) {
      byte c = b[k];
      if (B64_VALUES[c & 0xFF] < 0) {
        return false;
      }
      digit |= c >= '0' && c <= '9';
      upper |= c >= 'A' && c <= 'Z';
      lower |= c >= 'a' && c <= 'z';
    }
    if (!(digit && upper && lower)) {
      return false;
    }
    int last = B64_VALUES[b[end - 1] & 0xFF];
    return switch (n % 4) {
      case 2 -> (last & 0x0F) == 0;
      case 3 -> (last & 0x03) == 0;
      default -> true;
    };
  }

  private static int base64Decode(byte[] b, int start, int end, byte[] out, int at) {
    int bits = 0;
    int acc = 0;
    for (int k = start; k < end; k++) {
      acc = acc << 6 | B64_VALUES[b[k] & 0xFF];
      bits += 6;
      if (bits >= 8) {
        bits -= 8;
        out[at++] = (byte) (acc >>> bits);
      }
    }
    return at;
  }

  static int varintSize(long v) {
    int n = 1;
    while ((v & ~0x7FL) != 0) {
      v >>>= 7;
      n++;
    }
    return n;
  }

  private static int writeVarint(byte[] dst, int at, long v) {
    while ((v & ~0x7FL) != 0) {
      dst[at++] = (byte) ((v & 0x7F) | 0x80);
      v >>>= 7;
    }
    dst[at++] = (byte) v;
    return at;
  }

  private static int writeZigzag(byte[] dst, int at, long v) {
    return writeVarint(dst, at, (v << 1) ^ (v >> 63));
  }

  /** Bounds-checked reads of a payload or a stored model. */
  private static final class Reader {
    final byte[] src;
    final int end;
    int at;

    Reader(byte[] src, int at, int end) {
      this.src = src;
      this.at = at;
      this.end = end;
    }

    long varint() throws CodecException {
      long v = 0;
      for (int shift = 0; shift < 64; shift += 7) {
        if (at >= end) {
          throw new CodecException("json payload ends inside a varint");
        }
        int b = src[at++] & 0xFF;
        if (shift == 63 && b > 1) {
          throw new CodecException("json varint larger than 64 bits");
        }
        v |= (long) (b & 0x7F) << shift;
        if (b < 0x80) {
          return v;
        }
      }
      throw new CodecException("json varint longer than 10 bytes");
    }

    long zigzag() throws CodecException {
      long v = varint();
      return (v >>> 1) ^ -(v & 1);
    }

    /** A varint no larger than {@code max} nor than the bytes left. */
    int count(int max, String what) throws CodecException {
      long n = varint();
      if (n < 0 || n > max || n > end - at) {
        throw new CodecException("json " + what + ": " + n + " (at most " + Math.min(max, end - at) + " here)");
      }
      return (int) n;
    }

    int u8() throws CodecException {
      if (at >= end) {
        throw new CodecException("json payload ends early");
      }
      return src[at++] & 0xFF;
    }

    byte[] bytes(int n) throws CodecException {
      if (n > end - at) {
        throw new CodecException("json payload ends early");
      }
      byte[] b = Arrays.copyOfRange(src, at, at + n);
      at += n;
      return b;
    }
  }

  /** Bounds-checked writes of a decoded value. */
  private static final class Writer {
    final byte[] out;
    int at;
    private final byte[] scratch = new byte[24];

    Writer(byte[] out) {
      this.out = out;
    }

    private void room(int n) throws CodecException {
      if (n > out.length - at) {
        throw new CodecException("json payload decodes to more than the declared " + out.length + " bytes");
      }
    }

    void write(int b) throws CodecException {
      room(1);
      out[at++] = (byte) b;
    }

    void write(byte[] b) throws CodecException {
      write(b, 0, b.length);
    }

    void write(byte[] b, int off, int n) throws CodecException {
      room(n);
      System.arraycopy(b, off, out, at, n);
      at += n;
    }

    /** Byte {@code x} as two lower-case hex digits. */
    void hex(int x) throws CodecException {
      write(HEX_DIGITS[x >>> 4]);
      write(HEX_DIGITS[x & 15]);
    }

    /** {@code unscaled} with {@code scale} decimals: {@code -1234, 2} is {@code -12.34}. */
    void decimal(long unscaled, int scale) throws CodecException {
      boolean negative = unscaled < 0;
      if (unscaled == Long.MIN_VALUE || (scale > 0 && Math.abs(unscaled) >= POW10[18])) {
        throw new CodecException("json number out of range");
      }
      long abs = Math.abs(unscaled);
      int k = scratch.length;
      int digits = 0;
      do {
        if (scale > 0 && digits == scale) {
          scratch[--k] = '.';
        }
        scratch[--k] = (byte) ('0' + abs % 10);
        abs /= 10;
        digits++;
      } while (abs > 0 || digits <= scale);
      if (negative) {
        scratch[--k] = '-';
      }
      write(scratch, k, scratch.length - k);
    }

    void isoTime(long t, boolean millis) throws CodecException {
      long seconds = millis ? Math.floorDiv(t, 1000) : t;
      LocalDateTime d;
      try {
        d = LocalDateTime.ofEpochSecond(seconds, 0, ZoneOffset.UTC);
      } catch (DateTimeException e) {
        throw new CodecException("json time " + t + " out of range");
      }
      if (d.getYear() < 0 || d.getYear() > 9999) {
        throw new CodecException("json time " + t + " out of range");
      }
      fixed(d.getYear(), 4);
      write('-');
      fixed(d.getMonthValue(), 2);
      write('-');
      fixed(d.getDayOfMonth(), 2);
      write('T');
      fixed(d.getHour(), 2);
      write(':');
      fixed(d.getMinute(), 2);
      write(':');
      fixed(d.getSecond(), 2);
      if (millis) {
        write('.');
        fixed((int) Math.floorMod(t, 1000), 3);
      }
      write('Z');
    }

    private void fixed(int x, int n) throws CodecException {
      room(n);
      for (int k = n - 1; k >= 0; k--) {
        out[at + k] = (byte) ('0' + x % 10);
        x /= 10;
      }
      at += n;
    }

    void base64(byte[] b, int off, int n) throws CodecException {
      int acc = 0;
      int bits = 0;
      for (int k = 0; k < n; k++) {
        acc = acc << 8 | (b[off + k] & 0xFF);
        bits += 8;
        while (bits >= 6) {
          bits -= 6;
          write(B64_DIGITS[(acc >>> bits) & 63]);
        }
      }
      if (bits > 0) {
        write(B64_DIGITS[(acc << (6 - bits)) & 63]);
      }
    }
  }

  /** A growable byte buffer. */
  private static final class ByteSink {
    byte[] buf;
    int size;

    ByteSink(int capacity) {
      buf = new byte[capacity];
    }

    void reset() {
      size = 0;
    }

    void write(int b) {
      if (size == buf.length) {
        buf = Arrays.copyOf(buf, buf.length * 2);
      }
      buf[size++] = (byte) b;
    }

    void write(byte[] b, int off, int n) {
      if (size + n > buf.length) {
        buf = Arrays.copyOf(buf, Math.max(buf.length * 2, size + n));
      }
      System.arraycopy(b, off, buf, size, n);
      size += n;
    }

    void varint(long v) {
      while ((v & ~0x7FL) != 0) {
        write((int) ((v & 0x7F) | 0x80));
        v >>>= 7;
      }
      write((int) v);
    }

    byte[] toArray() {
      return Arrays.copyOf(buf, size);
    }
  }
}
