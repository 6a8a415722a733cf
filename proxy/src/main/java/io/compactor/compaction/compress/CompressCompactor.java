package io.compactor.compaction.compress;

import io.compactor.codec.CodecException;
import io.compactor.codec.ValueCodecs;
import io.compactor.command.CommandSpecs;
import io.compactor.command.CommandSpecs.Spec;
import io.compactor.compaction.Continuation;
import io.compactor.compaction.KeyRules;
import io.compactor.compaction.ReplyTransform;
import io.compactor.compaction.Commands;
import io.compactor.compaction.Rewrite;
import io.compactor.compaction.bucket.BucketScript;
import io.compactor.config.RuleConfig;
import io.compactor.resp.Command;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * Commands on keys of compression rules: values written are replaced by what the rule's encoder makes of
 * them (an envelope, or the value itself when nothing smaller), and replies carrying stored values are
 * decoded on the way back, so clients see their own bytes. String commands that work on the stored bytes
 * (APPEND, SETRANGE, the INCR family, the bit commands, STRLEN, GETRANGE, LCS) run in the proxy's script:
 * when the key holds an envelope the script hands it back, the proxy decodes it and calls again, and the
 * script runs the real command on the decoded value, atomically (reads on a scratch copy, writes on the
 * key itself, which then stays uncompressed until the next SET). Scripts naming such a key and
 * commands that would carry an envelope out of the rule's keys are refused.
 *
 * <p>Stateless apart from the rules' encoders; thread-safe.
 */
public final class CompressCompactor {
  /** Round trips one command may take while other clients keep rewriting its key. */
  /** Round trips a command may take to decode values that keep changing, before it gives up. */
  public static final int MAX_ATTEMPTS = 8;

  private final KeyRules keyRules;
  private final CompressRule[] byIndex;
  private final List<CompressRule> rules;
  private final ValueCodecs codecs;

  public CompressCompactor(List<RuleConfig> configs, ValueCodecs codecs) {
    this.codecs = codecs;
    this.keyRules = new KeyRules(configs);
    this.byIndex = new CompressRule[configs.size()];
    List<CompressRule> list = new ArrayList<>();
    for (int i = 0; i < configs.size(); i++) {
      if (configs.get(i).strategy() == RuleConfig.Strategy.COMPRESS) {
        byIndex[i] = new CompressRule(configs.get(i), codecs);
        list.add(byIndex[i]);
      }
    }
    this.rules = List.copyOf(list);
  }

  public boolean isEmpty() {
    return rules.isEmpty();
  }

  public List<CompressRule> rules() {
    return rules;
  }

  public ValueCodecs codecs() {
    return codecs;
  }

  /** The compression rule named {@code name}, or null. */
  public CompressRule ruleByName(String name) {
    for (CompressRule r : rules) {
      if (r.name().equals(name)) {
        return r;
      }
    }
    return null;
  }

  /** The compression rule owning {@code key}, or null. */
  public CompressRule ruleFor(byte[] key) {
    int i = keyRules.owner(key);
    return i < 0 ? null : byIndex[i];
  }

  /**
   * What to send instead of {@code c}, or null to forward it unchanged. Commands that may need a second
   * round trip carry a {@link Continuation}; inside MULTI (where none is possible) their reply says so.
   */
  public Rewrite rewrite(Command c, ByteBufAllocator alloc) {
    Spec spec = CommandSpecs.of(c);
    if (spec == null || !spec.arityOk(c.argc())) {
      return null; // Redis answers unknown commands and arity errors itself
    }
    String name = spec.name();
    if (spec.movableKeys()) {
      return switch (name) {
        case "EVAL", "EVALSHA", "EVAL_RO", "EVALSHA_RO", "FCALL", "FCALL_RO" -> checkScriptKeys(c, name);
        case "LMPOP" -> listPop(c, name, 1);
        case "BLMPOP" -> listPop(c, name, 2);
        case "SORT", "SORT_RO" -> {
          int owner = keyRules.owner(c, 1);
          yield owner < 0 || byIndex[owner] == null ? null : Rewrite.refuse("-ERR " + name + " can't be used on key '"
              + Commands.printable(c.arg(1)) + "': rule '" + byIndex[owner].name() + "' stores its elements compressed, and "
              + "SORT would compare the stored bytes");
        }
        default -> null;
      };
    }
    if (spec.firstKey() <= 0) {
      return null;
    }
    int last = spec.lastKey() < 0 ? c.argc() + spec.lastKey() : Math.min(spec.lastKey(), c.argc() - 1);
    int step = Math.max(1, spec.step());
    CompressRule[] owned = null;
    boolean unowned = false;
    for (int i = spec.firstKey(), k = 0; i <= last; i += step, k++) {
      int owner = keyRules.owner(c, i);
      CompressRule rule = owner < 0 ? null : byIndex[owner];
      if (rule != null) {
        if (owned == null) {
          owned = new CompressRule[(last - spec.firstKey()) / step + 1];
        }
        owned[k] = rule;
      } else {
        unowned = true;
      }
    }
    if (owned == null) {
      return null;
    }
    return switch (name) {
      case "GET", "GETDEL", "GETEX" -> Rewrite.send(c.retainedDuplicate(), decodeBulk(c.arg(1), owned[0]));
      case "SET" -> encodeValue(c, alloc, 2, owned[0], hasGetOption(c));
      case "SETNX" -> encodeValue(c, alloc, 2, owned[0], false);
      case "GETSET" -> encodeValue(c, alloc, 2, owned[0], true);
      case "SETEX", "PSETEX" -> encodeValue(c, alloc, 3, owned[0], false);
      case "MSET", "MSETNX" -> c.argc() % 2 == 0 ? null : encodeValues(c, alloc, owned);
      case "MGET" -> Rewrite.send(c.retainedDuplicate(), decodeElements(c, owned));
      case "APPEND", "SETRANGE", "SETBIT", "INCRBYFLOAT" -> inflating(c, alloc, name, 'w', owned);
      case "INCR", "DECR", "INCRBY", "DECRBY" -> inflating(c, alloc, name, 'i', owned);
      case "STRLEN", "GETRANGE", "SUBSTR", "GETBIT", "BITCOUNT", "BITPOS" -> inflating(c, alloc, name, 'r', owned);
      case "LCS" -> unowned
          ? Rewrite.refuse("-ERR LCS can't compare a key of compression rule '" + first(owned).name()
              + "' with a key no compression rule owns")
          : inflating(c, alloc, name, 'r', owned);
      case "BITFIELD" -> Commands.hasWideBitfield(c) ? refuseWide(c, owned[0]) : inflating(c, alloc, name, 'w', owned);
      case "BITFIELD_RO" -> Commands.hasWideBitfield(c) ? refuseWide(c, owned[0]) : inflating(c, alloc, name, 'r', owned);
      case "BITOP" -> Rewrite.refuse("-ERR BITOP can't be used on key '" + Commands.printable(firstKey(c, owned, spec))
          + "': rule '" + first(owned).name() + "' stores its value compressed");
      case "RENAME", "RENAMENX", "COPY", "SMOVE" -> unowned
          ? Rewrite.refuse("-ERR " + name + " can't move a value between a key of compression rule '"
              + first(owned).name() + "' and a key no compression rule owns (its stored form would be read "
              + "the wrong way); copy it with GET and SET")
          : null;
      case "HSET", "HMSET" -> c.argc() % 2 == 1 ? null : encodeEvery(c, alloc, owned[0], 3, 2, null);
      case "HSETNX" -> encodeEvery(c, alloc, owned[0], 3, 2, null);
      case "HGET" -> reading(c, owned[0], ReplyValues.TOP);
      case "HMGET", "HVALS" -> reading(c, owned[0], ReplyValues.ELEMENTS);
      case "HGETALL" -> reading(c, owned[0], ReplyValues.ODD_ELEMENTS);
      case "HRANDFIELD" -> c.argc() == 4 ? reading(c, owned[0], ReplyValues.PAIRS) : null;
      case "HSCAN" -> reading(c, owned[0], ReplyValues.SCAN_PAIRS);
      case "HSTRLEN" -> hstrlen(c, alloc, owned[0]);
      case "LPUSH", "RPUSH", "LPUSHX", "RPUSHX" -> encodeEvery(c, alloc, owned[0], 2, 1, null);
      case "LSET" -> encodeEvery(c, alloc, owned[0], 3, 1, null);
      case "LINSERT" -> comparing(c, alloc, name, owned[0], 3, 4);
      case "LREM" -> comparing(c, alloc, name, owned[0], 3, -1);
      case "LPOS" -> comparing(c, alloc, name, owned[0], 2, -1);
      case "LINDEX" -> reading(c, owned[0], ReplyValues.TOP);
      case "LRANGE" -> reading(c, owned[0], ReplyValues.ELEMENTS);
      case "LPOP", "RPOP" -> reading(c, owned[0], c.argc() == 3 ? ReplyValues.ELEMENTS : ReplyValues.TOP);
      case "BLPOP", "BRPOP" -> unowned ? refuseMix(name, owned) : reading(c, first(owned), ReplyValues.SECOND);
      case "LMOVE", "BLMOVE", "RPOPLPUSH", "BRPOPLPUSH" -> moving(c, name, owned, unowned);
      default -> null; // other types' commands and key commands see the keys as they are
    };
  }

  // ---------------------------------------------------------------- writes

  private static boolean hasGetOption(Command c) {
    for (int i = 3; i < c.argc(); i++) {
      if (c.argEqualsIgnoreCase(i, GET)) {
        return true;
      }
    }
    return false;
  }

  private Rewrite encodeValue(Command c, ByteBufAllocator alloc, int valueArg, CompressRule rule, boolean decodeReply) {
    CompressRule[] encodeWith = new CompressRule[valueArg + 1];
    encodeWith[valueArg] = rule;
    byte[][] a = args(c, encodeWith);
    Command out = Command.of(alloc, a);
    return decodeReply ? Rewrite.send(out, decodeBulk(a[1], rule)) : Rewrite.send(out);
  }

  private Rewrite encodeValues(Command c, ByteBufAllocator alloc, CompressRule[] owned) {
    CompressRule[] encodeWith = new CompressRule[c.argc()];
    for (int k = 0; k < owned.length; k++) {
      encodeWith[2 + 2 * k] = owned[k];
    }
    return Rewrite.send(Command.of(alloc, args(c, encodeWith)));
  }

  /** The arguments as arrays. */
  private static byte[][] args(Command c) {
    return args(c, new CompressRule[0]);
  }

  /**
   * The arguments as arrays; argument {@code i} encoded by {@code encodeWith[i]} when that is set (straight
   * from the request's buffer when the codec can).
   */
  private static byte[][] args(Command c, CompressRule[] encodeWith) {
    byte[][] a = new byte[c.argc()][];
    for (int i = 0; i < a.length; i++) {
      CompressRule rule = i < encodeWith.length ? encodeWith[i] : null;
      a[i] = rule == null ? c.arg(i) : rule.encode(c, i);
    }
    return a;
  }

  // ---------------------------------------------------------------- reads

  /** A bulk-string reply holding a stored value becomes the client's value; anything else passes. */
  public ReplyTransform decodeBulk(byte[] key, CompressRule rule) {
    return rule.decodeValue(key);
  }

  private ReplyTransform decoding(ReplyValues.Where where, byte[] key, CompressRule rule) {
    return rule.decoding(where, key);
  }

  private ReplyTransform decodeElements(Command c, CompressRule[] owned) {
    List<ReplyTransform> perElement = new ArrayList<>(owned.length);
    for (int k = 0; k < owned.length; k++) {
      perElement.add(owned[k] == null ? null : decodeBulk(c.arg(1 + k), owned[k]));
    }
    return ReplyTransform.exec(perElement);
  }

  // ---------------------------------------------------------------- hashes and lists

  /** Encodes the arguments from {@code from} on, every {@code step}-th. */
  private static Rewrite encodeEvery(Command c, ByteBufAllocator alloc, CompressRule rule, int from, int step,
      ReplyTransform transform) {
    CompressRule[] encodeWith = new CompressRule[c.argc()];
    for (int i = from; i < encodeWith.length; i += step) {
      encodeWith[i] = rule;
    }
    return Rewrite.send(Command.of(alloc, args(c, encodeWith)), transform);
  }

  /** Sends {@code c} as it is; the values {@code where} selects in its reply are decoded. */
  private Rewrite reading(Command c, CompressRule rule, ReplyValues.Where where) {
    return Rewrite.send(c.retainedDuplicate(), decoding(where, c.arg(1), rule));
  }

  /**
   * LINSERT, LREM, LPOS compare an element with the stored ones: sound only for an element the rule never
   * compresses (shorter than min-size and not starting with the envelope byte).
   */
  private static Rewrite comparing(Command c, ByteBufAllocator alloc, String name, CompressRule rule, int elementArg,
      int encodeArg) {
    if (c.argLength(elementArg) >= rule.minSize() || (c.argLength(elementArg) > 0 && c.argByte(elementArg, 0) == MAGIC)) {
      return Rewrite.refuse("-ERR " + name + " can't compare an element of " + c.argLength(elementArg) + " bytes on key '"
          + Commands.printable(c.arg(1)) + "': rule '" + rule.name() + "' may store such elements compressed (only elements "
          + "shorter than its min-size " + rule.minSize() + " can be compared)");
    }
    if (encodeArg < 0) {
      return Rewrite.send(c.retainedDuplicate());
    }
    byte[][] a = args(c);
    a[encodeArg] = rule.encode(a[encodeArg]);
    return Rewrite.send(Command.of(alloc, a));
  }

  /** HSTRLEN: the stored value's decoded length, from an HGET. */
  private Rewrite hstrlen(Command c, ByteBufAllocator alloc, CompressRule rule) {
    byte[] key = c.arg(1);
    ReplyTransform length = (frame, a) -> {
      int r = frame.readerIndex();
      byte type = frame.getByte(r);
      if (type != '$' && type != '_') {
        return frame.retainedDuplicate(); // an error (WRONGTYPE): the same as HSTRLEN's
      }
      int n = 0;
      if (type == '$' && frame.getByte(r + 1) != '-') {
        int eol = frame.indexOf(r, frame.writerIndex(), (byte) '\n');
        byte[] stored = new byte[frame.writerIndex() - 2 - (eol + 1)];
        frame.getBytes(eol + 1, stored);
        try {
          n = codecs.decodedLength(stored);
        } catch (CodecException e) {
          return error(a, rule.undecodable(key, e));
        }
      }
      ByteBuf out = a.buffer(16);
      out.writeByte(':');
      out.writeCharSequence(Integer.toString(n), StandardCharsets.US_ASCII);
      out.writeShort(CRLF);
      return out;
    };
    return Rewrite.send(Command.of(alloc, new byte[][] {HGET, key, c.arg(2)}), length);
  }

  /** LMPOP / BLMPOP: the number of keys at {@code numkeysArg}, the keys after it. */
  private Rewrite listPop(Command c, String name, int numkeysArg) {
    int n;
    try {
      n = Integer.parseInt(c.argString(numkeysArg));
    } catch (NumberFormatException e) {
      return null; // Redis answers the error
    }
    if (n < 1 || numkeysArg + n >= c.argc()) {
      return null;
    }
    CompressRule[] owned = new CompressRule[n];
    boolean any = false;
    boolean unowned = false;
    for (int k = 0; k < n; k++) {
      int owner = keyRules.owner(c, numkeysArg + 1 + k);
      owned[k] = owner < 0 ? null : byIndex[owner];
      any |= owned[k] != null;
      unowned |= owned[k] == null;
    }
    if (!any) {
      return null;
    }
    return unowned ? refuseMix(name, owned) : reading(c, first(owned), ReplyValues.NESTED);
  }

  /** Moves between lists: both keys must be compression rules' (a value must not leave their keys encoded). */
  private Rewrite moving(Command c, String name, CompressRule[] owned, boolean unowned) {
    if (unowned) {
      return Rewrite.refuse("-ERR " + name + " can't move an element between a key of compression rule '"
          + first(owned).name() + "' and a key no compression rule owns (its stored form would be read the wrong way)");
    }
    return Rewrite.send(c.retainedDuplicate(), decodeBulk(c.arg(1), first(owned)));
  }

  // ---------------------------------------------------------------- commands on decoded values

  /**
   * A string command run by the script's {@code z} operation: KEYS are the command's keys (and scratch
   * keys for a read), ARGV per key an envelope and its decoded value once the proxy has decoded one.
   */
  private Rewrite inflating(Command c, ByteBufAllocator alloc, String name, char kind, CompressRule[] owned) {
    Spec spec = CommandSpecs.byName(name);
    int n = owned.length;
    int[] positions = new int[n];
    for (int k = 0; k < n; k++) {
      positions[k] = spec.firstKey() + k * Math.max(1, spec.step());
    }
    Inflate call = new Inflate(args(c), positions, kind, new byte[n][], new byte[n][]);
    byte[][] keys = new byte[n][];
    CompressRule[] rules = new CompressRule[n];
    for (int k = 0; k < n; k++) {
      keys[k] = call.args[positions[k]];
      rules[k] = owned[k] != null ? owned[k] : first(owned);
    }
    ReplyTransform done = kind == 'i' ? ReplyTransform.BULK_TO_INTEGER : null;
    Retry retry = (k, envelope, decoded, a) -> {
      call.envelopes[k] = envelope;
      call.decoded[k] = decoded;
      return call.command(a);
    };
    return Rewrite.continuing(call.command(alloc), decodingRetries(name, keys, rules, done, retry, 1),
        markerInMulti(name, keys, first(owned).name(), done));
  }

  /** A script call again, once the value of key {@code k} (stored as {@code envelope}) is {@code decoded}. */
  public interface Retry {
    Command call(int k, byte[] envelope, byte[] decoded, ByteBufAllocator alloc);
  }

  /**
   * The round trips of a script call that may answer with the marker ({@link #isMarker}): the marker's
   * envelope is decoded with its key's rule and the call sent again through {@code retry}, at most
   * {@link #MAX_ATTEMPTS} calls in all; any other reply is the client's, through {@code done} (null: as it
   * is).
   *
   * @param keys the key each marker index names (1-based in the marker), for error replies
   * @param rules the rule whose codecs decode each key's value
   */
  public static Continuation decodingRetries(String name, byte[][] keys, CompressRule[] rules, ReplyTransform done,
      Retry retry, int attempt) {
    return (frame, alloc) -> {
      if (!isMarker(frame)) {
        return Continuation.Step.reply(done == null ? frame.retainedDuplicate() : done.apply(frame, alloc));
      }
      int k = markerIndex(frame);
      byte[] key = keys[k];
      if (attempt >= MAX_ATTEMPTS) {
        return Continuation.Step.reply(error(alloc, "ERR " + name + " on key '" + Commands.printable(key)
            + "': its value kept changing while the proxy decoded it (" + attempt + " attempts); try again"));
      }
      byte[] envelope = markerEnvelope(frame);
      byte[] decoded;
      try {
        decoded = rules[k].decode(envelope);
      } catch (CodecException e) {
        return Continuation.Step.reply(error(alloc, rules[k].undecodable(key, e)));
      }
      return Continuation.Step.send(retry.call(k, envelope, decoded, alloc),
          decodingRetries(name, keys, rules, done, retry, attempt + 1));
    };
  }

  /**
   * Such a call's reply inside MULTI, where no second round trip is possible: a marker becomes an error
   * naming the key and {@code ruleName}; any other reply goes through {@code done} (null: as it is).
   */
  public static ReplyTransform markerInMulti(String name, byte[][] keys, String ruleName, ReplyTransform done) {
    return (frame, a) -> isMarker(frame)
        ? error(a, "ERR " + name + " on key '" + Commands.printable(keys[markerIndex(frame)])
            + "' needs its compressed value expanded first (rule '" + ruleName
            + "'), which can't be done inside MULTI; run it outside the transaction")
        : done == null ? frame.retainedDuplicate() : done.apply(frame, a);
  }

  /** One {@code z} call's arguments; each round trip adds the envelope the last one answered with. */
  private static final class Inflate {
    final byte[][] args;
    final int[] positions;
    final char kind;
    final byte[][] envelopes;
    final byte[][] decoded;

    Inflate(byte[][] args, int[] positions, char kind, byte[][] envelopes, byte[][] decoded) {
      this.args = args;
      this.positions = positions;
      this.kind = kind;
      this.envelopes = envelopes;
      this.decoded = decoded;
    }

    Command command(ByteBufAllocator alloc) {
      int n = positions.length;
      List<byte[]> a = new ArrayList<>(8 + 4 * n + args.length);
      a.add(EVALSHA);
      a.add(BucketScript.sha().getBytes(StandardCharsets.US_ASCII));
      a.add(Integer.toString(kind == 'r' ? 2 * n : n).getBytes(StandardCharsets.US_ASCII));
      for (int k = 0; k < n; k++) {
        a.add(args[positions[k]]);
      }
      if (kind == 'r') {
        for (int k = 0; k < n; k++) {
          a.add(scratchKey(args[positions[k]]));
        }
      }
      a.add(Z);
      a.add(ZERO); // the bucket script's listpack limit and legacy flag: unused by this operation
      a.add(ZERO);
      a.add(new byte[] {(byte) kind});
      a.add(Integer.toString(n).getBytes(StandardCharsets.US_ASCII));
      for (int k = 0; k < n; k++) {
        a.add(envelopes[k] == null ? EMPTY : envelopes[k]);
        a.add(decoded[k] == null ? EMPTY : decoded[k]);
      }
      for (int k = 0; k < n; k++) {
        a.add(Integer.toString(positions[k]).getBytes(StandardCharsets.US_ASCII));
      }
      a.addAll(Arrays.asList(args));
      return Command.of(alloc, a.toArray(new byte[0][]));
    }
  }

  /** The scratch key a read runs on: the reserved namespace, in the key's own slot. */
  static byte[] scratchKey(byte[] key) {
    byte[] tag = io.compactor.compaction.bucket.BucketRule.hashTag(key);
    byte[] inner = tag != null ? tag : key;
    byte[] out = new byte[SCRATCH.length + inner.length + 1];
    System.arraycopy(SCRATCH, 0, out, 0, SCRATCH.length);
    System.arraycopy(inner, 0, out, SCRATCH.length, inner.length);
    out[out.length - 1] = '}';
    return out;
  }

  // ---------------------------------------------------------------- the script's marker reply

  /** {@code *3 $.. 0xFC "__rc:z" $.. i $.. envelope}: the script met an envelope it can't decode. */
  public static boolean isMarker(ByteBuf frame) {
    int r = frame.readerIndex();
    if (frame.readableBytes() < 20 || frame.getByte(r) != '*' || frame.getByte(r + 1) != '3') {
      return false;
    }
    // *3\r\n$7\r\n<0xFC>__rc:z\r\n
    if (frame.getByte(r + 4) != '$' || frame.getByte(r + 5) != '7' || frame.getByte(r + 8) != MAGIC) {
      return false;
    }
    for (int j = 0; j < MARKER_TAIL.length; j++) {
      if (frame.getByte(r + 9 + j) != MARKER_TAIL[j]) {
        return false;
      }
    }
    return true;
  }

  /** The marker's key index, 0-based. */
  static int markerIndex(ByteBuf frame) {
    return Integer.parseInt(bulkAt(frame, 1).toString(StandardCharsets.US_ASCII)) - 1;
  }

  public static byte[] markerEnvelope(ByteBuf frame) {
    ByteBuf b = bulkAt(frame, 2);
    byte[] out = new byte[b.readableBytes()];
    b.getBytes(b.readerIndex(), out);
    return out;
  }

  /** The body of element {@code index} of an array of bulk strings. */
  private static ByteBuf bulkAt(ByteBuf frame, int index) {
    int at = frame.indexOf(frame.readerIndex(), frame.writerIndex(), (byte) '\n') + 1;
    for (int i = 0; ; i++) {
      int eol = frame.indexOf(at, frame.writerIndex(), (byte) '\n');
      int len = Integer.parseInt(frame.toString(at + 1, eol - 1 - (at + 1), StandardCharsets.US_ASCII));
      if (i == index) {
        return frame.slice(eol + 1, len);
      }
      at = eol + 1 + len + 2;
    }
  }

  // ---------------------------------------------------------------- refusals and errors

  private Rewrite checkScriptKeys(Command c, String name) {
    long n;
    try {
      n = Long.parseLong(c.argString(2));
    } catch (NumberFormatException e) {
      return null;
    }
    if (n < 0 || n > c.argc() - 3) {
      return null;
    }
    for (int i = 3; i < 3 + n; i++) {
      int owner = keyRules.owner(c, i);
      if (owner >= 0 && byIndex[owner] != null) {
        return Rewrite.refuse("-ERR " + name + " can't name key '" + Commands.printable(c.arg(i)) + "': rule '"
            + byIndex[owner].name() + "' stores its value compressed, and a script would see the stored bytes");
      }
    }
    return null;
  }

  private static Rewrite refuseMix(String name, CompressRule[] owned) {
    return Rewrite.refuse("-ERR " + name + " can't name keys of compression rule '" + first(owned).name()
        + "' together with keys no compression rule owns");
  }

  private static Rewrite refuseWide(Command c, CompressRule rule) {
    return Rewrite.refuse("-ERR " + Commands.printable(c.arg(0)).toUpperCase(java.util.Locale.ROOT) + " with integer "
        + "types wider than 53 bits can't be used on key '" + Commands.printable(c.arg(1)) + "': rule '" + rule.name()
        + "' runs it in a script, which computes in doubles");
  }

  /** An error reply {@code -line\r\n} (CR and LF in {@code line} become spaces). */
  public static ByteBuf error(ByteBufAllocator alloc, String line) {
    ByteBuf out = alloc.buffer(line.length() + 3);
    out.writeByte('-');
    out.writeCharSequence(line.replace('\r', ' ').replace('\n', ' '), StandardCharsets.UTF_8);
    out.writeShort(CRLF);
    return out;
  }

  private static CompressRule first(CompressRule[] owned) {
    for (CompressRule r : owned) {
      if (r != null) {
        return r;
      }
    }
    throw new IllegalStateException("no compressed key");
  }

  private static byte[] firstKey(Command c, CompressRule[] owned, Spec spec) {
    for (int k = 0; k < owned.length; k++) {
      if (owned[k] != null) {
        return c.arg(spec.firstKey() + k * Math.max(1, spec.step()));
      }
    }
    return c.arg(1);
  }

  private static final byte MAGIC = (byte) 0xFC;
  private static final short CRLF = ('\r' << 8) | '\n';
  private static final byte[] MARKER_TAIL = "__rc:z\r\n".getBytes(StandardCharsets.US_ASCII);
  private static final byte[] GET = "GET".getBytes(StandardCharsets.US_ASCII);
  private static final byte[] HGET = "HGET".getBytes(StandardCharsets.US_ASCII);
  private static final byte[] EVALSHA = "EVALSHA".getBytes(StandardCharsets.US_ASCII);
  private static final byte[] Z = {'z'};
  private static final byte[] ZERO = {'0'};
  private static final byte[] EMPTY = new byte[0];
  private static final byte[] SCRATCH = "__rc:z:{".getBytes(StandardCharsets.US_ASCII);
}
