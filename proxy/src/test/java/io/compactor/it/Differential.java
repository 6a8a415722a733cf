package io.compactor.it;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;

/**
 * Runs the same commands against Redis directly (the oracle) and through the proxy, and asserts the
 * replies are identical byte for byte. Replies that legitimately differ between two servers (ids,
 * addresses, timings) are compared by {@link #shape} instead.
 */
public final class Differential implements AutoCloseable {
  private final RespClient direct;
  private final RespClient proxied;
  private final List<String> log = new ArrayList<>();
  private byte[] lastDirect;
  private byte[] lastProxied;

  public Differential(RespClient direct, RespClient proxied) {
    this.direct = direct;
    this.proxied = proxied;
  }

  public RespClient direct() {
    return direct;
  }

  public RespClient proxied() {
    return proxied;
  }

  /** Sends {@code args} to both; the replies must be byte-identical. Returns the reply. */
  public byte[] exact(String... args) throws IOException {
    return exact(RespClient.utf8(args));
  }

  public byte[] exact(byte[]... args) throws IOException {
    lastDirect = direct.call(args);
    lastProxied = proxied.call(args);
    assertSame(describe(args));
    return lastProxied;
  }

  /** Sends raw bytes to both and compares the next {@code replies} replies. */
  public void raw(String bytes, int replies) throws IOException {
    byte[] b = bytes.getBytes(StandardCharsets.UTF_8);
    direct.write(b);
    proxied.write(b);
    for (int i = 0; i < replies; i++) {
      lastDirect = direct.readReply();
      lastProxied = proxied.readReply();
      assertSame("raw " + RespClient.show(b) + " reply " + i);
    }
  }

  /**
   * Sends {@code args} to both; the replies must have the same RESP type and, for aggregates, the same
   * length. For replies that carry ids, addresses or times.
   */
  public byte[] shape(String... args) throws IOException {
    lastDirect = direct.call(args);
    lastProxied = proxied.call(args);
    String what = describe(RespClient.utf8(args));
    log.add(what);
    assertThat(lastProxied.length).as("empty reply to %s", what).isGreaterThan(0);
    assertThat((char) lastProxied[0]).as("reply type of %s: direct %s, proxied %s", what,
        RespClient.show(lastDirect), RespClient.show(lastProxied)).isEqualTo((char) lastDirect[0]);
    char t = (char) lastDirect[0];
    if (t == '*' || t == '%' || t == '~' || t == '>') {
      assertThat(firstLine(lastProxied)).as("aggregate length of %s", what).isEqualTo(firstLine(lastDirect));
    }
    return lastProxied;
  }

  /** Sends all {@code commands} to each side in one write (a pipeline) and compares every reply. */
  public void pipeline(List<String[]> commands) throws IOException {
    pipeline(commands, java.nio.charset.StandardCharsets.UTF_8);
  }

  /**
   * {@link #pipeline} with each character sent as one byte (ISO-8859-1), for values with bytes no UTF-8
   * encoding of a string holds (such as 0xFD-0xFF, which start the proxy's field envelopes).
   */
  public void pipelineLatin1(List<String[]> commands) throws IOException {
    pipeline(commands, java.nio.charset.StandardCharsets.ISO_8859_1);
  }

  /** {@link #exact(String...)} with each character sent as one byte (ISO-8859-1). */
  public byte[] exactLatin1(String... args) throws IOException {
    return exact(latin1(args));
  }

  private static byte[][] latin1(String... args) {
    byte[][] raw = new byte[args.length][];
    for (int i = 0; i < args.length; i++) {
      raw[i] = args[i].getBytes(java.nio.charset.StandardCharsets.ISO_8859_1);
    }
    return raw;
  }

  private void pipeline(List<String[]> commands, java.nio.charset.Charset charset) throws IOException {
    ByteArrayOutputStream b = new ByteArrayOutputStream();
    for (String[] c : commands) {
      b.writeBytes(charset == java.nio.charset.StandardCharsets.UTF_8 ? RespClient.encode(c) : RespClient.encode(latin1(c)));
    }
    byte[] bytes = b.toByteArray();
    direct.write(bytes);
    proxied.write(bytes);
    for (int i = 0; i < commands.size(); i++) {
      lastDirect = direct.readReply();
      lastProxied = proxied.readReply();
      assertSame("pipeline[" + i + "] " + describe(RespClient.utf8(commands.get(i))));
    }
  }

  /** Reads one more reply from each side (pub/sub messages, blocked commands) and compares them. */
  public byte[] next(String what) throws IOException {
    lastDirect = direct.readReply();
    lastProxied = proxied.readReply();
    assertSame(what);
    return lastProxied;
  }

  /** Sends to both without reading. */
  public void send(String... args) throws IOException {
    direct.send(args);
    proxied.send(args);
  }

  private void assertSame(String what) {
    log.add(what);
    assertThat(RespClient.show(lastProxied))
        .as("reply to %s (after %d commands)", what, log.size())
        .isEqualTo(RespClient.show(lastDirect));
    assertThat(lastProxied).as("bytes of reply to %s", what).isEqualTo(lastDirect);
  }

  private static String firstLine(byte[] b) {
    String s = new String(b, StandardCharsets.ISO_8859_1);
    int i = s.indexOf("\r\n");
    return i < 0 ? s : s.substring(0, i);
  }

  private static String describe(byte[][] args) {
    StringBuilder sb = new StringBuilder();
    for (byte[] a : args) {
      if (sb.length() > 0) {
        sb.append(' ');
      }
      sb.append(a.length > 40 ? "<" + a.length + " bytes>" : RespClient.show(a));
    }
    return sb.toString();
  }

  public byte[] lastDirect() {
    return lastDirect;
  }

  public byte[] lastProxied() {
    return lastProxied;
  }

  @Override
  public void close() throws IOException {
    direct.close();
    proxied.close();
  }
}
