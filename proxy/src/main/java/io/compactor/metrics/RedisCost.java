package io.compactor.metrics;

import java.nio.charset.StandardCharsets;

/**
 * What Redis 7.0 and Valkey 8.0 spend on plain string keys, in bytes of {@code used_memory}: a pure model of
 * the allocations {@code SET key value [EX s]} leaves behind, built from the servers' source (object.c, sds.c,
 * dict.c, db.c) and checked to the byte against redis-server 7.0.15 and valkey-server 8.0.1 by
 * {@code RedisCostIT}. The static methods model Redis 7.0; {@link Server} selects the layout where the two
 * differ (the main dict's entry, and what {@code MEMORY USAGE} leaves out).
 *
 * <p>The allocator is jemalloc 5.x with its default 16-byte quantum, as in Debian's and Ubuntu's
 * {@code redis-server} and {@code valkey-server} (linked to the system libjemalloc). The projects' own builds
 * of their bundled jemalloc ({@code deps/Makefile}: {@code --with-lg-quantum=3}, e.g. the official Docker
 * images) have 8-byte classes below 64 (24, 40, 56), so there a dictEntry costs 24, not 32, and small keys
 * cost up to ~10 % less than modelled here. Also outside the model: cluster mode (16 bytes of slot metadata
 * per dictEntry in Redis 7.0), dicts in the middle of an incremental rehash (both tables exist), keys of
 * 32 KiB and more (their sds is the client's adopted query buffer), and Valkey 8.1 and later (a new hash
 * table with the key embedded in the value object).
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
   * The bytes an entry in {@code db->expires} costs, on both servers: a 24-byte dictEntry (key pointer shared
   * with the main dict, in Valkey 8.0 into the embedded entry; expiry time as its value) in jemalloc's 32-byte
   * class.
   */
  public static final long EXPIRE_ENTRY = 32;

  private RedisCost() {}

  /**
   * The server whose key layout is modelled. Value objects, expire entries and hash tables cost the same on
   * both; the main dict's entry differs.
   */
  public enum Server {
    /**
     * Redis 7.0 (and 7.2, and Valkey 7.2): a 24-byte dictEntry (key, value and next pointers) in the 32-byte
     * class, plus the key's own sds ({@code dbAdd} stores {@code sdsdup(key)}, the smallest header for the
     * length). {@code MEMORY USAGE} counts the entry as {@code sizeof(dictEntry)}, 8 bytes short.
     */
    REDIS_7,
    /**
     * Valkey 8.0: the main dict's entries are {@code dictEntryEmbedded} (value and next pointers, a header-size
     * byte, then a copy of the key's sds, header and NUL included, in one allocation); there is no separate key
     * sds. {@code MEMORY USAGE} counts the entry's allocation ({@code dictEntryMemUsage}: its
     * {@code zmalloc_size}), so it leaves nothing out but the expire entry and the table slot.
     */
    VALKEY_8;

    /** {@code offsetof(dictEntryEmbedded, key_buf)}: the value union, the next pointer and key_header_size. */
    private static final int EMBEDDED_ENTRY_HEADER = 17;

    /**
     * Returns the bytes one key costs in the main dict apart from its table slot and its value: for
     * {@link #REDIS_7} the dictEntry (32) plus {@link #sdsAlloc}{@code (keyLength)}; for {@link #VALKEY_8} one
     * allocation of 17 bytes plus the key's sds as the client's argument holds it (header 3 up to 44 bytes,
     * an embstr's sdshdr8; above, {@code sdsnewlen}'s header for the length, widened when the allocation's
     * usable size outgrows it), the bytes and a NUL.
     */
    public long keyEntry(int keyLength) {
      if (keyLength < 0) {
        throw new IllegalArgumentException("keyLength: " + keyLength + " (expected: >= 0)");
      }
      return switch (this) {
        case REDIS_7 -> allocSize(DICT_ENTRY) + sdsAlloc(keyLength);
        case VALKEY_8 -> allocSize(EMBEDDED_ENTRY_HEADER + (long) argumentSdsHeader(keyLength) + keyLength + 1);
      };
    }

    /**
     * Returns the bytes one plain string key costs apart from table slots: {@link #keyEntry}, {@link
     * RedisCost#stringValue(byte[], boolean)} and, with an expiry, {@link RedisCost#EXPIRE_ENTRY}.
     */
    public long plainStringKey(int keyLength, byte[] value, boolean hasExpiry, boolean sharedIntegers) {
      return keyEntry(keyLength) + stringValue(value, sharedIntegers) + (hasExpiry ? EXPIRE_ENTRY : 0);
    }

    /**
     * Returns what {@code MEMORY USAGE key} leaves out of {@link #keyEntry} (it never counts the expire entry
     * nor the table slot, and counts a shared integer's object as 16 bytes the key owns): 8 on {@link #REDIS_7}
     * (the dictEntry counted as {@code sizeof}, 24, not its 32-byte class; the key sds is counted by its
     * allocation), 0 on {@link #VALKEY_8}. So for a plain string key, {@code MEMORY USAGE} is
     * {@code keyEntry(keyLength) - memoryUsageSlack() + stringValue(value, false)}.
     */
    public long memoryUsageSlack() {
      return switch (this) {
        case REDIS_7 -> allocSize(DICT_ENTRY) - DICT_ENTRY;
        case VALKEY_8 -> 0;
      };
    }

    /**
     * Returns the server that an {@code INFO server} reply describes: {@link #VALKEY_8} when it has
     * {@code server_name:valkey} or a {@code valkey_version:} of 8 or more (Valkey also reports
     * {@code redis_version:7.2.4}, its compatibility level, so that line decides nothing); else, Valkey 7.2,
     * Redis, or an unrecognised or empty reply, {@link #REDIS_7}.
     */
    public static Server fromInfo(String infoServer) {
      boolean valkey = false;
      String valkeyVersion = null;
      for (String line : infoServer.split("\r?\n")) {
        String l = line.strip();
        if (l.equalsIgnoreCase("server_name:valkey")) {
          valkey = true;
        } else if (l.startsWith("valkey_version:")) {
          valkey = true;
          valkeyVersion = l.substring("valkey_version:".length());
        }
      }
      if (!valkey) {
        return REDIS_7;
      }
      if (valkeyVersion != null) {
        int dot = valkeyVersion.indexOf('.');
        try {
          if (Integer.parseInt(dot < 0 ? valkeyVersion : valkeyVersion.substring(0, dot)) < 8) {
            return REDIS_7;
          }
        } catch (NumberFormatException e) {
          return VALKEY_8;
        }
      }
      return VALKEY_8;
    }
  }

  /**
   * The sds header of a string argument as the server parsed it ({@code createStringObject}): an embstr's
   * sdshdr8 (3) up to 44 bytes; above, {@code sdsnewlen}'s smallest type for the length, which Valkey 8.0
   * ({@code adjustTypeIfNeeded}) widens when the allocation's usable size exceeds the type's maximum.
   */
  private static int argumentSdsHeader(int length) {
    if (length <= EMBSTR_LIMIT) {
      return 3;
    }
    int header = sdsHeader(length);
    long usable = allocSize(header + (long) length + 1) - header - 1;
    return usable > sdsTypeMax(header) ? sdsHeader(usable) : header;
  }

  /** {@code sdsReqType}'s header size for a string of {@code length} bytes (type 5 for lengths below 32). */
  private static int sdsHeader(long length) {
    return length < 1 << 5 ? 1 : length < 1 << 8 ? 3 : length < 1 << 16 ? 5 : length < 1L << 32 ? 9 : 17;
  }

  /** {@code sdsTypeMaxSize} of the type whose header is {@code header} bytes. */
  private static long sdsTypeMax(int header) {
    return switch (header) {
      case 1 -> (1 << 5) - 1;
      case 3 -> (1 << 8) - 1;
      case 5 -> (1 << 16) - 1;
      case 9 -> (1L << 32) - 1;
      default -> Long.MAX_VALUE;
    };
  }

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
   * Returns the bytes one key costs in Redis 7.0's main dict apart from its table slot and its value: the
   * dictEntry (24 bytes in the 32-byte class) and the key's own sds ({@code dbAdd} stores {@code sdsdup(key)}).
   * Note that {@code MEMORY USAGE} counts {@code sizeof(dictEntry)}, 24, so it reports 8 bytes less than this.
   * Same as {@code Server.REDIS_7.keyEntry}; see {@link Server#keyEntry} for Valkey 8.0.
   */
  public static long keyEntry(int keyLength) {
    return Server.REDIS_7.keyEntry(keyLength);
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
   * rehash has finished (the same rule on Redis 7.0 and Valkey 8.0): 0 when empty, else 8 per slot for {@code max(4, nextPowerOfTwo(entries))} slots
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
   * Returns the bytes one plain string key costs in Redis 7.0 apart from table slots: {@link #keyEntry},
   * {@link #stringValue(byte[], boolean)} and, with an expiry, {@link #EXPIRE_ENTRY}. Same as
   * {@code Server.REDIS_7.plainStringKey}.
   */
  public static long plainStringKey(int keyLength, byte[] value, boolean hasExpiry, boolean sharedIntegers) {
    return Server.REDIS_7.plainStringKey(keyLength, value, hasExpiry, sharedIntegers);
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
