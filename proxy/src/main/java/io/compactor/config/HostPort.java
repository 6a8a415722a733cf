package io.compactor.config;

import java.net.InetSocketAddress;

/**
 * A listen or connect address: {@code HOST:PORT}, {@code [IPv6]:PORT}. Port 0 asks the OS for a free
 * port.
 */
public record HostPort(String host, int port) {
  public HostPort {
    if (host == null || host.isEmpty()) {
      throw new IllegalArgumentException("host: '' (expected: a host name or address)");
    }
    if (port < 0 || port > 65535) {
      throw new IllegalArgumentException("port: " + port + " (expected: 0..65535)");
    }
  }

  /** Parses {@code HOST:PORT}; the message of the exception says what was wrong. */
  public static HostPort parse(String text) {
    String s = text.trim();
    int colon = s.lastIndexOf(':');
    if (colon <= 0 || colon == s.length() - 1) {
      throw new IllegalArgumentException("'" + text + "' (expected: HOST:PORT)");
    }
    String host = s.substring(0, colon);
    if (host.startsWith("[") && host.endsWith("]")) {
      host = host.substring(1, host.length() - 1);
    } else if (host.indexOf(':') >= 0) {
      throw new IllegalArgumentException("'" + text + "' (expected: HOST:PORT, IPv6 as [ADDR]:PORT)");
    }
    int port;
    try {
      port = Integer.parseInt(s.substring(colon + 1));
    } catch (NumberFormatException e) {
      throw new IllegalArgumentException("'" + text + "' (expected: HOST:PORT with a numeric port)");
    }
    if (port < 0 || port > 65535) {
      throw new IllegalArgumentException("'" + text + "' (expected: port 0..65535)");
    }
    return new HostPort(host, port);
  }

  /** An unresolved socket address for this host and port. */
  public InetSocketAddress toAddress() {
    return new InetSocketAddress(host, port);
  }

  @Override
  public String toString() {
    return host.indexOf(':') >= 0 ? "[" + host + "]:" + port : host + ":" + port;
  }
}
