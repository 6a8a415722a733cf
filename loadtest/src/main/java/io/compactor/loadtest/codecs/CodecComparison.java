package io.compactor.loadtest.codecs;

import io.compactor.codec.CodecException;
import io.compactor.codec.CodecKind;
import io.compactor.codec.DictionarySource;
import io.compactor.codec.DictionaryTrainer;
import io.compactor.codec.Encoder;
import io.compactor.codec.ValueCodecs;
import io.compactor.loadtest.dataset.Dataset;
import io.compactor.loadtest.dataset.Datasets;
import io.compactor.loadtest.dataset.Entry;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * What each codec makes of a dataset's values, in the proxy's own encoder: average stored bytes per value
 * (envelope included), encode and decode time per value, for lz4, zstd at several levels, and zstd and
 * msgpack+zstd with dictionaries of several sizes trained on the first values (as a rule trains on its
 * first {@code train-after} writes). No Redis involved: this is the value side of the memory figures.
 */
@Command(name = "codec-comparison", mixinStandardHelpOptions = true, sortOptions = false,
    description = "Compare the proxy's codecs on a dataset's values.")
public final class CodecComparison implements Callable<Integer> {
  @Option(names = "--dataset", description = "Dataset (default ${DEFAULT-VALUE}).")
  String dataset = "sessions";

  @Option(names = "--values", description = "Values encoded (default ${DEFAULT-VALUE}).")
  int values = 20_000;

  @Option(names = "--train-after", description = "Values a dictionary is trained on (default ${DEFAULT-VALUE}).")
  int trainAfter = 1000;

  @Option(names = "--seed", description = "Dataset seed (default ${DEFAULT-VALUE}).")
  long seed = 42;

  @Option(names = "--keys-matching", paramLabel = "GLOB",
      description = "Only the values of keys matching this Redis glob (e.g. 'user:*:name'; default: all).")
  String keysMatching;

  public static void main(String[] args) {
    System.exit(new CommandLine(new CodecComparison()).execute(args));
  }

  @Override
  public Integer call() throws CodecException {
    Dataset ds = Datasets.byName(dataset);
    List<byte[]> vals = new ArrayList<>(values);
    io.compactor.compaction.Glob glob = keysMatching == null ? null : io.compactor.compaction.Glob.of(keysMatching);
    for (Iterator<Entry> it = ds.entries(seed, values); it.hasNext(); ) {
      Entry e = it.next();
      if (glob == null || glob.matches(e.key())) {
        vals.add(e.value());
      }
    }
    if (vals.isEmpty()) {
      System.err.println("codec-comparison: no key of " + dataset + " matches " + keysMatching);
      return 2;
    }
    long logical = 0;
    for (byte[] v : vals) {
      logical += v.length;
    }
    System.out.printf("%s%s: %,d values, %.1f B on average; dictionaries trained on the first %,d%n%n", dataset,
        keysMatching == null ? "" : " (keys matching " + keysMatching + ")",
        vals.size(), logical / (double) vals.size(), trainAfter);
    System.out.printf("%-20s %8s %9s %7s %11s %11s%n", "codec", "level", "dict KB", "B/value", "encode µs", "decode µs");
    ValueCodecs codecs = new ValueCodecs(DictionarySource.none(), Integer.MAX_VALUE - 64);
    report(codecs, vals, CodecKind.LZ4, 1, 0, 0);
    for (int level : new int[] {1, 3, 9}) {
      report(codecs, vals, CodecKind.ZSTD, level, 0, 0);
    }
    List<byte[]> sample = vals.subList(0, Math.min(trainAfter, vals.size()));
    int id = 1;
    for (int kb : new int[] {16, 32, 64, 110}) {
      for (CodecKind kind : List.of(CodecKind.ZSTD_DICT, CodecKind.MSGPACK_ZSTD_DICT)) {
        byte[] dict = DictionaryTrainer.train(sample, kb * 1024, kind);
        codecs.putDictionary(id, dict);
        for (int level : new int[] {3, 9}) {
          report(codecs, vals, kind, level, id, kb);
        }
        id++;
      }
    }
    // fsst: a symbol table for short strings (no level, no dictionary size)
    codecs.putDictionary(id, DictionaryTrainer.trainSymbols(sample));
    report(codecs, vals, CodecKind.FSST, 3, id, 0);
    // json: shapes and per-path symbol tables, when the sample holds compact JSON
    id++;
    try {
      codecs.putDictionary(id, DictionaryTrainer.train(sample, 0, CodecKind.JSON));
      report(codecs, vals, CodecKind.JSON, 3, id, 0);
    } catch (CodecException e) {
      System.out.printf("%-20s %s%n", "json", "- (" + e.getMessage() + ")");
    }
    return 0;
  }

  private static void report(ValueCodecs codecs, List<byte[]> vals, CodecKind kind, int level, int dictId, int kb)
      throws CodecException {
    Encoder e = codecs.encoder(kind, level, 0, dictId); // min-size 0: every value gets its envelope when smaller
    List<byte[]> stored = new ArrayList<>(vals.size());
    long t0 = System.nanoTime();
    for (byte[] v : vals) {
      stored.add(e.encode(v));
    }
    long t1 = System.nanoTime();
    long bytes = 0;
    for (byte[] s : stored) {
      codecs.decode(s);
      bytes += s.length;
    }
    long t2 = System.nanoTime();
    System.out.printf("%-20s %8s %9s %7.1f %11.1f %11.1f%n", kind.configName(),
        kind == CodecKind.FSST || kind == CodecKind.JSON || kind == CodecKind.LZ4 ? "-" : Integer.toString(level),
        kb == 0 ? "-" : kb,
        bytes / (double) vals.size(), (t1 - t0) / 1000.0 / vals.size(), (t2 - t1) / 1000.0 / vals.size());
  }
}
