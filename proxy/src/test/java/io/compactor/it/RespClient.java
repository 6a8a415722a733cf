package io.compactor.it;

import java.io.BufferedInputStream;
import java.io.ByteArrayOutputStream;
import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;

/**
 * A raw-socket RESP client for tests: writes exactly the bytes given and returns each reply as the exact
 * bytes received (RESP2 and RESP3), so two servers' answers can be compared byte for byte.
 */
public final class RespClient implements AutoCloseable {
  private final Socket socket;
  private final InputStream in;
  private final OutputStream out;

  public RespClient(int port) throws IOException {
    this(port, 15_000);
  }

  public RespClient(int port, int readTimeoutMillis) throws IOException {
    socket = new Socket();
    socket.connect(new InetSocketAddress("127.0.0.1", port), 5_000);
    socket.setSoTimeout(readTimeoutMillis);
    socket.setTcpNoDelay(true);
    in = new BufferedInputStream(socket.getInputStream(), 1 << 16);
    out = socket.getOutputStream();
  }

  /** The RESP multibulk encoding of {@code args}. */
  public static byte[] encode(byte[]... args) {
    ByteArrayOutputStream b = new ByteArrayOutputStream();
    b.writeBytes(("*" + args.length + "\r\n").getBytes(StandardCharsets.US_ASCII));
    for (byte[] a : args) {
      b.writeBytes(("$" + a.length + "\r\n").getBytes(StandardCharsets.US_ASCII));
      b.writeBytes(a);
      b.writeBytes("\r\n".getBytes(StandardCharsets.US_ASCII));
    }
    return b.toByteArray();
  }

  public static byte[] encode(String... args) {
    return encode(utf8(args));
  }

  static byte[][] utf8(String... args) {
    byte[][] raw = new byte[args.length][];
    for (int i = 0; i < args.length; i++) {
      raw[i] = args[i].getBytes(StandardCharsets.UTF_8);
    }
    return raw;
  }

  public void write(byte[] bytes) throws IOException {
    out.write(bytes);
    out.flush();
  }

  public void writeAscii(String s) throws IOException {
    write(s.getBytes(StandardCharsets.UTF_8));
  }

  public void send(String... args) throws IOException {
    write(encode(args));
  }

  public void send(byte[]... args) throws IOException {
    write(encode(args));
  }

  /** Sends one command and returns its reply's bytes. */
  public byte[] call(String... args) throws IOException {
    send(args);
    return readReply();
  }

  public byte[] call(byte[]... args) throws IOException {
    send(args);
    return readReply();
  }

  /** {@link #call} decoded as UTF-8, for readable assertions. */
  public String callString(String... args) throws IOException {
    return new String(call(args), StandardCharsets.UTF_8);
  }

  /** Reads the next reply as a string, without sending anything. */
  public String callStringOrRead() throws IOException {
    return new String(readReply(), StandardCharsets.UTF_8);
  }

  /** Reads one complete top-level reply and returns its raw bytes. */
  public byte[] readReply() throws IOException {
    ByteArrayOutputStream b = new ByteArrayOutputStream();
    readFrame(b);
    return b.toByteArray();
  }

  public List<byte[]> readReplies(int n) throws IOException {
    List<byte[]> replies = new ArrayList<>(n);
    for (int i = 0; i < n; i++) {
      replies.add(readReply());
    }
    return replies;
  }

  private void readFrame(ByteArrayOutputStream b) throws IOException {
    String line = readLine(b);
    char type = line.charAt(0);
    switch (type) {
      case '+', '-', ':', '_', '#', ',', '(' -> { }
      case '$', '!', '=' -> {
        long n = Long.parseLong(line.substring(1));
        if (n >= 0) {
          copy(b, n + 2);
        }
      }
      case '*', '~', '>' -> {
        long n = Long.parseLong(line.substring(1));
        for (long i = 0; i < n; i++) {
          readFrame(b);
        }
      }
      case '%', '|' -> {
        long n = Long.parseLong(line.substring(1));
        for (long i = 0; i < 2 * n; i++) {
          readFrame(b);
        }
        if (type == '|') {
          readFrame(b); // an attribute precedes the reply it annotates
        }
      }
      default -> throw new IOException("not RESP: " + line);
    }
  }

  private String readLine(ByteArrayOutputStream b) throws IOException {
    ByteArrayOutputStream line = new ByteArrayOutputStream();
    int prev = -1;
    while (true) {
      int c = in.read();
      if (c < 0) {
        throw new EOFException("connection closed after " + line.size() + " bytes of a line");
      }
      b.write(c);
      if (c == '\n' && prev == '\r') {
        byte[] bytes = line.toByteArray();
        return new String(bytes, 0, bytes.length - 1, StandardCharsets.UTF_8);
      }
      line.write(c);
      prev = c;
    }
  }

  private void copy(ByteArrayOutputStream b, long n) throws IOException {
    byte[] buf = new byte[8192];
    while (n > 0) {
      int r = in.read(buf, 0, (int) Math.min(buf.length, n));
      if (r < 0) {
        throw new EOFException("connection closed inside a bulk string");
      }
      b.write(buf, 0, r);
      n -= r;
    }
  }

  /** Reads until the peer closes; returns the bytes received (throws on timeout). */
  public byte[] readUntilClosed() throws IOException {
    ByteArrayOutputStream b = new ByteArrayOutputStream();
    byte[] buf = new byte[8192];
    while (true) {
      int r;
      try {
        r = in.read(buf);
      } catch (java.net.SocketException e) {
        return b.toByteArray(); // reset by peer counts as closed
      }
      if (r < 0) {
        return b.toByteArray();
      }
      b.write(buf, 0, r);
    }
  }

  /** Whether the peer closed the connection within {@code millis} without sending anything more. */
  public boolean isClosedWithin(int millis) throws IOException {
    int old = socket.getSoTimeout();
    socket.setSoTimeout(millis);
    try {
      return in.read() < 0;
    } catch (SocketTimeoutException e) {
      return false;
    } catch (java.net.SocketException e) {
      return true;
    } finally {
      socket.setSoTimeout(old);
    }
  }

  /** Whether the peer closes within {@code millis}, reading and discarding whatever arrives meanwhile. */
  public boolean isClosedWithinDiscarding(int millis) throws IOException {
    long deadline = System.currentTimeMillis() + millis;
    byte[] buf = new byte[1 << 16];
    int old = socket.getSoTimeout();
    try {
      while (System.currentTimeMillis() < deadline) {
        socket.setSoTimeout((int) Math.max(1, deadline - System.currentTimeMillis()));
        try {
          if (in.read(buf) < 0) {
            return true;
          }
        } catch (SocketTimeoutException e) {
          return false;
        } catch (java.net.SocketException e) {
          return true;
        }
      }
      return false;
    } finally {
      socket.setSoTimeout(old);
    }
  }

  /** Whether nothing arrives within {@code millis} (the connection stays open and silent). */
  public boolean isSilentFor(int millis) throws IOException {
    int old = socket.getSoTimeout();
    socket.setSoTimeout(millis);
    try {
      in.mark(1);
      int c = in.read();
      if (c >= 0) {
        in.reset();
      }
      return false;
    } catch (SocketTimeoutException e) {
      return true;
    } finally {
      socket.setSoTimeout(old);
    }
  }

  public void setReadTimeout(int millis) throws IOException {
    socket.setSoTimeout(millis);
  }

  /** Printable form of RESP bytes for assertion messages. */
  /** Every bulk and simple string of a reply, nested aggregates flattened, in order (nulls skipped). */
  public static List<String> flatten(byte[] reply) {
    List<String> out = new java.util.ArrayList<>();
    String s = new String(reply, StandardCharsets.UTF_8);
    int at = 0;
    while (at < s.length()) {
      int eol = s.indexOf("\r\n", at);
      char t = s.charAt(at);
      String head = s.substring(at + 1, eol);
      at = eol + 2;
      if (t == '$' && !head.equals("-1")) {
        int n = Integer.parseInt(head);
        out.add(s.substring(at, at + n));
        at += n + 2;
      } else if (t == '+') {
        out.add(head);
      }
    }
    return out;
  }

  public static String show(byte[] bytes) {
    StringBuilder sb = new StringBuilder();
    int limit = Math.min(bytes.length, 600);
    for (int i = 0; i < limit; i++) {
      int c = bytes[i] & 0xFF;
      if (c == '\r') {
        sb.append("\\r");
      } else if (c == '\n') {
        sb.append("\\n");
      } else if (c < 32 || c > 126) {
        sb.append(String.format("\\x%02x", c));
      } else {
        sb.append((char) c);
      }
    }
    if (bytes.length > limit) {
      sb.append("...(").append(bytes.length).append(" bytes)");
    }
    return sb.toString();
  }

  @Override
  public void close() throws IOException {
    socket.close();
  }
}
