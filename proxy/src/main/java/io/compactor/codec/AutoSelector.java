package io.compactor.codec;

import java.util.ArrayList;
import java.util.List;

/**
 * Chooses a rule's codec from sampled values: encodes the sample with each candidate, measures the
 * stored/logical ratio and the encode speed, and picks the smallest ratio among the candidates at or
 * above a speed budget. Stateless; runs on the caller's thread (not an event loop: it takes a while).
 */
public final class AutoSelector {
  /** The dictionary id used while measuring. */
  private static final int TRIAL_DICT_ID = 1;
  /** The symbol table's id while measuring. */
  private static final int TRIAL_TABLE_ID = 2;
  /** The id the trial json model is known by, in the private codecs. */
  private static final int TRIAL_MODEL_ID = 3;
  /** Each candidate encodes the sample at least this many times, and for at least this long; its fastest round counts. */
  private static final int MIN_ROUNDS = 2;
  private static final long MIN_NANOS = 20_000_000L;
  /**
   * Before timing, each candidate written in Java encodes samples for at least this many values and this
   * long (the JIT compiles in the background, slower on a busy machine), and at most {@link #WARM_MAX_NANOS}.
   */
  private static final int WARM_VALUES = 20_000;
  private static final long WARM_MIN_NANOS = 250_000_000L;
  private static final long WARM_MAX_NANOS = 1_000_000_000L;

  private AutoSelector() {}

  /**
   * One candidate's measurement.
   *
   * @param ratio stored bytes / logical bytes over the sample (smaller is better)
   * @param mbPerSecond logical megabytes (10^6 bytes) encoded per second on this thread
   * @param microsPerValue microseconds per value encoded on this thread
   */
  public record Candidate(CodecKind kind, int level, double ratio, double mbPerSecond, double microsPerValue) {}

  /** The chosen candidate and every candidate measured, in the order tried. */
  public record Choice(Candidate chosen, List<Candidate> tried) {}

  /**
   * Splits {@code samples} in two halves at random (seeded): a zstd dictionary of {@code dictBytes} (when zstd
   * can train one), fsst's table and json's model are trained on one half and every candidate is measured
   * on the other, so a dictionary that holds whole sampled values is not credited with them.
   *
   * @param samples the rule's sampled values
   * @throws CodecException when there are fewer than 2 samples
   */
  public static Choice chooseHeldOut(List<byte[]> samples, int dictBytes, double minMbPerSecond,
      double maxMicrosPerValue) throws CodecException {
    if (samples.size() < 2) {
      throw new CodecException("cannot choose a codec from " + samples.size() + " sampled values (expected: at least 2)");
    }
    // a seeded shuffle, not every other value: samples may alternate between kinds of values
    List<byte[]> shuffled = new ArrayList<>(samples);
    java.util.Collections.shuffle(shuffled, new java.util.Random(shuffled.size()));
    List<byte[]> training = shuffled.subList(0, shuffled.size() / 2);
    List<byte[]> measured = shuffled.subList(shuffled.size() / 2, shuffled.size());
    byte[] dict;
    try {
      dict = DictionaryTrainer.train(training, dictBytes);
    } catch (CodecException e) { // too little for zstd: the other candidates still run
      dict = null;
    }
    return choose(training, measured, dict, minMbPerSecond, maxMicrosPerValue);
  }

  /**
   * Tries lz4, zstd (levels 1 and 3), zstd-dict and msgpack+zstd-dict when a dictionary is given,
   * msgpack and json (with a model trained on {@code training}) when most measured values are packable
   * JSON, and fsst with a symbol table trained on {@code training} (deterministic: training again on the
   * same values gives the same table); picks the smallest ratio among those encoding at
   * {@code minMbPerSecond} or faster, or at {@code maxMicrosPerValue} or less per value (for short values
   * the cost per value is what counts); lz4 when none does.
   *
   * @param training the values the dictionary was trained on, and fsst and json train on
   * @param measured the values every candidate is measured on (not empty)
   * @param dictionaryOrNull a zstd dictionary trained on {@code training}, or null
   */
  public static Choice choose(List<byte[]> training, List<byte[]> measured, byte[] dictionaryOrNull,
      double minMbPerSecond, double maxMicrosPerValue) {
    List<byte[]> samples = measured;
    if (samples.isEmpty()) {
      throw new IllegalArgumentException("measured: empty (expected: at least one value)");
    }
    ValueCodecs codecs = new ValueCodecs(DictionarySource.none(), Envelope.MAX_ARRAY);
    boolean dict = dictionaryOrNull != null && dictionaryOrNull.length > 0;
    if (dict) {
      codecs.putDictionary(TRIAL_DICT_ID, dictionaryOrNull);
    }
    boolean json = mostlyJson(samples);
    List<Candidate> tried = new ArrayList<>();
    tried.add(measure(codecs.encoder(CodecKind.LZ4, 0, 0, 0), samples));
    tried.add(measure(codecs.encoder(CodecKind.ZSTD, 1, 0, 0), samples));
    tried.add(measure(codecs.encoder(CodecKind.ZSTD, 3, 0, 0), samples));
    if (json) {
      tried.add(measure(codecs.encoder(CodecKind.MSGPACK, 0, 0, 0), samples));
    }
    if (dict) {
      tried.add(measure(codecs.encoder(CodecKind.ZSTD_DICT, 3, 0, TRIAL_DICT_ID), samples));
      if (json) {
        tried.add(measure(codecs.encoder(CodecKind.MSGPACK_ZSTD_DICT, 3, 0, TRIAL_DICT_ID), samples));
      }
    }
    if (json) {
      try {
        codecs.putDictionary(TRIAL_MODEL_ID, DictionaryTrainer.train(training, 0, CodecKind.JSON));
        tried.add(measure(codecs.encoder(CodecKind.JSON, 3, 0, TRIAL_MODEL_ID), samples));
      } catch (CodecException e) {
        // too few compact JSON samples for a model: json is not a candidate
      }
    }
    try {
      codecs.putDictionary(TRIAL_TABLE_ID, DictionaryTrainer.trainSymbols(training));
      tried.add(measure(codecs.encoder(CodecKind.FSST, 3, 0, TRIAL_TABLE_ID), samples));
    } catch (CodecException e) {
      // too few samples for a table: fsst is not a candidate
    }
    Candidate chosen = null;
    for (Candidate c : tried) {
      boolean fast = c.mbPerSecond() >= minMbPerSecond || c.microsPerValue() <= maxMicrosPerValue;
      if (fast && (chosen == null || c.ratio() < chosen.ratio())) {
        chosen = c;
      }
    }
    return new Choice(chosen != null ? chosen : tried.get(0), List.copyOf(tried));
  }

  private static boolean mostlyJson(List<byte[]> samples) {
    int packable = 0;
    for (byte[] s : samples) {
      if (MsgpackJson.pack(s) != null) {
        packable++;
      }
    }
    return packable * 2 > samples.size();
  }

  private static Candidate measure(Encoder encoder, List<byte[]> samples) {
    long logical = 0;
    long stored = 0;
    for (byte[] s : samples) {
      logical += s.length;
      stored += encoder.encode(s).length;
    }
    // warm-up, so that a codec written in Java is timed compiled, as it will run (lz4 and zstd are native)
    CodecKind k = encoder.kind();
    boolean java = k != CodecKind.LZ4 && k != CodecKind.ZSTD && k != CodecKind.ZSTD_DICT;
    long warm = System.nanoTime();
    int warmed = 0;
    long elapsedWarm = 0;
    while (java && (warmed < WARM_VALUES || elapsedWarm < WARM_MIN_NANOS) && elapsedWarm < WARM_MAX_NANOS) {
      for (byte[] s : samples) {
        encoder.encode(s);
      }
      warmed += samples.size();
      elapsedWarm = System.nanoTime() - warm;
    }
    // the fastest of the timed rounds: what the codec costs once compiled, less the machine's hiccups
    long rounds = 0;
    long start = System.nanoTime();
    long best = Long.MAX_VALUE;
    long now = start;
    do {
      long roundStart = now;
      for (byte[] s : samples) {
        encoder.encode(s);
      }
      now = System.nanoTime();
      best = Math.min(best, Math.max(now - roundStart, 1));
      rounds++;
    } while (rounds < MIN_ROUNDS || now - start < MIN_NANOS);
    double ratio = logical == 0 ? 1.0 : (double) stored / logical;
    double mbPerSecond = (logical / 1e6) / (best / 1e9);
    double microsPerValue = (best / 1e3) / samples.size();
    return new Candidate(encoder.kind(), encoder.zstdLevel(), ratio, mbPerSecond, microsPerValue);
  }
}
