package io.compactor.it;

/** The server binaries the integration tests run against. */
public enum ServerKind {
  /** Redis from Debian's packages (7.0 on bookworm). */
  REDIS("redis-server", "redis:7.0"),
  /** Valkey 8 from bookworm-backports. */
  VALKEY("valkey-server", "valkey/valkey:8");

  final String executable;
  final String image;

  ServerKind(String executable, String image) {
    this.executable = executable;
    this.image = image;
  }
}
