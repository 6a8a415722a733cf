package io.compactor.codec;

import com.github.benmanes.caffeine.cache.Cache;
import com.github.benmanes.caffeine.cache.Caffeine;
import com.github.benmanes.caffeine.cache.Expiry;
import com.github.benmanes.caffeine.cache.stats.CacheStats;
import java.util.concurrent.TimeUnit;

/**
 * Prepared dictionaries by id, loaded from a {@link DictionarySource} on first use. Bounded by the
 * sum of dictionary sizes; an id the source does not know is remembered as missing for about a second
 * only, so a dictionary another proxy just stored is found soon after. Thread-safe.
 */
final class Dictionaries {
  static final long MAX_WEIGHT_BYTES = 64L << 20;
  static final long MISSING_RETRY_NANOS = TimeUnit.SECONDS.toNanos(1);

  /** The cache's value for an id the source did not know. */
  private static final Object MISSING = new Object();

  // Cache values: a PreparedDictionary (kept until evicted), MISSING or the CodecException that
  // preparing the source's bytes gave (both retried after MISSING_RETRY_NANOS).

  private final DictionarySource source;
  private final Cache<Integer, Object> cache;

  Dictionaries(DictionarySource source) {
    this.source = source;
    this.cache = Caffeine.newBuilder()
        .maximumWeight(MAX_WEIGHT_BYTES)
        .recordStats()
        .weigher((Integer id, Object v) -> v instanceof PreparedDictionary d ? d.size() : 1)
        .expireAfter(new Expiry<Integer, Object>() {
          @Override
          public long expireAfterCreate(Integer id, Object v, long now) {
            return v instanceof PreparedDictionary ? Long.MAX_VALUE : MISSING_RETRY_NANOS;
          }

          @Override
          public long expireAfterUpdate(Integer id, Object v, long now, long current) {
            return expireAfterCreate(id, v, now);
          }

          @Override
          public long expireAfterRead(Integer id, Object v, long now, long current) {
            return current;
          }
        })
        .build();
  }

  CacheStats stats() {
    return cache.stats();
  }

  /** Dictionary {@code id}, or null when the source has none (remembered for about a second). */
  PreparedDictionary find(int id) throws CodecException {
    Object v = cache.getIfPresent(id);
    if (v == null) {
      try {
        v = cache.get(id, this::load);
      } catch (RuntimeException | Error e) {
        // the source failed (not cached: the next read asks again)
        throw new CodecException("dictionary " + id + " could not be loaded: " + e, e);
      }
    }
    if (v instanceof CodecException e) {
      throw new CodecException(e.getMessage(), e);
    }
    return v instanceof PreparedDictionary d ? d : null;
  }

  /** Dictionary {@code id}. */
  PreparedDictionary require(int id) throws CodecException {
    PreparedDictionary d = find(id);
    if (d == null) {
      throw new CodecException("dictionary " + id + " is unknown");
    }
    return d;
  }

  private Object load(Integer id) {
    byte[] bytes = source.load(id);
    if (bytes == null) {
      return MISSING;
    }
    try {
      return PreparedDictionary.of(id, bytes);
    } catch (CodecException e) {
      return e;
    }
  }

  /** Adds (or replaces) dictionary {@code id}. */
  void put(int id, byte[] bytes) {
    try {
      cache.put(id, PreparedDictionary.of(id, bytes.clone()));
    } catch (CodecException e) {
      throw new IllegalArgumentException(e.getMessage(), e);
    }
  }
}
