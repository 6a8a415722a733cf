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
 * The zstd dictionaries of compression rules, kept in Redis so every proxy on it shares them:
 * {@code __rc:d:<id>} holds dictionary {@code id} (ids come from {@code INCR __rc:d:next} and are never
 * reused or deleted by the proxy), {@code __rc:d:rule:<name>} the dictionary and codec a rule encodes
 * with now ({@code "<id> <codec>"}). Each proxy adopts what a rule's key names, and trains the rule's first
 * dictionary itself once it has sampled {@code train-after} values. Runs on the maintenance thread.
 */
public final class Dictionaries {
  private static final Logger log = LoggerFactory.getLogger(Dictionaries.class);

  /** Bytes written between two looks at a rule's compression ratio. */
  static final long DRIFT_WINDOW_BYTES = 4L << 20;
  /** A ratio this much worse than right after training makes the rule train a new dictionary. */
  static final double DRIFT = 1.2;

  /** Encode speed below which {@code auto} does not pick a codec, MB/s of values. */
  static final double AUTO_MIN_MB_PER_SECOND = 50;

  /** Where dictionaries live; the maintenance connection implements it. */
  public interface Store {
    byte[] get(byte[] key);

    void set(byte[] key, byte[] value);

    long incr(byte[] key);
  }

  private final List<CompressRule> rules;
  private final io.compactor.codec.ValueCodecs codecs;

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
  public void tick(Store store) {
    for (CompressRule rule : rules) {
      if (!rule.wantsDictionary()) {
        continue;
      }
      byte[] current = store.get(ruleKey(rule));
      if (current != null) {
        adopt(store, rule, new String(current, StandardCharsets.US_ASCII));
        if (rule.dictionaryId() != 0 && drifted(rule)) {
          log.info("rule '{}': compression ratio drifted from {} to {}: training a new dictionary", rule.name(),
              String.format("%.3f", rule.baseline), String.format("%.3f", lastRatio));
          train(store, rule);
        }
      } else if (rule.sampler().size() >= rule.config().compression().trainAfter()) {
        train(store, rule);
      }
    }
  }

  /** Trains a dictionary for {@code rule} from its sample now, stores it and makes it the rule's. */
  public void train(Store store, CompressRule rule) {
    List<byte[]> samples = rule.sampler().snapshot();
    int size = rule.config().compression().dictionarySize();
    CodecKind kind = rule.kind();
    byte[] dict;
    try {
      if (kind == CodecKind.AUTO) {
        dict = DictionaryTrainer.train(samples, size);
        AutoSelector.Choice choice = AutoSelector.choose(samples, dict, AUTO_MIN_MB_PER_SECOND);
        kind = choice.chosen().kind();
        log.info("rule '{}': auto chose {} (ratio {}) among {}", rule.name(), kind.configName(),
            String.format("%.3f", choice.chosen().ratio()), choice.tried());
        if (kind.usesMsgpack() && kind.usesDictionary()) {
          dict = DictionaryTrainer.train(samples, size, kind); // on the packed form the values will have
        }
      } else {
        dict = DictionaryTrainer.train(samples, size, kind);
      }
    } catch (CodecException e) {
      log.warn("rule '{}': no dictionary trained from {} sampled values: {}", rule.name(), samples.size(),
          e.getMessage());
      return;
    }
    int id = Math.toIntExact(store.incr(NEXT));
    store.set(dictionaryKey(id), dict);
    codecs.putDictionary(id, dict);
    rule.use(kind, id); // before other proxies hear of it
    rule.baseline = Double.NaN;
    rule.resetSample();
    store.set(ruleKey(rule), (id + " " + kind.configName()).getBytes(StandardCharsets.US_ASCII));
    log.info("rule '{}': trained dictionary {} ({} bytes) on {} sampled values", rule.name(), id, dict.length,
        samples.size());
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
  public String trainNow(Store store, String ruleName) {
    for (CompressRule rule : rules) {
      if (rule.name().equals(ruleName)) {
        if (!rule.wantsDictionary()) {
          return "rule '" + ruleName + "' uses codec " + rule.kind().configName() + ", which takes no dictionary";
        }
        int before = rule.dictionaryId();
        int samples = rule.sampler().size();
        train(store, rule);
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
      return;
    }
    byte[] dict = store.get(dictionaryKey(id));
    if (dict == null) {
      log.warn("rule '{}': dictionary {} is missing from Redis; keeping the current encoder", rule.name(), id);
      return;
    }
    codecs.putDictionary(id, dict);
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
