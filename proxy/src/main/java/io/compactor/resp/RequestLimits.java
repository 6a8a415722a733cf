package io.compactor.resp;

/**
 * Bounds on what one client request may contain, enforced by {@link RequestDecoder} while it parses
 * headers, before the body is buffered.
 *
 * @param maxArrayLength most arguments in one multibulk request
 * @param maxBulkBytes largest single argument, in bytes (Redis: proto-max-bulk-len)
 * @param maxInlineBytes longest inline command line and longest length header, in bytes
 * @param maxRequestBytes largest whole request, in bytes (Redis: client-query-buffer-limit)
 */
public record RequestLimits(int maxArrayLength, long maxBulkBytes, int maxInlineBytes, long maxRequestBytes) {
  public RequestLimits {
    if (maxArrayLength < 1) {
      throw new IllegalArgumentException("maxArrayLength: " + maxArrayLength + " (expected: >= 1)");
    }
    if (maxBulkBytes < 1 || maxBulkBytes > Integer.MAX_VALUE - 64) {
      throw new IllegalArgumentException(
          "maxBulkBytes: " + maxBulkBytes + " (expected: 1.." + (Integer.MAX_VALUE - 64) + ")");
    }
    if (maxInlineBytes < 16) {
      throw new IllegalArgumentException("maxInlineBytes: " + maxInlineBytes + " (expected: >= 16)");
    }
    if (maxRequestBytes < maxBulkBytes || maxRequestBytes > Integer.MAX_VALUE) {
      throw new IllegalArgumentException(
          "maxRequestBytes: " + maxRequestBytes + " (expected: >= maxBulkBytes and <= " + Integer.MAX_VALUE + ")");
    }
  }

  /**
   * Redis's own defaults where it has them: 512 MB per argument (proto-max-bulk-len), 64 KB inline
   * (PROTO_INLINE_MAX_SIZE), 1 GB per request (client-query-buffer-limit); and 1M arguments.
   */
  public static RequestLimits defaults() {
    return new RequestLimits(1024 * 1024, 512L * 1024 * 1024, 64 * 1024, 1L << 30);
  }
}
