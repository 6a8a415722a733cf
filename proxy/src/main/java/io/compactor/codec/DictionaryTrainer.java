package io.compactor.codec;

import com.github.luben.zstd.ZstdDictTrainer;
import java.util.ArrayList;
import java.util.List;

/** Trains zstd dictionaries from sampled values (zstd-jni's {@code ZstdDictTrainer}). Stateless. */
public final class DictionaryTrainer {
  /** Fewer non-empty samples than this are refused: zstd cannot learn from them. */
  public static final int MIN_SAMPLES = 10;
  /** The smallest dictionary size accepted, in bytes. */
  public static final int MIN_DICT_BYTES = 256;
  /** The most sample bytes a symbol table is trained on. */
  public static final int SYMBOL_SAMPLE_BYTES = 256 * 1024;

  private DictionaryTrainer() {}

  /**
   * A dictionary of at most {@code dictBytes} bytes trained on {@code samples}.
   *
   * @throws CodecException when there are too few samples, or zstd cannot train on them
   */
  public static byte[] train(List<byte[]> samples, int dictBytes) throws CodecException {
    if (dictBytes < MIN_DICT_BYTES) {
      throw new IllegalArgumentException("dictBytes: " + dictBytes + " (expected: >= " + MIN_DICT_BYTES + ")");
    }
    long total = 0;
    int count = 0;
    for (byte[] s : samples) {
      if (s.length > 0) {
        total += s.length;
        count++;
      }
    }
    if (count < MIN_SAMPLES) {
      throw new CodecException("cannot train a dictionary from " + count + " non-empty samples (expected: at least "
          + MIN_SAMPLES + ")");
    }
    if (total > Envelope.MAX_ARRAY) {
      throw new CodecException("cannot train a dictionary from " + total + " bytes of samples (expected: at most "
          + Envelope.MAX_ARRAY + ")");
    }
    ZstdDictTrainer trainer = new ZstdDictTrainer((int) total, dictBytes);
    for (byte[] s : samples) {
      if (s.length > 0) {
        trainer.addSample(s);
      }
    }
    byte[] dict;
    try {
      dict = trainer.trainSamples();
    } catch (RuntimeException | Error e) {
      throw new CodecException("dictionary training on " + count + " samples (" + total + " bytes) failed: "
          + e.getMessage(), e);
    }
    if (dict == null || dict.length == 0) {
      throw new CodecException("dictionary training on " + count + " samples (" + total + " bytes) gave nothing");
    }
    return dict;
  }

  /**
   * Like {@link #train(List, int)}, on the form {@code kind} compresses: for msgpack+zstd-dict, the
   * msgpack of the samples that are packable JSON (the others as they are); for fsst, a symbol table
   * and for json a {@link JsonModel} (serialized; {@code dictBytes} does not apply to either).
   */
  public static byte[] train(List<byte[]> samples, int dictBytes, CodecKind kind) throws CodecException {
    if (kind == CodecKind.FSST) {
      return trainSymbols(samples);
    }
    if (kind == CodecKind.JSON) {
      return JsonModel.train(samples, MIN_SAMPLES).serialize();
    }
    if (kind != CodecKind.MSGPACK_ZSTD_DICT) {
      return train(samples, dictBytes);
    }
    List<byte[]> forms = new ArrayList<>(samples.size());
    for (byte[] s : samples) {
      byte[] packed = MsgpackJson.pack(s);
      forms.add(packed != null ? packed : s);
    }
    return train(forms, dictBytes);
  }

  /**
   * A serialized fsst symbol table trained on {@code samples} (at most {@link #SYMBOL_SAMPLE_BYTES} of
   * them are used: more hardly changes the table).
   *
   * @throws CodecException when there are fewer than {@link #MIN_SAMPLES} non-empty samples
   */
  public static byte[] trainSymbols(List<byte[]> samples) throws CodecException {
    List<byte[]> used = new ArrayList<>();
    long total = 0;
    for (byte[] s : samples) {
      if (s.length > 0 && total + s.length <= SYMBOL_SAMPLE_BYTES) {
        used.add(s);
        total += s.length;
      }
    }
    if (used.size() < MIN_SAMPLES) {
      throw new CodecException("cannot train a symbol table from " + used.size()
          + " non-empty samples (expected: at least " + MIN_SAMPLES + ")");
    }
    return SymbolTable.train(used).serialize();
  }
}
