package io.compactor.compaction.compress;

import io.compactor.codec.AutoSelector;
import io.compactor.codec.CodecException;
import io.compactor.codec.CodecKind;
import io.compactor.codec.DictionaryTrainer;
import java.nio.charset.StandardCharsets;
import java.util.List;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The dictionaries of compression rules (zstd dictionaries, and fsst symbol tables), kept in Redis so
 * every proxy on it shares them:
 * {@code __rc:d:<id>} holds dictionary {@code id} (ids come from {@code INCR __rc:d:next}, a new one is
 * stored with {@code SET NX}, and the proxy never reuses or deletes one), {@code __rc:d:rule:<name>} the
 * dictionary and codec a rule encodes with now ({@code "<id> <codec>"}). Each proxy adopts what a rule's
 * key names, and trains the rule's first dictionary itself once it has sampled {@code train-after}
 * values. A server that lost these keys while a proxy kept encoding with them gets them back from that
 * proxy (restoreIfLost). Runs on the maintenance thread.
 */
public final class Dictionaries {
  private static final Logger log = LoggerFactory.getLogger(Dictionaries.class);

  /** Bytes written between two looks at a rule's compression ratio. */
  static final long DRIFT_WINDOW_BYTES = 4L << 20;
  /** A ratio this much worse than right after training makes the rule train a new dictionary. */
  static final double DRIFT = 1.2;

  /** Where dictionaries live; the maintenance connection implements it. */
  public interface Store {
    byte[] get(byte[] key);

    void set(byte[] key, byte[] value);

    /** {@code SET key value NX}: whether the key was set. */
    boolean setIfAbsent(byte[] key, byte[] value);

    long incr(byte[] key);
  }

  /** The most dictionaries {@link #known} keeps (the most recently used: every rule's current one). */
  static final int MAX_KNOWN = 32;

  private final List<CompressRule> rules;
  private final io.compactor.codec.ValueCodecs codecs;
  /**
   * The dictionaries this proxy has encoded with (trained or adopted), by id, so that a server that lost
   * them (FLUSHALL, a restart without persistence, a fail-over to a replica without them) gets them back
   * before values naming them are written again, and their ids are never handed out a second time.
   */
  private final java.util.LinkedHashMap<Integer, byte[]> known = new java.util.LinkedHashMap<>(16, 0.75f, true) {
    @Override
    protected boolean removeEldestEntry(java.util.Map.Entry<Integer, byte[]> eldest) {
      return size() > MAX_KNOWN;
    }
  };

  /** @param rules every rule with a codec (compress rules and bucket rules with one) */
  public Dictionaries(List<CompressRule> rules, io.compactor.codec.ValueCodecs codecs) {
    this.rules = List.copyOf(rules);
    this.codecs = codecs;
  }

  /** Runs {@code check} (which calls {@link #tick} off the event loop) as soon as a rule has its sample. */
  public void onSampled(Runnable check) {
    for (CompressRule rule : rules) {
      if (rule.wantsDictionary()) {
        rule.onSampled(check);
      }
    }
  }

  /** Adopts each rule's current dictionary, and trains the first one where it is due. */
  public synchronized void tick(Store store) {
    restoreIfLost(store);
    for (CompressRule rule : rules) {
      if (!rule.wantsDictionary()) {
        continue;
      }
      byte[] current = store.get(ruleKey(rule));
      if (current != null) {
        adopt(store, rule, new String(current, StandardCharsets.US_ASCII));
        // a dictionary's ratio, or auto's choice (with or without one), is checked again as data drifts
        if ((rule.dictionaryId() != 0 || rule.kind() == CodecKind.AUTO) && drifted(rule)) {
          log.info("rule '{}': compression ratio drifted from {} to {}: training a new dictionary", rule.name(),
              String.format("%.3f", rule.baseline), String.format("%.3f", lastRatio));
          train(store, rule, true);
        }
      } else if (rule.sampler().size() >= rule.config().compression().trainAfter()) {
        train(store, rule, true);
      }
    }
  }

  /**
   * When the id counter is below an id this proxy has used, the server has lost the proxy's state: stores
   * every dictionary this proxy knows again (where missing), raises the counter past them, and names each
   * rule's current dictionary again, so values encoded since stay readable by every proxy and no id is
   * reused for other content.
   */
  private void restoreIfLost(Store store) {
    if (known.isEmpty()) {
      return;
    }
    int max = java.util.Collections.max(known.keySet());
    long next = counter(store.get(NEXT));
    if (next >= max) {
      return;
    }
    if (next < 0) {
      log.warn("__rc:d:next does not hold a number: setting it to {}", max);
      store.set(NEXT, Integer.toString(max).getBytes(StandardCharsets.US_ASCII));
    }
    log.warn("the server has lost the proxy's dictionaries (id counter at {}, dictionary {} in use: FLUSHALL, or a"
        + " server without its data): storing the {} this proxy knows again", next, max, known.size());
    for (java.util.Map.Entry<Integer, byte[]> e : known.entrySet()) {
      store.setIfAbsent(dictionaryKey(e.getKey()), e.getValue());
    }
    if (next == 0) {
      store.setIfAbsent(NEXT, Integer.toString(max).getBytes(StandardCharsets.US_ASCII));
    }
    while (store.incr(NEXT) < max) {
      // another proxy may raise it too; going past max only skips ids
    }
    for (CompressRule rule : rules) {
      if (rule.wantsDictionary() && rule.dictionaryId() != 0) {
        store.setIfAbsent(ruleKey(rule), (rule.dictionaryId() + " " + rule.currentKind().configName())
            .getBytes(StandardCharsets.US_ASCII));
      }
    }
  }

  private static long counter(byte[] value) {
    if (value == null) {
      return 0;
    }
    try {
      return Long.parseLong(new String(value, StandardCharsets.US_ASCII));
    } catch (NumberFormatException e) {
      return -1;
    }
  }

  /**
   * Trains a dictionary for {@code rule} from its sample now, stores it and makes it the rule's. When that
   * fails and the training was {@code automatic} (a full sample, or drift), the sample starts over, so the
   * next attempt waits for {@code train-after} new values instead of coming every second.
   */
  public synchronized void train(Store store, CompressRule rule, boolean automatic) {
    List<byte[]> samples = rule.sampler().snapshot();
    int size = rule.config().compression().dictionarySize();
    CodecKind kind = rule.kind();
    byte[] dict;
    try {
      if (kind == CodecKind.AUTO) {
        AutoSelector.Choice choice = AutoSelector.chooseHeldOut(samples, size,
            rule.config().compression().autoMinMbPerSecond(), rule.config().compression().autoMaxMicrosPerValue());
        kind = choice.chosen().kind();
        log.info("rule '{}': auto chose {} (ratio {}, measured on values it did not train on) among {}", rule.name(),
            kind.configName(), String.format("%.3f", choice.chosen().ratio()), choice.tried());
        // the chosen kind's dictionary (zstd's, fsst's table, json's model, or one on the packed form the
        // values will have), trained on the whole sample; none for a codec that takes none
        dict = kind.usesDictionary() ? DictionaryTrainer.train(samples, size, kind) : null;
      } else {
        dict = DictionaryTrainer.train(samples, size, kind);
      }
    } catch (CodecException e) {
      log.warn("rule '{}': no dictionary trained from {} sampled values{}: {}", rule.name(), samples.size(),
          automatic ? " (trying again on a new sample)" : "", e.getMessage());
      if (automatic) {
        rule.resetSample();
      }
      return;
    }
    int id = 0; // 0: auto chose a codec that takes no dictionary
    if (dict != null) {
      restoreIfLost(store);
      do { // never an id this proxy has used, nor one another proxy stored
        id = Math.toIntExact(store.incr(NEXT));
      } while (known.containsKey(id) || !store.setIfAbsent(dictionaryKey(id), dict));
      known.put(id, dict);
      codecs.putDictionary(id, dict);
    }
    rule.use(kind, id); // before other proxies hear of it
    rule.baseline = Double.NaN;
    rule.resetSample();
    store.set(ruleKey(rule), (id + " " + kind.configName()).getBytes(StandardCharsets.US_ASCII));
    if (dict != null) {
      log.info("rule '{}': trained dictionary {} ({} bytes) on {} sampled values", rule.name(), id, dict.length,
          samples.size());
    }
  }

  private double lastRatio;

  /** Whether the rule's recent ratio is {@link #DRIFT} times its ratio after training, with a fresh sample. */
  private boolean drifted(CompressRule rule) {
    double ratio = rule.takeWindowRatio(DRIFT_WINDOW_BYTES);
    if (Double.isNaN(ratio)) {
      return false;
    }
    lastRatio = ratio;
    if (Double.isNaN(rule.baseline)) {
      rule.baseline = ratio;
      return false;
    }
    return ratio > rule.baseline * DRIFT && rule.sampler().size() >= rule.config().compression().trainAfter();
  }

  /**
   * Trains {@code ruleName}'s dictionary now, on demand (the admin endpoint): a description of the outcome,
   * or of why not.
   */
  public synchronized String trainNow(Store store, String ruleName) {
    for (CompressRule rule : rules) {
      if (rule.name().equals(ruleName)) {
        if (!rule.wantsDictionary()) {
          return "rule '" + ruleName + "' uses codec " + rule.kind().configName() + ", which takes no dictionary";
        }
        int before = rule.dictionaryId();
        int samples = rule.sampler().size();
        train(store, rule, false);
        return rule.dictionaryId() != before
            ? "rule '" + ruleName + "': trained dictionary " + rule.dictionaryId() + " on " + samples + " sampled values"
            : "rule '" + ruleName + "': no dictionary trained from " + samples + " sampled values (see the log)";
      }
    }
    return "no compression rule is named '" + ruleName + "'";
  }

  private void adopt(Store store, CompressRule rule, String current) {
    String[] parts = current.trim().split(" ");
    int id;
    CodecKind kind;
    try {
      id = Integer.parseInt(parts[0]);
      kind = CodecKind.parse(parts.length > 1 ? parts[1] : rule.kind().configName());
    } catch (IllegalArgumentException e) {
      log.warn("rule '{}': ignoring unreadable {} ({})", rule.name(), new String(ruleKey(rule),
          StandardCharsets.US_ASCII), e.getMessage());
      return;
    }
    if (id == rule.dictionaryId() && kind == rule.currentKind()) {
      known.get(id); // keeps a dictionary in use among the newest (known is in access order)
      return;
    }
    if (id == 0 && !kind.usesDictionary()) { // auto's choice of a codec without a dictionary
      rule.use(kind, 0);
      rule.baseline = Double.NaN;
      log.info("rule '{}': now encoding with {}", rule.name(), kind.configName());
      return;
    }
    byte[] dict = store.get(dictionaryKey(id));
    if (dict == null) {
      log.warn("rule '{}': dictionary {} is missing from Redis; keeping the current encoder", rule.name(), id);
      return;
    }
    codecs.putDictionary(id, dict);
    known.put(id, dict);
    rule.use(kind, id);
    rule.baseline = Double.NaN;
    log.info("rule '{}': now encoding with {} and dictionary {}", rule.name(), kind.configName(), id);
  }

  /** Where dictionary {@code id} is kept. */
  public static byte[] dictionaryKey(int id) {
    return ("__rc:d:" + id).getBytes(StandardCharsets.US_ASCII);
  }

  static byte[] ruleKey(CompressRule rule) {
    return ("__rc:d:rule:" + rule.name()).getBytes(StandardCharsets.US_ASCII);
  }

  private static final byte[] NEXT = "__rc:d:next".getBytes(StandardCharsets.US_ASCII);
}
