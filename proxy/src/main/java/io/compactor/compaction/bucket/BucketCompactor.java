package io.compactor.compaction.bucket;

import io.compactor.command.CommandSpecs;
import io.compactor.command.CommandSpecs.Spec;
import io.compactor.compaction.ReplyTransform;
import io.compactor.compaction.Commands;
import io.compactor.compaction.Rewrite;
import io.compactor.compaction.compress.CompressCompactor;
import io.compactor.compaction.compress.CompressRule;
import io.compactor.config.RuleConfig;
import io.compactor.resp.Command;
import io.netty.buffer.ByteBufAllocator;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;

/**
 * Turns client commands on keys of bucket rules into calls of the bucket script ({@code bucket.lua}), one
 * EVALSHA per logical command, so each runs atomically in Redis and its reply is exactly Redis's reply for
 * a plain string key; refuses what a bucket cannot keep (non-string commands, scripts naming a bucketed
 * key, the proxy's reserved namespace). Commands naming no such key are left alone.
 *
 * <p>Stateless apart from the listpack limit read from the server; thread-safe.
 */
public final class BucketCompactor {
  /** Redis's default {@code hash-max-listpack-value}, used until the server's own is known. */
  public static final int DEFAULT_MAX_LISTPACK_VALUE = 64;

  private final BucketRule[] rules;
  /** Every rule in order (first match wins across strategies) and, per index, its bucket rule or null. */
  private final io.compactor.compaction.KeyRules keyRules;
  private final BucketRule[] byIndex;
  private final boolean anyLegacy;
  /** The rules as the keyspace operations of the script take them: count, then name, prefix, suffix, n. */
  private final List<byte[]> rulesArgv;
  private volatile byte[] maxValue = bytes(Integer.toString(DEFAULT_MAX_LISTPACK_VALUE));
  private volatile int maxValueBytes = DEFAULT_MAX_LISTPACK_VALUE;
  private volatile boolean setsAfterWrites;
  private volatile boolean transactions;

  public BucketCompactor(List<RuleConfig> configs) {
    this(configs, null);
  }

  /** @param codecs the values' codecs, for bucket rules with a {@code codec} (required when one has) */
  public BucketCompactor(List<RuleConfig> configs, io.compactor.codec.ValueCodecs codecs) {
    List<BucketRule> list = new ArrayList<>();
    boolean legacy = false;
    keyRules = new io.compactor.compaction.KeyRules(configs);
    byIndex = new BucketRule[configs.size()];
    for (int i = 0; i < configs.size(); i++) {
      RuleConfig c = configs.get(i);
      if (c.strategy() == RuleConfig.Strategy.BUCKET) {
        if (c.compression() != null && codecs == null) {
          throw new IllegalArgumentException("rule '" + c.name() + "' has a codec but no codecs were given");
        }
        byIndex[i] = new BucketRule(c, c.compression() == null ? null : new CompressRule(c, codecs));
        list.add(byIndex[i]);
        legacy |= c.legacyReads();
      }
    }
    this.rules = list.toArray(new BucketRule[0]);
    this.anyLegacy = legacy;
    List<byte[]> r = new ArrayList<>();
    r.add(bytes(Integer.toString(rules.length)));
    for (BucketRule rule : rules) {
      r.add(rule.nameBytes());
      r.add(rule.prefix());
      r.add(rule.suffix());
      r.add(bytes(Integer.toString(rule.config().fieldsPerBucket())));
    }
    this.rulesArgv = List.copyOf(r);
  }

  public boolean isEmpty() {
    return rules.length == 0;
  }

  /** The compression of bucket rules that have a codec. */
  public List<CompressRule> compressedRules() {
    List<CompressRule> out = new ArrayList<>();
    for (BucketRule r : rules) {
      if (r.codec() != null) {
        out.add(r.codec());
      }
    }
    return out;
  }

  /** The longest stored field a bucket keeps (the server's {@code hash-max-listpack-value}). */
  public void maxListpackValue(int bytes) {
    this.maxValueBytes = Math.max(1, bytes);
    this.maxValue = bytes(Integer.toString(Math.max(1, bytes)));
  }

  /**
   * The server's {@code maxmemory} (0: none, -1: unknown). A script that has written anything is no
   * longer refused with {@code -OOM} on its later writes, so a SET may follow other commands in one
   * {@link #batch} only when the server has no memory limit.
   */
  public void maxmemory(long bytes) {
    this.setsAfterWrites = bytes == 0;
  }

  /**
   * Whether Redis lets the proxy open transactions (MULTI, EXEC): checked by the maintenance connection at
   * start-up and every 5 s (false until then); when refused (an ACL without {@code @transaction}, a
   * renamed command), every command goes as a script call.
   */
  public void transactions(boolean allowed) {
    this.transactions = allowed;
  }

  /** Whether a SET may come after other commands in one {@link #batch} (see {@link #maxmemory}). */
  public boolean setsAfterWrites() {
    return setsAfterWrites;
  }

  /** The bucket rule owning {@code key}, or null (no rule, or an earlier rule of another strategy owns it). */
  public BucketRule ruleFor(byte[] key) {
    int i = keyRules.owner(key);
    return i < 0 ? null : byIndex[i];
  }

  /** The bucket rule named {@code name}, or null. */
  public BucketRule ruleByName(String name) {
    for (BucketRule r : rules) {
      if (r.name().equals(name)) {
        return r;
      }
    }
    return null;
  }

  /** The rules as the script's keyspace operations take them: count, then name, prefix, suffix, n each. */
  public List<byte[]> rulesArgv() {
    return rulesArgv;
  }

  List<BucketRule> rules() {
    return List.of(rules);
  }

  /**
   * Whether {@code c} is a {@code SCRIPT FLUSH}, after which the proxy loads its script again on the
   * same connection, so the next bucketed command does not meet {@code NOSCRIPT}.
   */
  public static boolean flushesScripts(Command c) {
    return c.argc() >= 2 && c.argEqualsIgnoreCase(0, SCRIPT) && c.argEqualsIgnoreCase(1, FLUSH);
  }

  /** What to send instead of {@code c}, or null to forward it unchanged. */
  public Rewrite rewrite(Command c, ByteBufAllocator alloc) {
    return rewrite(c, alloc, false);
  }

  /**
   * What to send instead of {@code c}, or null to forward it unchanged. With {@code mayReadThrough}, a
   * GET of a bucketed key becomes a plain {@code HGET} with the script call as its follow-up
   * ({@link Rewrite#readThrough}); the caller must then send nothing else until that read is answered.
   */
  public Rewrite rewrite(Command c, ByteBufAllocator alloc, boolean mayReadThrough) {
    return rewrite(c, alloc, mayReadThrough, false);
  }

  /**
   * As {@link #rewrite(Command, ByteBufAllocator, boolean)}; with {@code mayTransact}, a command may also
   * become a transaction sent as one unit ({@link Rewrite#transaction}), which costs Redis less than a
   * script call: only where no transaction or WATCH of the client's is open on the connection and every
   * reply is on (a shared connection).
   */
  public Rewrite rewrite(Command c, ByteBufAllocator alloc, boolean mayReadThrough, boolean mayTransact) {
    Spec spec = CommandSpecs.of(c);
    if (spec == null) {
      return checkAllArgs(c, "'" + name(c) + "'");
    }
    if (!spec.arityOk(c.argc())) {
      return null; // Redis answers the arity error itself (and marks a MULTI as failed)
    }
    String name = spec.name();
    if (spec.movableKeys()) {
      return switch (name) {
        case "EVAL", "EVALSHA", "EVAL_RO", "EVALSHA_RO", "FCALL", "FCALL_RO" -> checkScriptKeys(c, name);
        default -> checkAllArgs(c, "'" + name + "'");
      };
    }
    if (spec.firstKey() <= 0) {
      return switch (name) {
        case "SCAN" -> scan(c, alloc);
        case "KEYS" -> keyspace(alloc, "keys", c.arg(1));
        case "DBSIZE" -> keyspace(alloc, "dbsize", null);
        case "RANDOMKEY" -> keyspace(alloc, "randomkey", null);
        default -> null;
      };
    }
    int last = spec.lastKey() < 0 ? c.argc() + spec.lastKey() : Math.min(spec.lastKey(), c.argc() - 1);
    int step = Math.max(1, spec.step());
    Placement[] placed = null;
    for (int i = spec.firstKey(), k = 0; i <= last; i += step, k++) {
      if (isReservedArg(c, i)) {
        return reserved(c, i);
      }
      BucketRule rule = candidateRule(c, i);
      if (rule != null) {
        if (placed == null) {
          placed = new Placement[(last - spec.firstKey()) / step + 1];
        }
        placed[k] = rule.place(c.arg(i));
      }
    }
    if (placed == null) {
      return null;
    }
    for (Placement p : placed) {
      if (p != null && p.rule().codec() != null) {
        return compressed(c, alloc, mayReadThrough, mayTransact, name, placed);
      }
    }
    return rewritePlaced(c, alloc, mayReadThrough, mayTransact, name, placed);
  }

  /** The rewrite of a command naming bucketed keys ({@code placed}, null for other keys). */
  private Rewrite rewritePlaced(Command c, ByteBufAllocator alloc, boolean mayReadThrough, boolean mayTransact,
      String name, Placement[] placed) {
    return switch (name) {
      case "GET" -> {
        if (!mayReadThrough) {
          yield single(alloc, OP_GET, placed[0], null, null);
        }
        Placement p = placed[0];
        yield Rewrite.readThrough(Command.of(alloc, new byte[][] {HGET, p.bucket(), p.field()}),
            a -> single(a, OP_GET, p, null, null).command()); // built only when the HGET is not enough
      }
      case "SET" -> c.argc() == 3 ? set(alloc, placed[0], c.arg(2), mayTransact)
          : c.argc() == 5 && relativeMillis(c) > 0
              ? single(alloc, OP_SETPX, placed[0], c.arg(2), bytes(Long.toString(relativeMillis(c))))
              : scratch(c, alloc, placed[0], 1);
      case "TYPE" -> single(alloc, OP_TYPE, placed[0], null, null);
      case "INCR", "DECR", "INCRBY", "DECRBY" -> Rewrite.send(
          scratchCall(c, alloc, placed[0], 1, XI), ReplyTransform.BULK_TO_INTEGER);
      case "BITFIELD", "BITFIELD_RO" -> Commands.hasWideBitfield(c)
          ? Rewrite.refuse("-ERR " + name + " with integer types wider than 53 bits can't be used on key '"
              + Commands.printable(placed[0].key()) + "': rule '" + placed[0].rule().name() + "' stores it in a bucket, "
              + "whose scripts compute in doubles")
          : scratch(c, alloc, placed[0], 1);
      case "SETNX", "SETEX", "PSETEX", "GETSET", "GETDEL", "GETEX",
          "INCRBYFLOAT", "APPEND", "STRLEN", "GETRANGE", "SUBSTR", "SETRANGE", "TTL", "PTTL", "EXPIRE",
          "PEXPIRE", "EXPIREAT", "PEXPIREAT", "EXPIRETIME", "PEXPIRETIME", "PERSIST", "GETBIT", "SETBIT",
          "BITCOUNT", "BITPOS" -> scratch(c, alloc, placed[0], 1);
      case "MGET" -> multi(c, alloc, "mget", placed, 1, 1, false);
      case "DEL", "UNLINK" -> multi(c, alloc, "del", placed, 1, 1, false);
      case "EXISTS" -> multi(c, alloc, "exists", placed, 1, 1, false);
      case "TOUCH" -> multi(c, alloc, "touch", placed, 1, 1, false);
      // an odd number of keys and values: Redis answers the argument-count error itself
      case "MSET" -> c.argc() % 2 == 0 ? null : multi(c, alloc, "mset", placed, 1, 2, true);
      case "MSETNX" -> c.argc() % 2 == 0 ? null : multi(c, alloc, "msetnx", placed, 1, 2, true);
      case "WATCH" -> watch(c, alloc, placed);
      case "RENAME" -> move(c, alloc, "rename", placed);
      case "RENAMENX" -> move(c, alloc, "renamenx", placed);
      case "COPY" -> copy(c, alloc, placed);
      default -> notAString(name, placed);
    };
  }

  // ---------------------------------------------------------------- rules with a codec

  /**
   * A command naming a key of a bucket rule with a codec: the values it writes are encoded first, the
   * value its reply carries is decoded, and the commands that work on a value's bytes run as {@code xc}
   * ({@link #inflating}: a value stored compressed is decoded by the proxy and handed back to the script),
   * which escapes a result that starts like an envelope.
   */
  private Rewrite compressed(Command c, ByteBufAllocator alloc, boolean mayReadThrough, boolean mayTransact,
      String name, Placement[] placed) {
    CompressRule codec = placed[0] == null ? null : placed[0].rule().codec();
    switch (name) {
      case "APPEND", "STRLEN", "GETRANGE", "SUBSTR", "SETRANGE", "GETBIT", "SETBIT", "BITCOUNT", "BITPOS":
        return codec == null ? rewritePlaced(c, alloc, mayReadThrough, mayTransact, name, placed)
            : inflating(c, alloc, placed[0], name);
      case "BITFIELD", "BITFIELD_RO":
        return codec == null || Commands.hasWideBitfield(c) ? rewritePlaced(c, alloc, mayReadThrough, mayTransact, name, placed)
            : inflating(c, alloc, placed[0], name);
      case "RENAME", "RENAMENX", "COPY":
        for (Placement p : placed) {
          if (p == null || p.rule().codec() == null) {
            return Rewrite.refuse("-ERR " + name + " can't move a value between a key whose bucket rule compresses "
                + "values (rule '" + firstRule(placed) + "') and a key stored another way; copy it with GET and SET");
          }
        }
        break;
      default:
        break;
    }
    int valueArg = switch (name) {
      case "SET", "SETNX", "GETSET" -> 2;
      case "SETEX", "PSETEX" -> 3;
      default -> -1;
    };
    boolean multiValue = (name.equals("MSET") || name.equals("MSETNX")) && c.argc() % 2 == 1;
    Command encoded = null;
    if ((valueArg > 0 && codec != null && valueArg < c.argc()) || multiValue) {
      byte[][] a = new byte[c.argc()][];
      for (int i = 0; i < a.length; i++) {
        a[i] = c.arg(i);
      }
      if (multiValue) {
        for (int k = 0; k < placed.length; k++) {
          if (placed[k] != null && placed[k].rule().codec() != null) {
            a[2 + 2 * k] = placed[k].rule().codec().encode(a[2 + 2 * k]);
          }
        }
      } else {
        a[valueArg] = codec.encode(a[valueArg]);
      }
      encoded = Command.of(alloc, a);
    }
    Rewrite inner;
    try {
      inner = rewritePlaced(encoded != null ? encoded : c, alloc, mayReadThrough, mayTransact, name, placed);
    } finally {
      if (encoded != null) {
        encoded.release();
      }
    }
    if (inner == null || inner.isRefusal()) {
      return inner;
    }
    return switch (name) {
      case "GET", "GETSET", "GETDEL", "GETEX" -> codec == null ? inner : inner.decodedBy(codec.decodeValue(c.arg(1)));
      case "SET" -> codec != null && hasGetOption(c) ? inner.decodedBy(codec.decodeValue(c.arg(1))) : inner;
      case "MGET" -> {
        List<ReplyTransform> perKey = new ArrayList<>(placed.length);
        for (int k = 0; k < placed.length; k++) {
          CompressRule r = placed[k] == null ? null : placed[k].rule().codec();
          perKey.add(r == null ? null : r.decodeValue(c.arg(1 + k)));
        }
        yield inner.decodedBy(ReplyTransform.exec(perKey));
      }
      default -> inner;
    };
  }

  private static boolean hasGetOption(Command c) {
    for (int i = 3; i < c.argc(); i++) {
      if (c.argEqualsIgnoreCase(i, OP_GET_UPPER)) {
        return true;
      }
    }
    return false;
  }

  // ---------------------------------------------------------------- building script calls

  private List<byte[]> header(int numKeys) {
    List<byte[]> a = new ArrayList<>(16);
    a.add(EVALSHA);
    a.add(BucketScript.shaBytes());
    a.add(numKeys < SMALL.length ? SMALL[numKeys] : bytes(Integer.toString(numKeys)));
    return a;
  }

  private void argvHeader(List<byte[]> a, byte[] op) {
    a.add(op);
    a.add(maxValue);
    a.add(anyLegacy ? ONE : ZERO);
  }

  /**
   * Where a plain {@code GET k} or {@code SET k v} (v at most {@code hash-max-listpack-value} long) of a
   * bucketed key goes, when it may join a run of such commands sent as one script call ({@link #batch});
   * null for any other command.
   */
  public Placement batchable(Command c) {
    int argc = c.argc();
    if (argc == 2 ? !c.argEqualsIgnoreCase(0, OP_GET_UPPER) : argc != 3 || !c.argEqualsIgnoreCase(0, SET_UPPER)
        || c.argLength(2) > maxValueBytes) {
      return null; // long values (overflow keys) go one call each: a run's size stays small
    }
    if (isReservedArg(c, 1)) {
      return null;
    }
    BucketRule rule = candidateRule(c, 1);
    return rule == null ? null : rule.place(c.arg(1));
  }

  /**
   * One script call for consecutive plain GETs and SETs ({@code commands}, each {@link #batchable} with
   * its placement in {@code placed}); its array reply becomes their replies through
   * {@link ReplyTransform#splitArray}. For keys of a rule with a codec, SET's value is encoded first and
   * GET's element of the reply decoded. With {@code mayTransact} (see {@link #rewrite}) a run of SETs
   * only, each value (encoded, and escaped where it starts like an envelope, see {@link #stored}) fitting
   * the listpack, goes as one transaction instead (see {@link #setRun}; Redis spends about half what the
   * script's batch costs per SET, loadtest/README.md); so does a run of GETs only, none with a codec, each
   * as {@code HGET; GET overflow [; GET logical]} behind one {@code TIME}, read by {@link FieldValue}.
   */
  public Rewrite batch(List<Command> commands, Placement[] placed, ByteBufAllocator alloc, boolean mayTransact) {
    int n = commands.size();
    int sets = mayTransact && transactions ? sets(commands) : -1;
    byte[][] encoded = null; // SETs' values encoded for their rules' codecs, once for either path
    if (sets == n) {
      encoded = new byte[n][];
      byte[][] stored = new byte[n][];
      boolean fit = true;
      for (int i = 0; i < n; i++) {
        CompressRule codec = placed[i].rule().codec();
        encoded[i] = codec == null ? commands.get(i).arg(2) : codec.encode(commands.get(i).arg(2));
        stored[i] = stored(encoded[i]);
        fit &= stored[i] != null;
      }
      if (fit) {
        return setRun(placed, stored, alloc);
      }
    }
    // GETs alone: each as HGET, GET of the overflow key (and of the plain key), answered by FieldValue
    // against TIME read at the transaction's start. Never mixed with SETs: a write Redis refuses while
    // queueing (OOM, MISCONF, READONLY, NOREPLICAS) discards the transaction, and the GETs, which the
    // script answers one by one, would fail with it. Only without a memory limit: over it, Redis refuses
    // every command queued inside MULTI, reads too, where it answers plain GETs and the script's
    if (sets == 0 && setsAfterWrites && noCodec(placed)) {
      List<byte[][]> sequence = new ArrayList<>(3 * n + 3);
      sequence.add(TX_MULTI);
      sequence.add(TX_TIME);
      int[] sizes = new int[n];
      ReplyTransform.Elements[] readers = new ReplyTransform.Elements[n];
      for (int i = 0; i < n; i++) {
        Placement p = placed[i];
        sequence.add(new byte[][] {HGET, p.bucket(), p.field()});
        sequence.add(new byte[][] {OP_GET_UPPER, p.overflow()});
        if (anyLegacy) {
          sequence.add(new byte[][] {OP_GET_UPPER, p.key()});
        }
        sizes[i] = anyLegacy ? 3 : 2;
        readers[i] = FieldValue.GET;
      }
      sequence.add(TX_EXEC);
      return Rewrite.transaction(Command.sequence(alloc, sequence.toArray(new byte[0][][])), sequence.size(),
          ReplyTransform.transactions("+OK", 1, sizes, readers));
    }
    List<byte[]> a = batchHeader(placed);
    List<ReplyTransform> decoders = null;
    for (int i = 0; i < n; i++) {
      Command c = commands.get(i);
      boolean get = c.argc() == 2;
      CompressRule codec = placed[i].rule().codec();
      a.add(get ? BATCH_GET : BATCH_SET);
      a.add(placed[i].field());
      if (!get) {
        a.add(encoded != null ? encoded[i] : codec == null ? c.arg(2) : codec.encode(c.arg(2)));
      } else if (codec != null) {
        if (decoders == null) {
          decoders = new ArrayList<>(java.util.Collections.nCopies(n, (ReplyTransform) null));
        }
        decoders.set(i, codec.decodeValue(c.arg(1)));
      }
    }
    ReplyTransform split = ReplyTransform.splitArray(n);
    return Rewrite.send(Command.of(alloc, a.toArray(new byte[0][])),
        decoders == null ? split : ReplyTransform.andThen(ReplyTransform.exec(decoders), split));
  }

  /** The script's {@code batch} call up to its commands: keys, op, limits and how many commands follow. */
  private List<byte[]> batchHeader(Placement[] placed) {
    int n = placed.length;
    List<byte[]> a = new ArrayList<>(7 + 6 * n);
    a.add(EVALSHA);
    a.add(BucketScript.shaBytes());
    a.add(bytes(Integer.toString(3 * n)));
    for (Placement p : placed) {
      a.add(p.bucket());
      a.add(p.overflow());
      a.add(p.key());
    }
    a.add(OP_BATCH);
    a.add(maxValue);
    a.add(anyLegacy ? ONE : ZERO);
    a.add(bytes(Integer.toString(n)));
    return a;
  }

  /** GETs of {@code placed} (rules without a codec) as one call of the script's {@code batch}. */
  private Rewrite scriptGets(Placement[] placed, ByteBufAllocator alloc) {
    List<byte[]> a = batchHeader(placed);
    for (Placement p : placed) {
      a.add(BATCH_GET);
      a.add(p.field());
    }
    return Rewrite.send(Command.of(alloc, a.toArray(new byte[0][])), ReplyTransform.splitArray(placed.length));
  }

  /**
   * Whether a run of {@link #batchable} commands (placed in {@code placed}) can go as
   * {@link #readThroughRun}: GETs only, of rules without a codec.
   */
  public boolean readsThrough(List<Command> commands, Placement[] placed) {
    return sets(commands) == 0 && noCodec(placed);
  }

  /**
   * A run of GETs ({@link #readsThrough}) that ends what a client sent, as a lone such GET goes: plain
   * {@code HGET bucket field} each, in one write; from the first reply that is not a plain value on (a
   * miss, a value with an expiry), those GETs go again as one script call ({@link #batch}), and the
   * client waits for it (see {@link Rewrite#readThroughRun}). A run of hits costs Redis what the same
   * plain GETs would, where the transaction reads three keys per GET. No MULTI: it works under
   * {@code maxmemory} and where an ACL denies transactions too.
   */
  public Rewrite readThroughRun(Placement[] placed, ByteBufAllocator alloc) {
    int n = placed.length;
    byte[][][] hgets = new byte[n][][];
    for (int i = 0; i < n; i++) {
      hgets[i] = new byte[][] {HGET, placed[i].bucket(), placed[i].field()};
    }
    // the follow-up is built from the placements alone: the client's commands are released by then
    return Rewrite.readThroughRun(Command.sequence(alloc, hgets), n, (m, a) -> m == n - 1
        ? single(a, OP_GET, placed[m], null, null)
        : scriptGets(java.util.Arrays.copyOfRange(placed, m, n), a));
  }

  /**
   * A run of plain SETs as one transaction that does what their lone transactions would, one after the
   * other, with fewer commands: {@code MULTI; HSET bucket f v [f v ...]} per bucket (the run's SETs into
   * it in order, so a key set twice keeps its last value){@code ; DEL} every SET's overflow key (and
   * plain key){@code ; PERSIST bucket} per bucket{@code ; EXEC}. The steps of SETs on different keys
   * touch different fields and keys, so the order among them changes nothing, and inside MULTI nobody
   * sees a state in between. Each SET answers OK or the first error of its bucket's HSET, the DEL or its
   * bucket's PERSIST. With {@code redis-cli --pipe} straight at Redis 7.0, 30,000 such transactions of 16
   * SETs cost Redis 1.19-1.27 µs per SET for random keys against 1.44-1.65 for one HSET; DEL; PERSIST per
   * SET, and 0.58-0.63 for 16 consecutive ids in one bucket (a plain SET: 0.77-0.83; loadtest/README.md).
   */
  private Rewrite setRun(Placement[] placed, byte[][] stored, ByteBufAllocator alloc) {
    int n = placed.length;
    int[] group = new int[n];
    byte[][] buckets = new byte[n][];
    int[] fields = new int[n];
    int groups = 0;
    for (int i = 0; i < n; i++) {
      byte[] bucket = placed[i].bucket();
      int g = 0;
      while (g < groups && !java.util.Arrays.equals(buckets[g], bucket)) {
        g++;
      }
      if (g == groups) {
        buckets[groups++] = bucket;
      }
      group[i] = g;
      fields[g]++;
    }
    byte[][][] sequence = new byte[2 * groups + 3][][];
    sequence[0] = TX_MULTI;
    int[] filled = new int[groups];
    for (int i = 0; i < n; i++) {
      int g = group[i];
      byte[][] hset = sequence[1 + g];
      if (hset == null) {
        hset = sequence[1 + g] = new byte[2 + 2 * fields[g]][];
        hset[0] = HSET;
        hset[1] = buckets[g];
      }
      hset[2 + 2 * filled[g]] = placed[i].field();
      hset[3 + 2 * filled[g]] = stored[i];
      filled[g]++;
    }
    byte[][] del = new byte[1 + (anyLegacy ? 2 : 1) * n][];
    del[0] = DEL;
    for (int i = 0, at = 1; i < n; i++) {
      del[at++] = placed[i].overflow();
      if (anyLegacy) {
        del[at++] = placed[i].key();
      }
    }
    sequence[1 + groups] = del;
    for (int g = 0; g < groups; g++) {
      sequence[2 + groups + g] = new byte[][] {PERSIST, buckets[g]};
    }
    sequence[2 * groups + 2] = TX_EXEC;
    int[][] members = new int[n][];
    for (int i = 0; i < n; i++) {
      members[i] = new int[] {group[i], groups, groups + 1 + group[i]};
    }
    return Rewrite.transaction(Command.sequence(alloc, sequence), sequence.length,
        ReplyTransform.transactions("+OK", 0, members, null));
  }

  /**
   * A SET inside a transaction, at {@code sequence[at .. at + 2]}: {@code HSET bucket field v; DEL overflow
   * [logical]; PERSIST bucket}, the same step as the script's op {@code s}.
   */
  private void putSet(byte[][][] sequence, int at, Placement p, byte[] value) {
    sequence[at] = new byte[][] {HSET, p.bucket(), p.field(), value};
    sequence[at + 1] = anyLegacy ? new byte[][] {DEL, p.overflow(), p.key()} : new byte[][] {DEL, p.overflow()};
    sequence[at + 2] = new byte[][] {PERSIST, p.bucket()};
  }

  /** How many of {@code commands} (GETs and SETs, see {@link #batchable}) are SETs. */
  private static int sets(List<Command> commands) {
    int sets = 0;
    for (Command c : commands) {
      if (c.argc() == 3) {
        sets++;
      }
    }
    return sets;
  }

  private static boolean noCodec(Placement[] placed) {
    for (Placement p : placed) {
      if (p.rule().codec() != null) {
        return false;
      }
    }
    return true;
  }

  /**
   * What a field holds for {@code value} (already encoded for the rule's codec) without an expiry: the
   * value, escaped with {@code 0xFF 0x00} in front when it starts like an envelope (a byte from 0xFD),
   * as the script's {@code wrap} does; null when that is longer than the listpack takes (then it goes to
   * the overflow key, which only the script writes).
   */
  private byte[] stored(byte[] value) {
    if (value.length > 0 && (value[0] & 0xFF) >= 0xFD) {
      if (value.length + 2 > maxValueBytes) {
        return null;
      }
      byte[] escaped = new byte[value.length + 2];
      escaped[0] = (byte) 0xFF;
      System.arraycopy(value, 0, escaped, 2, value.length);
      return escaped;
    }
    return value.length > maxValueBytes ? null : value;
  }

  /**
   * {@code SET k v} of a value (encoded for the rule's codec) that fits the listpack as a field holds it
   * ({@link #stored}): with {@code mayTransact} the transaction
   * {@code MULTI; HSET bucket field v; DEL overflow [logical]; PERSIST bucket; EXEC}, which
   * costs Redis about half what the script call does (loadtest/README.md); else op {@code s} ({@code sl}
   * with legacy reads), two arguments fewer than {@code set}. Both leave the value in the field alone
   * (the DELs find nothing when the field held the value before) and the bucket without an expiry, since
   * it now holds a field that never expires. Op {@code set} for any other value.
   */
  private Rewrite set(ByteBufAllocator alloc, Placement p, byte[] value, boolean mayTransact) {
    byte[] field = stored(value);
    if (field == null) {
      return single(alloc, OP_SET, p, value, null);
    }
    if (mayTransact && transactions) {
      byte[][][] sequence = new byte[5][][];
      sequence[0] = TX_MULTI;
      putSet(sequence, 1, p, field);
      sequence[4] = TX_EXEC;
      return Rewrite.transaction(Command.sequence(alloc, sequence), 5, SET_OK);
    }
    return Rewrite.send(Command.of(alloc, new byte[][] {EVALSHA, BucketScript.shaBytes(), SMALL[3], p.bucket(),
        p.overflow(), p.key(), anyLegacy ? OP_SET_FIT_LEGACY : OP_SET_FIT, p.field(), field}));
  }

  private Rewrite single(ByteBufAllocator alloc, byte[] op, Placement p, byte[] value, byte[] extra) {
    byte[][] a = new byte[value == null ? 10 : extra == null ? 11 : 12][];
    a[0] = EVALSHA;
    a[1] = BucketScript.shaBytes();
    a[2] = SMALL[3];
    a[3] = p.bucket();
    a[4] = p.overflow();
    a[5] = p.key();
    a[6] = op;
    a[7] = maxValue;
    a[8] = anyLegacy ? ONE : ZERO;
    a[9] = p.field();
    if (value != null) {
      a[10] = value;
    }
    if (extra != null) {
      a[11] = extra;
    }
    return Rewrite.send(Command.of(alloc, a));
  }

  /**
   * For {@code SET k v EX n} / {@code PX n} with n a canonical decimal of at most 9 (EX) or 12 (PX)
   * digits above 0, which Redis always accepts: n in milliseconds; otherwise 0 (the general path, where
   * Redis itself parses the options).
   */
  private static long relativeMillis(Command c) {
    boolean ex = c.argEqualsIgnoreCase(3, EX);
    if (!ex && !c.argEqualsIgnoreCase(3, PX)) {
      return 0;
    }
    int n = c.argLength(4);
    if (n < 1 || n > (ex ? 9 : 12) || c.argByte(4, 0) == '0') {
      return 0;
    }
    long v = 0;
    for (int i = 0; i < n; i++) {
      int d = c.argByte(4, i) - '0';
      if (d < 0 || d > 9) {
        return 0;
      }
      v = v * 10 + d;
    }
    return ex ? v * 1000 : v;
  }

  /** Any single-key string command, run by the script on a scratch key holding the logical value. */
  private Rewrite scratch(Command c, ByteBufAllocator alloc, Placement p, int keyPos) {
    return Rewrite.send(scratchCall(c, alloc, p, keyPos, X));
  }

  /**
   * A command on the bytes of a value that may be stored compressed ({@code xc}): the script runs it on a
   * scratch copy of the value; when the value is an envelope, it answers with the envelope instead, and the
   * proxy decodes it and calls again with the envelope and its decoded bytes (the script checks the value
   * is still that envelope; a read leaves it stored compressed, a write stores its result uncompressed).
   * Inside MULTI there is no second round trip: such a command answers an error saying so.
   */
  private Rewrite inflating(Command c, ByteBufAllocator alloc, Placement p, String name) {
    byte[][] args = new byte[c.argc()][];
    for (int i = 0; i < args.length; i++) {
      args[i] = c.arg(i);
    }
    CompressRule codec = p.rule().codec();
    byte[][] keys = {args[1]};
    CompressCompactor.Retry retry = (k, envelope, decoded, a) -> xcCall(a, p, args, envelope, decoded);
    return Rewrite.continuing(xcCall(alloc, p, args, EMPTY, EMPTY),
        CompressCompactor.decodingRetries(name, keys, new CompressRule[] {codec}, null, retry, 1),
        CompressCompactor.markerInMulti(name, keys, codec.name(), null));
  }

  private Command xcCall(ByteBufAllocator alloc, Placement p, byte[][] args, byte[] envelope, byte[] decoded) {
    List<byte[]> a = scratchHeader(p, XC, 1);
    a.add(envelope);
    a.add(decoded);
    a.addAll(java.util.Arrays.asList(args));
    return Command.of(alloc, a.toArray(new byte[0][]));
  }

  private Command scratchCall(Command c, ByteBufAllocator alloc, Placement p, int keyPos, byte[] op) {
    List<byte[]> a = scratchHeader(p, op, keyPos);
    for (int i = 0; i < c.argc(); i++) {
      a.add(c.arg(i));
    }
    return Command.of(alloc, a.toArray(new byte[0][]));
  }

  /** A scratch operation's script call up to the command: the placement's keys, the field, the key's position. */
  private List<byte[]> scratchHeader(Placement p, byte[] op, int keyPos) {
    List<byte[]> a = header(4);
    a.add(p.bucket());
    a.add(p.overflow());
    a.add(p.key());
    a.add(p.scratch());
    argvHeader(a, op);
    a.add(p.field());
    a.add(bytes(Integer.toString(keyPos)));
    return a;
  }

  /**
   * A command over several keys (every {@code step}-th argument from {@code first}, each followed by a value
   * when {@code values}), some bucketed and some plain: one script call over all of them.
   */
  private Rewrite multi(Command c, ByteBufAllocator alloc, String op, Placement[] placed, int first, int step,
      boolean values) {
    List<byte[]> a = layoutCall(c, placed, first, step, bytes(op), null);
    if (values) {
      for (int k = 0; k < placed.length; k++) {
        a.add(c.arg(first + k * step + 1));
      }
    }
    return Rewrite.send(Command.of(alloc, a.toArray(new byte[0][])));
  }

  /**
   * The start of a script call over the keys at {@code first}, {@code first + step}, ...: KEYS are each
   * bucketed key's bucket, overflow and plain key or a plain key itself; ARGV the operation, {@code mode}
   * when given, a layout letter per key ({@code b} or {@code p}) and the bucketed keys' fields.
   */
  private List<byte[]> layoutCall(Command c, Placement[] placed, int first, int step, byte[] op, byte[] mode) {
    List<byte[]> keys = new ArrayList<>();
    List<byte[]> fields = new ArrayList<>();
    byte[] layout = new byte[placed.length];
    for (int k = 0; k < placed.length; k++) {
      Placement p = placed[k];
      if (p == null) {
        layout[k] = 'p';
        keys.add(c.arg(first + k * step));
      } else {
        layout[k] = 'b';
        keys.add(p.bucket());
        keys.add(p.overflow());
        keys.add(p.key());
        fields.add(p.field());
      }
    }
    List<byte[]> a = header(keys.size());
    a.addAll(keys);
    argvHeader(a, op);
    if (mode != null) {
      a.add(mode);
    }
    a.add(layout);
    a.addAll(fields);
    return a;
  }

  private Rewrite copy(Command c, ByteBufAllocator alloc, Placement[] placed) {
    boolean replace = false;
    for (int i = 3; i < c.argc(); i++) {
      if (c.argEqualsIgnoreCase(i, REPLACE)) {
        replace = true;
      } else if (c.argEqualsIgnoreCase(i, DB) && i + 1 < c.argc()) {
        return Rewrite.refuse("-ERR COPY ... DB can't copy a key a bucket rule stores (rule '"
            + firstRule(placed) + "'); copy it within the database");
      } else {
        return null; // Redis answers the syntax error without touching anything
      }
    }
    return move(c, alloc, replace ? "copyreplace" : "copy", placed);
  }

  /** RENAME, RENAMENX and COPY with a bucketed key on either side. */
  private Rewrite move(Command c, ByteBufAllocator alloc, String mode, Placement[] placed) {
    List<byte[]> a = layoutCall(c, placed, 1, 1, MOVE, bytes(mode));
    return Rewrite.send(Command.of(alloc, a.toArray(new byte[0][])));
  }

  /** SCAN over logical keys: the script expands the buckets each raw SCAN step returns. */
  private Rewrite scan(Command c, ByteBufAllocator alloc) {
    byte[] count = EMPTY;
    byte[] match = EMPTY;
    byte[] type = EMPTY;
    for (int i = 2; i < c.argc(); i += 2) {
      if (i + 1 >= c.argc()) {
        return null; // Redis answers the syntax error
      }
      if (c.argEqualsIgnoreCase(i, COUNT)) {
        count = c.arg(i + 1);
      } else if (c.argEqualsIgnoreCase(i, MATCH)) {
        match = c.arg(i + 1);
      } else if (c.argEqualsIgnoreCase(i, TYPE)) {
        type = c.arg(i + 1);
      } else {
        return null;
      }
    }
    List<byte[]> a = header(0);
    argvHeader(a, bytes("scan"));
    a.add(c.arg(1));
    a.add(count);
    a.add(match);
    a.add(type);
    a.addAll(rulesArgv);
    return Rewrite.send(Command.of(alloc, a.toArray(new byte[0][])));
  }

  /** KEYS, DBSIZE and RANDOMKEY over logical keys. */
  private Rewrite keyspace(ByteBufAllocator alloc, String op, byte[] arg) {
    List<byte[]> a = header(0);
    argvHeader(a, bytes(op));
    if (arg != null) {
      a.add(arg);
    }
    a.addAll(rulesArgv);
    return Rewrite.send(Command.of(alloc, a.toArray(new byte[0][])));
  }

  private static String firstRule(Placement[] placed) {
    for (Placement p : placed) {
      if (p != null) {
        return p.rule().name();
      }
    }
    return "?";
  }

  /** WATCH on a bucketed key watches every place its value can be (and so the whole bucket). */
  private Rewrite watch(Command c, ByteBufAllocator alloc, Placement[] placed) {
    List<byte[]> a = new ArrayList<>();
    a.add(c.arg(0));
    for (int k = 0; k < placed.length; k++) {
      Placement p = placed[k];
      if (p == null) {
        a.add(c.arg(1 + k));
      } else {
        a.add(p.bucket());
        a.add(p.overflow());
        a.add(p.key());
      }
    }
    return Rewrite.send(Command.of(alloc, a.toArray(new byte[0][])));
  }

  // ---------------------------------------------------------------- refusals

  private Rewrite notAString(String command, Placement[] placed) {
    for (Placement p : placed) {
      if (p != null) {
        return Rewrite.refuse("-ERR '" + command + "' can't be used on key '" + Commands.printable(p.key()) + "': rule '"
            + p.rule().name() + "' stores it as a string in a bucket (bucket rules hold strings only)");
      }
    }
    throw new IllegalStateException("no bucketed key");
  }

  private Rewrite checkScriptKeys(Command c, String name) {
    long n;
    try {
      n = Long.parseLong(c.argString(2));
    } catch (NumberFormatException e) {
      return null; // Redis answers the bad numkeys
    }
    if (n < 0 || n > c.argc() - 3) {
      return null;
    }
    for (int i = 3; i < 3 + n; i++) {
      if (isReservedArg(c, i)) {
        return reserved(c, i);
      }
      BucketRule rule = candidateRule(c, i);
      if (rule != null) {
        return Rewrite.refuse("-ERR " + name + " can't name key '" + Commands.printable(c.arg(i)) + "': rule '"
            + rule.name() + "' stores it in a bucket, which scripts would not see as a string");
      }
    }
    return null;
  }

  /** Commands whose keys can't be located statically: refuse if any argument is a bucketed or reserved key. */
  private Rewrite checkAllArgs(Command c, String what) {
    for (int i = 1; i < c.argc(); i++) {
      if (isReservedArg(c, i)) {
        return reserved(c, i);
      }
      BucketRule rule = candidateRule(c, i);
      if (rule != null) {
        return Rewrite.refuse("-ERR " + what + " names '" + Commands.printable(c.arg(i)) + "', which rule '" + rule.name()
            + "' stores in a bucket; this command would not see it as a string key");
      }
    }
    return null;
  }

  private static Rewrite reserved(Command c, int i) {
    return Rewrite.refuse("-ERR key '" + Commands.printable(c.arg(i)) + "' is in redis-compactor's reserved namespace ("
        + BucketRule.NAMESPACE + "); it can't be used through the proxy");
  }

  // ---------------------------------------------------------------- matching

  private static boolean isReservedArg(Command c, int i) {
    byte[] ns = BucketRule.NAMESPACE_BYTES;
    if (c.argLength(i) < ns.length) {
      return false;
    }
    for (int j = 0; j < ns.length; j++) {
      if (c.argByte(i, j) != ns[j]) {
        return false;
      }
    }
    return true;
  }

  /** The bucket rule owning argument {@code i}, or null. */
  private BucketRule candidateRule(Command c, int i) {
    int owner = keyRules.owner(c, i);
    return owner < 0 ? null : byIndex[owner];
  }

  private static String name(Command c) {
    return Commands.printable(c.arg(0)).toUpperCase(java.util.Locale.ROOT);
  }

  private static byte[] bytes(String s) {
    return s.getBytes(StandardCharsets.US_ASCII);
  }

  private static final byte[] EVALSHA = bytes("EVALSHA");
  private static final byte[] X = bytes("x");
  private static final byte[] XC = bytes("xc");
  private static final byte[] OP_GET_UPPER = bytes("GET");
  private static final byte[] OP_BATCH = bytes("batch");
  private static final byte[] BATCH_GET = bytes("g");
  private static final byte[] BATCH_SET = bytes("s");
  private static final byte[] SET_UPPER = bytes("SET");
  private static final byte[] OP_GET = bytes("get");
  private static final byte[] OP_SET = bytes("set");
  private static final byte[] OP_SET_FIT = bytes("s");
  private static final byte[] OP_SET_FIT_LEGACY = bytes("sl");
  private static final byte[] OP_TYPE = bytes("type");
  private static final byte[] OP_SETPX = bytes("setpx");
  private static final byte[] HGET = bytes("HGET");
  private static final byte[] HSET = bytes("HSET");
  private static final byte[] DEL = bytes("DEL");
  private static final byte[] PERSIST = bytes("PERSIST");
  private static final byte[][] TX_MULTI = {bytes("MULTI")};
  private static final byte[][] TX_EXEC = {bytes("EXEC")};
  private static final byte[][] TX_TIME = {bytes("TIME")};
  private static final ReplyTransform SET_OK = ReplyTransform.transaction("+OK");
  private static final byte[] SCRIPT = bytes("SCRIPT");
  private static final byte[] FLUSH = bytes("FLUSH");
  private static final byte[] EX = bytes("EX");
  private static final byte[] PX = bytes("PX");
  private static final byte[][] SMALL = {bytes("0"), bytes("1"), bytes("2"), bytes("3"), bytes("4"), bytes("5"),
      bytes("6"), bytes("7"), bytes("8"), bytes("9")};
  private static final byte[] XI = bytes("xi");
  private static final byte[] MOVE = bytes("move");
  private static final byte[] EMPTY = new byte[0];
  private static final byte[] COUNT = bytes("COUNT");
  private static final byte[] MATCH = bytes("MATCH");
  private static final byte[] TYPE = bytes("TYPE");
  private static final byte[] REPLACE = bytes("REPLACE");
  private static final byte[] DB = bytes("DB");
  private static final byte[] ONE = bytes("1");
  private static final byte[] ZERO = bytes("0");
}
