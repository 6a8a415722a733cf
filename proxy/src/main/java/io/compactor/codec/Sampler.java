package io.compactor.codec;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ThreadLocalRandom;

/**
 * A bounded uniform sample of one rule's values (reservoir sampling), used to train its dictionary and
 * to choose its codec. Holds at most {@code maxSamples} values and {@code maxBytes} bytes of them; a value
 * that would push the total over {@code maxBytes} is skipped (but counted in {@link #seen()}).
 * Thread-safe; {@link #offer} is cheap when the value is not kept.
 */
public final class Sampler {
  private final int maxSamples;
  private final long maxBytes;
  private final List<byte[]> samples;
  private long seen;
  private long bytes;

  public Sampler(int maxSamples, long maxBytes) {
    if (maxSamples <= 0) {
      throw new IllegalArgumentException("maxSamples: " + maxSamples + " (expected: > 0)");
    }
    if (maxBytes <= 0) {
      throw new IllegalArgumentException("maxBytes: " + maxBytes + " (expected: > 0)");
    }
    this.maxSamples = maxSamples;
    this.maxBytes = maxBytes;
    this.samples = new ArrayList<>(Math.min(maxSamples, 1024));
  }

  /** Considers {@code value} for the sample; a kept value is copied. */
  public void offer(byte[] value) {
    if (value.length > maxBytes) {
      synchronized (this) {
        seen++;
      }
      return;
    }
    synchronized (this) {
      long n = ++seen;
      if (samples.size() < maxSamples) {
        if (bytes + value.length <= maxBytes) {
          samples.add(value.clone());
          bytes += value.length;
        }
        return;
      }
      long slot = ThreadLocalRandom.current().nextLong(n);
      if (slot < maxSamples) {
        int i = (int) slot;
        byte[] old = samples.get(i);
        if (bytes - old.length + value.length <= maxBytes) {
          samples.set(i, value.clone());
          bytes += value.length - old.length;
        }
      }
    }
  }

  /** The values kept so far, in no particular order; the arrays must not be modified. */
  public synchronized List<byte[]> snapshot() {
    return List.copyOf(samples);
  }

  /** How many values are kept. */
  public synchronized int size() {
    return samples.size();
  }

  /** The bytes held by the kept values. */
  public synchronized long bytes() {
    return bytes;
  }

  /** How many values were offered. */
  public synchronized long seen() {
    return seen;
  }
}
