package io.compactor.compaction.bucket;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;

/** The Lua script behind every bucketed command ({@code bucket.lua}) and its SHA-1, as EVALSHA names it. */
public final class BucketScript {
  private static final byte[] BODY;
  private static final byte[] SHA;

  static {
    try (InputStream in = BucketScript.class.getResourceAsStream("bucket.lua")) {
      if (in == null) {
        throw new IllegalStateException("bucket.lua missing from the jar");
      }
      BODY = in.readAllBytes();
      SHA = HexFormat.of().formatHex(MessageDigest.getInstance("SHA-1").digest(BODY))
          .getBytes(StandardCharsets.US_ASCII);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException(e);
    }
  }

  private BucketScript() {}

  public static byte[] body() {
    return BODY.clone();
  }

  public static String sha() {
    return new String(SHA, StandardCharsets.US_ASCII);
  }

  static byte[] shaBytes() {
    return SHA;
  }
}
