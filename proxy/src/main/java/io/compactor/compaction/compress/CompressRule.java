package io.compactor.compaction.compress;

import io.compactor.codec.CodecKind;
import io.compactor.codec.Encoder;
import io.compactor.codec.Sampler;
import io.compactor.codec.ValueCodecs;
import io.compactor.compaction.RuleStats;
import io.compactor.config.RuleConfig;
import io.compactor.resp.Command;

/**
 * One compression rule at run time: the encoder its values get now, and (for dictionary and {@code auto}
 * codecs) the sample of written values the next dictionary is trained on. The encoder changes when a
 * dictionary is trained or loaded; values written with an earlier one stay readable, because every
 * envelope names its codec and dictionary. Thread-safe.
 */
public final class CompressRule {
  /** Values kept for training: at most this many, and at most {@link #SAMPLE_BYTES} in all. */
  static final int SAMPLES = 10_000;
  static final long SAMPLE_BYTES = 8L << 20;

  private final RuleConfig config;
  private final CodecKind kind;
  private final ValueCodecs codecs;
  private volatile Sampler sampler;
  private final java.util.concurrent.atomic.LongAdder windowLogical = new java.util.concurrent.atomic.LongAdder();
  private final java.util.concurrent.atomic.LongAdder windowStored = new java.util.concurrent.atomic.LongAdder();
  /** stored/logical bytes measured right after the current dictionary came into use (NaN: not yet). */
  volatile double baseline = Double.NaN;
  private volatile Encoder encoder;
  /** Called once, when the sample first holds {@code train-after} values (the maintenance thread trains). */
  private volatile Runnable onSampled;
  private volatile boolean sampledReported;
  private final io.compactor.compaction.RuleStats stats = new io.compactor.compaction.RuleStats();

  public CompressRule(RuleConfig config, ValueCodecs codecs) {
    this.config = config;
    this.codecs = codecs;
    this.kind = CodecKind.parse(config.compression().codec());
    this.sampler = wantsDictionary() ? new Sampler(SAMPLES, SAMPLE_BYTES) : null;
    // auto starts with zstd and settles on a codec once a sample has been measured
    this.encoder = codecs.encoder(kind == CodecKind.AUTO ? CodecKind.ZSTD : kind, level(), minSize(), 0);
  }

  public String name() {
    return config.name();
  }

  public RuleConfig config() {
    return config;
  }

  /** The codec the rule names ({@code auto} included). */
  public CodecKind kind() {
    return kind;
  }

  /** The codec values are encoded with now. */
  public CodecKind currentKind() {
    return encoder.kind();
  }

  /** The dictionary new values are encoded with, 0 when none. */
  public int dictionaryId() {
    return encoder.dictId();
  }

  /** Whether this rule trains dictionaries (a dictionary codec, or {@code auto}). */
  public boolean wantsDictionary() {
    return kind.usesDictionary() || kind == CodecKind.AUTO;
  }

  /** The sample of written values, or null when the rule trains no dictionary. */
  public Sampler sampler() {
    return sampler;
  }

  int level() {
    return config.compression().level();
  }

  int minSize() {
    return config.compression().minSize();
  }

  /** Values at least this long are compressed straight from the request's buffer when the codec can. */
  static final int BUFFER_MIN_BYTES = 256;

  /**
   * What to store for argument {@code arg} of {@code c}, a value a client writes: as {@link #encode(byte[])},
   * without first copying a long value out of the request's buffer when the codec compresses straight
   * from it (lz4 and zstd, which keep no sample).
   */
  public byte[] encode(Command c, int arg) {
    Encoder e = encoder;
    int n = c.argLength(arg);
    if (sampler != null || n < BUFFER_MIN_BYTES || n < minSize() || !e.takesBuffers() || c.argByte(arg, 0) == (byte) 0xFC
        || looksNumeric(c, arg)) {
      return encode(c.arg(arg));
    }
    java.nio.ByteBuffer value = c.argNioBuffer(arg);
    if (!value.isDirect()) {
      return encode(c.arg(arg));
    }
    byte[] out = e.encodeBuffer(value);
    return counted(n, out == null ? c.arg(arg) : out, false);
  }

  private static boolean looksNumeric(Command c, int arg) {
    int n = c.argLength(arg);
    for (int j = 0; j < n; j++) {
      if (!numericByte(c.argByte(arg, j))) {
        return false;
      }
    }
    return n > 0;
  }

  private static boolean numericByte(byte b) {
    return (b >= '0' && b <= '9') || b == '-' || b == '+' || b == '.' || b == 'e' || b == 'E';
  }

  /** What to store for a value a client writes. */
  public byte[] encode(byte[] value) {
    Sampler sampler = this.sampler;
    if (sampler != null) {
      sampler.offer(value);
      if (!sampledReported && sampler.size() >= config.compression().trainAfter()) {
        sampledReported = true;
        Runnable r = onSampled;
        if (r != null) {
          r.run();
        }
      }
    }
    boolean numeric = looksNumeric(value);
    return counted(value.length, numeric ? value : encoder.encode(value), numeric);
  }

  /** Counts what was stored ({@code out}) for a value of {@code n} bytes, and returns it. */
  private byte[] counted(int n, byte[] out, boolean numeric) {
    windowLogical.add(n);
    windowStored.add(out.length);
    if (out.length < n) { // an envelope is only chosen when strictly smaller
      stats.valueCompressed(n, out.length);
    } else {
      stats.valueUncompressed(n, out.length, numeric ? RuleStats.Uncompressed.NUMERIC
          : n < minSize() ? RuleStats.Uncompressed.TOO_SMALL : RuleStats.Uncompressed.NOT_SMALLER);
    }
    return out;
  }

  /** What this rule did with the values it encoded (shared with its bucket rule, when it is a bucket's codec). */
  public RuleStats stats() {
    return stats;
  }

  /**
   * Stored over logical bytes of the values encoded since the last call that returned a number; NaN (and
   * the counts kept) while fewer than {@code minBytes} were written.
   */
  double takeWindowRatio(long minBytes) {
    long logical = windowLogical.sumThenReset();
    long stored = windowStored.sumThenReset();
    if (logical < minBytes) {
      windowLogical.add(logical);
      windowStored.add(stored);
      return Double.NaN;
    }
    return stored / (double) logical;
  }

  /** Starts a new sample (after a dictionary was trained on the old one). */
  void resetSample() {
    if (sampler != null) {
      sampler = new Sampler(SAMPLES, SAMPLE_BYTES);
      sampledReported = false;
    }
  }

  /**
   * Values made only of digits, signs, points and exponents are stored as they are, so the INCR and
   * HINCRBY families keep working on them in Redis itself (and they hardly compress).
   */
  static boolean looksNumeric(byte[] value) {
    if (value.length == 0) {
      return false;
    }
    for (byte b : value) {
      if (!numericByte(b)) {
        return false;
      }
    }
    return true;
  }

  /** Runs {@code action} (once) when enough values have been sampled to train the first dictionary. */
  public void onSampled(Runnable action) {
    this.onSampled = action;
  }

  /** Decodes the reply's value (a bulk string) for the client; errors name {@code key} and this rule. */
  public io.compactor.compaction.ReplyTransform decodeValue(byte[] key) {
    return decoding(ReplyValues.TOP, key);
  }

  /** Decodes the values {@code where} selects in the reply. */
  io.compactor.compaction.ReplyTransform decoding(ReplyValues.Where where, byte[] key) {
    ReplyValues.Decoder decoder = new ReplyValues.Decoder() {
      @Override
      public byte[] decode(byte[] stored) throws io.compactor.codec.CodecException {
        return codecs.decode(stored);
      }

      @Override
      public String error(io.compactor.codec.CodecException e) {
        return undecodable(key, e);
      }
    };
    return (frame, alloc) -> ReplyValues.rewrite(frame, where, decoder, alloc);
  }

  /** The client's bytes for a value this rule stored (see {@link io.compactor.codec.ValueCodecs#decode}). */
  public byte[] decode(byte[] stored) throws io.compactor.codec.CodecException {
    return codecs.decode(stored);
  }

  /** The error line (without '-') for a stored value of {@code key} that can't be decoded. */
  public String undecodable(byte[] key, io.compactor.codec.CodecException e) {
    return "ERR redis-compactor: the value of key '" + io.compactor.compaction.Commands.printable(key) + "' (rule '"
        + name() + "') can't be decoded: " + e.getMessage();
  }

  /** From now on, encode with {@code chosen} and dictionary {@code dictId} (0: none). */
  public void use(CodecKind chosen, int dictId) {
    encoder = codecs.encoder(chosen, level(), minSize(), dictId);
  }
}
