package io.compactor.compaction;

import io.compactor.compaction.bucket.BucketCompactor;
import io.compactor.compaction.compress.CompressCompactor;
import io.compactor.resp.Command;
import io.netty.buffer.ByteBufAllocator;

/**
 * Every rule's rewriting of client commands: compression rules first (they may change the values a
 * command carries and the replies it gets), then bucket rules on what that left. A key belongs to the
 * first rule whose pattern matches it, whatever its strategy. A command naming keys of both kinds is
 * combined only where that is sound (MGET, MSET, MSETNX, DEL and the other key-count commands); other
 * mixes are refused. Thread-safe.
 */
public final class Compactor {
  private final BucketCompactor buckets;
  private final CompressCompactor compression;

  /**
   * @param buckets the bucket rules (also guards the reserved namespace and shows logical keys to
   *     SCAN/KEYS/DBSIZE/RANDOMKEY, so it is present whenever any rule is)
   * @param compression the compression rules, or null when there are none
   */
  public Compactor(BucketCompactor buckets, CompressCompactor compression) {
    this.buckets = buckets;
    this.compression = compression;
  }

  public BucketCompactor buckets() {
    return buckets;
  }

  public CompressCompactor compression() {
    return compression;
  }

  /**
   * What to send instead of {@code c}, or null to forward it unchanged.
   *
   * @param mayReadThrough whether a bucketed GET may try a plain HGET first (see {@link Rewrite#readThrough})
   */
  public Rewrite rewrite(Command c, ByteBufAllocator alloc, boolean mayContinue, boolean mayReadThrough) {
    if (compression == null) {
      return buckets.rewrite(c, alloc, mayReadThrough);
    }
    Rewrite z = compression.rewrite(c, alloc);
    if (z == null) {
      return buckets.rewrite(c, alloc, mayReadThrough);
    }
    if (z.isRefusal() || z.continuation() != null) {
      return z; // a script call over the command's own keys, all of them the compression rule's
    }
    Rewrite b = buckets.rewrite(z.command(), alloc, false);
    if (b == null) {
      return z;
    }
    z.command().release();
    if (b.isRefusal()) {
      return b;
    }
    return Rewrite.send(b.command(), ReplyTransform.andThen(b.transform(), z.transform()));
  }

  /** See {@link BucketCompactor#flushesScripts}. */
  public static boolean flushesScripts(Command c) {
    return BucketCompactor.flushesScripts(c);
  }
}
