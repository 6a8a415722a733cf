package io.compactor.codec;

import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.nio.ByteOrder;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * A static symbol table for short strings, after FSST (Boncz, Neumann, Leis: "FSST: Fast Random Access
 * String Compression", VLDB 2020): up to 255 symbols of 1–8 bytes, each written as a one-byte code;
 * code 255 escapes the next byte, written as it is. Names, e-mail addresses, URLs and the like, too
 * short for zstd's frame and tables to pay off, come out at roughly half their length. Immutable and
 * thread-safe.
 *
 * <p>Serialized form (stored like a zstd dictionary, under the rule's dictionary id): the bytes
 * {@code 'F' 'S' 'T'}, format version 1, the symbol count n (0..255), n symbol lengths (1..8 each),
 * then the n symbols' bytes one after the other. Symbol i has code i.
 */
final class SymbolTable {
  static final int ESCAPE = 255;
  static final int MAX_SYMBOLS = 255;
  static final int MAX_SYMBOL_LENGTH = 8;
  static final int VERSION = 1;
  private static final int HEADER = 5;
  /** Training rounds: each parses the sample with the previous table and keeps the best 255 symbols. */
  private static final int GENERATIONS = 5;

  private static final VarHandle LONG_LE = MethodHandles.byteArrayViewVarHandle(long[].class, ByteOrder.LITTLE_ENDIAN);
  /** Slots of the index of symbols by their first two bytes (open addressing; at most 255 are used). */
  private static final int SLOTS = 1024;
  private static final byte[] NONE = new byte[0];

  private final byte[][] symbols;
  /** The symbols as little-endian longs (for matching 8 bytes at a time). */
  private final long[] words;
  /** The symbols' lengths. */
  private final int[] lengths;
  /** The code of each single-byte symbol, -1 where there is none. */
  private final int[] single = new int[256];
  /** Index of the symbols of 2+ bytes by their first two bytes: keys (-1: empty slot) and codes, longest first. */
  private final int[] pairKeys = new int[SLOTS];
  private final byte[][] pairCodes = new byte[SLOTS][];

  private SymbolTable(byte[][] symbols) {
    this.symbols = symbols;
    this.words = new long[symbols.length];
    this.lengths = new int[symbols.length];
    Arrays.fill(single, -1);
    Arrays.fill(pairKeys, -1);
    Map<Integer, List<Integer>> byPair = new HashMap<>();
    for (int code = 0; code < symbols.length; code++) {
      byte[] s = symbols[code];
      words[code] = word(s, 0, s.length);
      lengths[code] = s.length;
      if (s.length == 1) {
        single[s[0] & 0xFF] = code;
      } else {
        byPair.computeIfAbsent(pairKey(s, 0), k -> new ArrayList<>()).add(code);
      }
    }
    for (Map.Entry<Integer, List<Integer>> e : byPair.entrySet()) {
      List<Integer> codes = e.getValue();
      codes.sort((x, y) -> Integer.compare(symbols[y].length, symbols[x].length));
      byte[] arr = new byte[codes.size()];
      for (int i = 0; i < arr.length; i++) {
        arr[i] = (byte) (int) codes.get(i);
      }
      int slot = slot(e.getKey());
      while (pairKeys[slot] != -1) {
        slot = (slot + 1) & (SLOTS - 1);
      }
      pairKeys[slot] = e.getKey();
      pairCodes[slot] = arr;
    }
  }

  private static int pairKey(byte[] b, int at) {
    return (b[at] & 0xFF) | (b[at + 1] & 0xFF) << 8;
  }

  private static int slot(int key) {
    return (key * 0x9E3779B1) >>> 22; // 10 bits: SLOTS
  }

  /** The codes of the 2+ byte symbols starting with {@code key}'s two bytes, longest first. */
  private byte[] pairCandidates(int key) {
    int slot = slot(key);
    while (true) {
      int k = pairKeys[slot];
      if (k == key) {
        return pairCodes[slot];
      }
      if (k == -1) {
        return NONE;
      }
      slot = (slot + 1) & (SLOTS - 1);
    }
  }

  /** How many symbols the table has. */
  int size() {
    return symbols.length;
  }

  /** A table of the given symbols (each 1–8 bytes, no duplicates, at most 255). */
  static SymbolTable of(List<byte[]> symbols) {
    if (symbols.size() > MAX_SYMBOLS) {
      throw new IllegalArgumentException("symbols: " + symbols.size() + " (expected: at most " + MAX_SYMBOLS + ")");
    }
    Map<String, Boolean> seen = new HashMap<>();
    byte[][] arr = new byte[symbols.size()][];
    for (int i = 0; i < arr.length; i++) {
      byte[] s = symbols.get(i);
      if (s.length < 1 || s.length > MAX_SYMBOL_LENGTH) {
        throw new IllegalArgumentException("symbol " + i + ": " + s.length + " bytes (expected: 1.." + MAX_SYMBOL_LENGTH + ")");
      }
      if (seen.put(key(s), Boolean.TRUE) != null) {
        throw new IllegalArgumentException("symbol " + i + ": a duplicate");
      }
      arr[i] = s.clone();
    }
    return new SymbolTable(arr);
  }

  /** Whether {@code bytes} starts like a serialized table (it may still be malformed). */
  static boolean looksLikeTable(byte[] bytes) {
    return bytes.length >= 4 && bytes[0] == 'F' && bytes[1] == 'S' && bytes[2] == 'T';
  }

  /** Reads a serialized table, checking every field. */
  static SymbolTable parse(byte[] bytes) throws CodecException {
    if (!looksLikeTable(bytes)) {
      throw new CodecException("symbol table of " + bytes.length + " bytes does not start with 'FST'");
    }
    if (bytes[3] != VERSION) {
      throw new CodecException("symbol table has an unknown version " + bytes[3] + " (expected: " + VERSION + ")");
    }
    if (bytes.length < HEADER) {
      throw new CodecException("symbol table of " + bytes.length + " bytes is truncated");
    }
    int n = bytes[4] & 0xFF;
    if (n > MAX_SYMBOLS) {
      throw new CodecException("symbol table has " + n + " symbols (expected: at most " + MAX_SYMBOLS + ")");
    }
    if (bytes.length < HEADER + n) {
      throw new CodecException("symbol table of " + bytes.length + " bytes is truncated");
    }
    int at = HEADER + n;
    List<byte[]> symbols = new ArrayList<>(n);
    for (int i = 0; i < n; i++) {
      int len = bytes[HEADER + i];
      if (len < 1 || len > MAX_SYMBOL_LENGTH) {
        throw new CodecException("symbol table: symbol " + i + " has length " + len + " (expected: 1.." + MAX_SYMBOL_LENGTH + ")");
      }
      if (at + len > bytes.length) {
        throw new CodecException("symbol table of " + bytes.length + " bytes is truncated");
      }
      symbols.add(Arrays.copyOfRange(bytes, at, at + len));
      at += len;
    }
    if (at != bytes.length) {
      throw new CodecException("symbol table has " + (bytes.length - at) + " bytes after its last symbol");
    }
    try {
      return of(symbols);
    } catch (IllegalArgumentException e) {
      throw new CodecException("symbol table: " + e.getMessage());
    }
  }

  /** The serialized form (see the class comment). */
  byte[] serialize() {
    int total = HEADER + symbols.length;
    for (byte[] s : symbols) {
      total += s.length;
    }
    byte[] out = new byte[total];
    out[0] = 'F';
    out[1] = 'S';
    out[2] = 'T';
    out[3] = VERSION;
    out[4] = (byte) symbols.length;
    int at = HEADER + symbols.length;
    for (int i = 0; i < symbols.length; i++) {
      out[HEADER + i] = (byte) symbols[i].length;
      System.arraycopy(symbols[i], 0, out, at, symbols[i].length);
      at += symbols[i].length;
    }
    return out;
  }

  /**
   * Encodes {@code src[off, off+len)} into {@code dst} from {@code dstOff}, which must have room for
   * {@code 2 * len} bytes (every byte escaped); returns the encoded length.
   */
  int encode(byte[] src, int off, int len, byte[] dst, int dstOff) {
    int end = off + len;
    int out = dstOff;
    int i = off;
    while (i < end) {
      int code = match(src, i, end);
      if (code < 0) {
        dst[out++] = (byte) ESCAPE;
        dst[out++] = src[i++];
      } else {
        dst[out++] = (byte) code;
        i += lengths[code];
      }
    }
    return out - dstOff;
  }

  /** The code of the longest symbol at {@code src[i..]}, or -1. */
  private int match(byte[] src, int i, int end) {
    int avail = end - i;
    if (avail >= 2) {
      byte[] candidates = pairCandidates(pairKey(src, i));
      if (candidates.length > 0) {
        long window;
        if (avail >= MAX_SYMBOL_LENGTH) {
          avail = MAX_SYMBOL_LENGTH;
          window = (long) LONG_LE.get(src, i);
        } else {
          window = word(src, i, avail);
        }
        for (byte c : candidates) {
          int code = c & 0xFF;
          int len = lengths[code];
          if (len <= avail && (window & mask(len)) == words[code]) {
            return code;
          }
        }
      }
    }
    return single[src[i] & 0xFF];
  }

  /**
   * Decodes {@code src[off, off+len)} into {@code dst} from {@code dstOff}, writing at most
   * {@code dstLen} bytes; returns the decoded length.
   *
   * @throws CodecException on a code the table does not have, a trailing escape, or more output than
   *     {@code dstLen}
   */
  int decode(byte[] src, int off, int len, byte[] dst, int dstOff, int dstLen) throws CodecException {
    int end = off + len;
    int limit = dstOff + dstLen;
    int out = dstOff;
    int i = off;
    while (i < end) {
      int code = src[i++] & 0xFF;
      if (code == ESCAPE) {
        if (i == end) {
          throw new CodecException("symbol codes end with an escape");
        }
        if (out == limit) {
          throw new CodecException("symbol codes decode to more than " + dstLen + " bytes");
        }
        dst[out++] = src[i++];
        continue;
      }
      if (code >= symbols.length) {
        throw new CodecException("symbol code " + code + " is not in the table (" + symbols.length + " symbols)");
      }
      byte[] s = symbols[code];
      if (out + s.length > limit) {
        throw new CodecException("symbol codes decode to more than " + dstLen + " bytes");
      }
      System.arraycopy(s, 0, dst, out, s.length);
      out += s.length;
    }
    return out - dstOff;
  }

  private static long word(byte[] b, int off, int len) {
    long w = 0;
    for (int k = len - 1; k >= 0; k--) {
      w = (w << 8) | (b[off + k] & 0xFF);
    }
    return w;
  }

  private static long mask(int len) {
    return len == 8 ? -1L : (1L << (8 * len)) - 1;
  }

  private static String key(byte[] s) {
    return new String(s, java.nio.charset.StandardCharsets.ISO_8859_1);
  }

  /**
   * Trains a table on {@code samples}: starting from no symbols, each generation parses the samples
   * with the current table, counts the symbols and escaped bytes it used and every pair of neighbours
   * (concatenated, cut to 8 bytes), and keeps the 255 candidates with the largest gain, where a
   * candidate's gain is the bytes it covered (occurrences × length; escaped bytes count double, as a
   * code for them saves their escape too).
   */
  static SymbolTable train(List<byte[]> samples) {
    SymbolTable table = new SymbolTable(new byte[0][]);
    long[] pairs = new long[TOKENS * TOKENS]; // 2 MB, whatever the sample
    for (int gen = 0; gen < GENERATIONS; gen++) {
      Arrays.fill(pairs, 0);
      table = table.nextGeneration(samples, pairs);
    }
    return table;
  }

  /** Tokens while training: codes 0..254 are symbols, 256+b an escaped byte b. */
  private static final int TOKENS = 512;

  private SymbolTable nextGeneration(List<byte[]> samples, long[] pairs) {
    long[] single = new long[TOKENS];
    for (byte[] s : samples) {
      int prev = -1;
      int i = 0;
      while (i < s.length) {
        int code = match(s, i, s.length);
        int token;
        if (code < 0) {
          token = 256 + (s[i] & 0xFF);
          i++;
        } else {
          token = code;
          i += symbols[code].length;
        }
        single[token]++;
        if (prev >= 0) {
          pairs[prev * TOKENS + token]++;
        }
        prev = token;
      }
    }
    Map<String, long[]> gains = new HashMap<>();
    for (int t = 0; t < TOKENS; t++) {
      if (single[t] > 0) {
        byte[] sym = tokenBytes(t);
        long gain = single[t] * sym.length * (t >= 256 ? 2 : 1);
        gains.computeIfAbsent(key(sym), k -> new long[1])[0] += gain;
      }
    }
    for (int p = 0; p < pairs.length; p++) {
      if (pairs[p] == 0) {
        continue;
      }
      byte[] a = tokenBytes(p / TOKENS);
      if (a.length == MAX_SYMBOL_LENGTH) {
        continue;
      }
      byte[] b = tokenBytes(p % TOKENS);
      int len = Math.min(MAX_SYMBOL_LENGTH, a.length + b.length);
      byte[] joined = Arrays.copyOf(a, len);
      System.arraycopy(b, 0, joined, a.length, len - a.length);
      gains.computeIfAbsent(key(joined), k -> new long[1])[0] += pairs[p] * len;
    }
    List<Map.Entry<String, long[]>> ranked = new ArrayList<>(gains.entrySet());
    ranked.sort((x, y) -> {
      int c = Long.compare(y.getValue()[0], x.getValue()[0]);
      return c != 0 ? c : x.getKey().compareTo(y.getKey()); // deterministic
    });
    int keep = Math.min(MAX_SYMBOLS, ranked.size());
    byte[][] next = new byte[keep][];
    for (int i = 0; i < keep; i++) {
      next[i] = ranked.get(i).getKey().getBytes(java.nio.charset.StandardCharsets.ISO_8859_1);
    }
    return new SymbolTable(next);
  }

  private byte[] tokenBytes(int token) {
    return token >= 256 ? new byte[] {(byte) (token - 256)} : symbols[token];
  }
}
