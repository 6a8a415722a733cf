package io.compactor.codec;

import java.nio.ByteBuffer;

import com.github.luben.zstd.ZstdCompressCtx;
import com.github.luben.zstd.ZstdDecompressCtx;
import com.github.luben.zstd.ZstdDictCompress;
import com.github.luben.zstd.ZstdDictDecompress;
import java.lang.ref.Cleaner;
import java.lang.ref.Reference;

/**
 * One thread's zstd contexts and scratch buffer. zstd contexts are not thread-safe, so each thread
 * (a Netty event loop, a test thread) gets its own set, created on first use and kept for the
 * thread's life: two compression contexts (without and with a dictionary) and two decompression
 * contexts, all writing and reading magicless frames with no content size, checksum or dictionary id.
 * A thread's contexts are freed by a {@link Cleaner} once the thread is gone.
 */
final class ZstdContexts {
  /** Scratch buffers up to this size are kept for the next call; larger ones are dropped. */
  private static final int KEEP_SCRATCH_BYTES = 1 << 20;

  private static final ThreadLocal<ZstdContexts> LOCAL = ThreadLocal.withInitial(ZstdContexts::new);
  /** zstd-jni contexts have no finalizer: this frees a finished thread's native contexts. */
  private static final Cleaner CLEANER = Cleaner.create();

  private final ZstdCompressCtx compress = frameSettings(new ZstdCompressCtx());
  private final ZstdCompressCtx compressWithDict = frameSettings(new ZstdCompressCtx());
  private final ZstdDecompressCtx decompress = new ZstdDecompressCtx().setMagicless(true);
  private final ZstdDecompressCtx decompressWithDict = new ZstdDecompressCtx().setMagicless(true);
  private int level = Integer.MIN_VALUE;
  private ZstdDictCompress loadedCompressDict;
  private byte[] scratch = new byte[4096];
  private ByteBuffer directScratch = ByteBuffer.allocateDirect(4096);

  private ZstdContexts() {
    AutoCloseable[] contexts = {compress, compressWithDict, decompress, decompressWithDict};
    CLEANER.register(this, () -> {
      for (AutoCloseable c : contexts) {
        try {
          c.close();
        } catch (Exception ignored) {
          // closing native memory does not fail in a way anyone could act on
        }
      }
    });
  }

  /** The calling thread's contexts. */
  static ZstdContexts get() {
    return LOCAL.get();
  }

  private static ZstdCompressCtx frameSettings(ZstdCompressCtx ctx) {
    return ctx.setMagicless(true).setContentSize(false).setChecksum(false).setDictID(false);
  }

  /** A buffer of at least {@code n} bytes, reused by the next call on this thread; contents undefined. */
  byte[] scratch(int n) {
    if (scratch.length >= n) {
      return scratch;
    }
    byte[] b = new byte[n];
    if (n <= KEEP_SCRATCH_BYTES) {
      scratch = b;
    }
    return b;
  }

  /**
   * Compresses {@code src[0, srcLen)} into {@code dst[dstOff..]} (which has room for
   * {@code Zstd.compressBound(srcLen)}) and returns the compressed size.
   *
   * @param dict the dictionary (its level applies), or null to compress at {@code level}
   */
  int compress(byte[] src, int srcLen, byte[] dst, int dstOff, int level, ZstdDictCompress dict) {
    ZstdCompressCtx ctx;
    if (dict == null) {
      ctx = compress;
      if (this.level != level) {
        ctx.setLevel(level);
        this.level = level;
      }
    } else {
      ctx = compressWithDict;
      if (loadedCompressDict != dict) {
        ctx.loadDict(dict); // the context keeps a reference, so the dictionary stays alive with it
        loadedCompressDict = dict;
      }
    }
    return ctx.compressByteArray(dst, dstOff, dst.length - dstOff, src, 0, srcLen);
  }

  /**
   * Compresses {@code src}'s remaining bytes (a direct buffer; its position is left as it is) without a
   * dictionary into {@code dst[dstOff..]}, which has room for {@code Zstd.compressBound(src.remaining())},
   * through a direct scratch buffer of this thread; returns the compressed size.
   */
  int compressDirect(ByteBuffer src, byte[] dst, int dstOff, int level) {
    if (this.level != level) {
      compress.setLevel(level);
      this.level = level;
    }
    int room = dst.length - dstOff;
    ByteBuffer out = directScratch(room);
    int n = compress.compressDirectByteBuffer(out, 0, room, src, src.position(), src.remaining());
    out.get(0, dst, dstOff, n);
    return n;
  }

  private ByteBuffer directScratch(int n) {
    if (directScratch.capacity() >= n) {
      return directScratch;
    }
    ByteBuffer b = ByteBuffer.allocateDirect(n);
    if (n <= KEEP_SCRATCH_BYTES) {
      directScratch = b;
    }
    return b;
  }

  /**
   * Decompresses {@code src[srcOff, srcOff + srcLen)} into {@code dst[0, dstLen)} and returns the
   * decompressed size; throws a zstd runtime exception when the frame is malformed or too big.
   */
  int decompress(byte[] src, int srcOff, int srcLen, byte[] dst, int dstLen, ZstdDictDecompress dict) {
    if (dict == null) {
      return decompress.decompressByteArray(dst, 0, dstLen, src, srcOff, srcLen);
    }
    // The context only keeps the native pointer, so load before every use while the caller holds dict.
    decompressWithDict.loadDict(dict);
    try {
      return decompressWithDict.decompressByteArray(dst, 0, dstLen, src, srcOff, srcLen);
    } finally {
      Reference.reachabilityFence(dict);
    }
  }
}
