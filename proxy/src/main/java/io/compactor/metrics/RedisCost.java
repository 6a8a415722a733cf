package io.compactor.metrics;

import java.nio.charset.StandardCharsets;

/**
 * What Redis 7.0 spends on plain string keys, in bytes of {@code used_memory}: a pure model of the
 * allocations {@code SET key value [EX s]} leaves behind, built from Redis 7.0's source (object.c, sds.c,
 * dict.c, db.c) and checked to the byte against redis-server 7.0.15 by {@code RedisCostIT}.
 *
 * <p>The allocator is jemalloc 5.x with its default 16-byte quantum, as in Debian's and Ubuntu's
 * {@code redis-server} (linked to the system libjemalloc). Redis's own build of its bundled jemalloc
 * ({@code deps/Makefile}: {@code --with-lg-quantum=3}, e.g. the official Docker images) has 8-byte classes
 * below 64 (24, 40, 56), so there a dictEntry costs 24, not 32, and small keys cost up to ~10 % less than
 * modelled here. Also outside the model: cluster mode (16 bytes of slot metadata per dictEntry), dicts in the
 * middle of an incremental rehash (both tables exist), and Valkey 8, whose dictEntry embeds the key
 * (measured: about 16 bytes less per short key).
 *
 * <p>Values arrive through the network: the server copies each argument into a fresh object with
 * {@code createStringObject} (embstr up to 44 bytes, raw above), and {@code SET} then calls
 * {@code tryObjectEncoding}. For arguments of 32 KiB and more ({@code PROTO_MBULK_BIG_ARG}) the server
 * instead adopts the client's query buffer as the value's sds; {@code tryObjectEncoding} trims it when its
 * free space exceeds a tenth of its length, and a jemalloc class step above 16 KiB is always larger than that,
 * so the value ends up in the same size class as a copy would ({@code sdsAlloc}), the client getting a new
 * query buffer (counted in {@code mem_clients_normal}, not in the dataset).
 */
public final class RedisCost {
  /** {@code sizeof(dictEntry)}: key, value and next pointers (no metadata outside cluster mode). */
  private static final int DICT_ENTRY = 24;
  /** {@code sizeof(robj)}: type, encoding, lru, refcount and ptr. */
  private static final int ROBJ = 16;
  /** {@code OBJ_ENCODING_EMBSTR_SIZE_LIMIT}. */
  private static final int EMBSTR_LIMIT = 44;
  /** {@code OBJ_SHARED_INTEGERS}: values 0..9999 may share one preallocated object. */
  private static final long SHARED_INTEGERS = 10_000;

  /**
   * The bytes an entry in {@code db->expires} costs: a 24-byte dictEntry (key pointer shared with the
   * main dict, expiry time as its value) in jemalloc's 32-byte class.
   */
  public static final long EXPIRE_ENTRY = 32;

  private RedisCost() {}

  /**
   * Returns the bytes jemalloc 5.x really allocates (its usable size, what Redis adds to
   * {@code used_memory}) for a malloc of {@code requested} bytes: 8, 16, then multiples of 16 up to 128, then
   * four classes per doubling (160, 192, 224, 256, 320, ...), the same rule for small, large (16 KiB and up,
   * whole pages by construction) and huge sizes. A request of 0 gets the 8-byte class.
   */
  public static long allocSize(long requested) {
    if (requested < 0 || requested > 1L << 62) {
      throw new IllegalArgumentException("requested: " + requested + " (expected: 0..2^62)");
    }
    if (requested <= 8) {
      return 8;
    }
    int lg = 63 - Long.numberOfLeadingZeros(requested - 1); // 2^lg < requested <= 2^(lg+1)
    long step = Math.max(16, 1L << (lg - 2));
    return (requested + step - 1) & -step;
  }

  /**
   * Returns the bytes of the allocation {@code sdsnewlen(length)} makes: the smallest header for the length
   * ({@code sdsReqType}: 1 byte below 32, but 3 for an empty string; 3 below 256; 5 below 65536; 9 below
   * 2^32), the bytes and a NUL, in a jemalloc size class.
   */
  public static long sdsAlloc(int length) {
    if (length < 0) {
      throw new IllegalArgumentException("length: " + length + " (expected: >= 0)");
    }
    int header = length == 0 ? 3 : length < 1 << 5 ? 1 : length < 1 << 8 ? 3 : length < 1 << 16 ? 5 : 9;
    return allocSize(header + (long) length + 1);
  }

  /**
   * Returns the bytes one key costs in the main dict apart from its table slot and its value: the dictEntry
   * (24 bytes in the 32-byte class) and the key's own sds ({@code dbAdd} stores {@code sdsdup(key)}). Note
   * that {@code MEMORY USAGE} counts {@code sizeof(dictEntry)}, 24, so it reports 8 bytes less than this.
   */
  public static long keyEntry(int keyLength) {
    return allocSize(DICT_ENTRY) + sdsAlloc(keyLength);
  }

  /**
   * Returns the bytes of the value object {@code SET} leaves for {@code value}: 0 for a shared integer
   * 0..9999 when {@code sharedIntegers} (true unless maxmemory is set with an LRU or LFU policy), 16 for any
   * other canonical 64-bit integer (an int-encoded robj), else as {@link #stringValue(int, boolean)}.
   */
  public static long stringValue(byte[] value, boolean sharedIntegers) {
    if (value.length <= 20 && isCanonicalInteger(value)) {
      long n = Long.parseLong(new String(value, StandardCharsets.US_ASCII));
      return sharedIntegers && n >= 0 && n < SHARED_INTEGERS ? 0 : ROBJ;
    }
    return stringValue(value.length, sharedIntegers);
  }

  /**
   * Returns the bytes of the value object for a value of {@code length} bytes that is not a canonical integer:
   * up to 44 bytes an embstr (robj, sdshdr8, bytes and NUL in one allocation), longer a raw robj (16) plus
   * {@link #sdsAlloc}. {@code sharedIntegers} has no effect here; it keeps the signature parallel.
   */
  public static long stringValue(int length, boolean sharedIntegers) {
    if (length < 0) {
      throw new IllegalArgumentException("length: " + length + " (expected: >= 0)");
    }
    return length <= EMBSTR_LIMIT ? allocSize(ROBJ + 3 + length + 1) : ROBJ + sdsAlloc(length);
  }

  /**
   * Returns the bytes of a dict's bucket array after {@code entries} inserts into an empty dict, once any
   * rehash has finished: 0 when empty, else 8 per slot for {@code max(4, nextPowerOfTwo(entries))} slots
   * ({@code _dictExpandIfNeeded} grows to {@code used + 1} rounded up when {@code used >= size}, just before an
   * insert). Power-of-two sizes are jemalloc classes, so no rounding is needed.
   */
  public static long dictTable(long entries) {
    if (entries < 0) {
      throw new IllegalArgumentException("entries: " + entries + " (expected: >= 0)");
    }
    if (entries == 0) {
      return 0;
    }
    long slots = Math.max(4, Long.highestOneBit(entries - 1) << 1);
    return 8 * slots;
  }

  /**
   * Returns the bytes one plain string key costs apart from table slots: {@link #keyEntry}, {@link
   * #stringValue(byte[], boolean)} and, with an expiry, {@link #EXPIRE_ENTRY}.
   */
  public static long plainStringKey(int keyLength, byte[] value, boolean hasExpiry, boolean sharedIntegers) {
    return keyEntry(keyLength) + stringValue(value, sharedIntegers) + (hasExpiry ? EXPIRE_ENTRY : 0);
  }

  /**
   * Returns whether Redis's {@code string2ll} accepts {@code value} as a 64-bit integer, i.e. whether
   * {@code tryObjectEncoding} stores it int-encoded: 1 to 20 bytes, "0" or an optional '-' and a digit 1-9
   * followed by digits, within {@code long} range (no '+', no leading zeros, no "-0", no spaces).
   */
  public static boolean isCanonicalInteger(byte[] value) {
    int n = value.length;
    if (n == 0 || n > 20) {
      return false;
    }
    if (n == 1 && value[0] == '0') {
      return true;
    }
    int i = value[0] == '-' ? 1 : 0;
    if (i == n || value[i] < '1' || value[i] > '9') {
      return false;
    }
    long magnitude = 0; // accumulated negatively so that Long.MIN_VALUE fits
    for (; i < n; i++) {
      int d = value[i] - '0';
      if (d < 0 || d > 9 || magnitude < (Long.MIN_VALUE + d) / 10) {
        return false;
      }
      magnitude = magnitude * 10 - d;
    }
    return value[0] == '-' || magnitude != Long.MIN_VALUE;
  }
}
