package io.compactor.loadtest.dataset;

import java.util.Iterator;

/**
 * A reproducible source of keys and values shaped like real application data. The same name, seed and
 * count always give the same entries, in the same order.
 */
public interface Dataset {
  /** Short name used on the command line and in reports ({@code small}, {@code sessions}, ...). */
  String name();

  /** One line for reports: what the keys and values look like. */
  String description();

  /**
   * The entries, generated lazily (a million entries must not be held in memory at once).
   *
   * @param seed random seed; the same seed gives the same entries
   * @param count how many entries; a finite dataset (a replay file) may give fewer
   */
  Iterator<Entry> entries(long seed, int count);
}
