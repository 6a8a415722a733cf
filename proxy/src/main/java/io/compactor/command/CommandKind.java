package io.compactor.command;

/** How a command relates to connection state, which decides the upstream connection it may use. */
public enum CommandKind {
  /** One request, one reply, no connection state: may share an upstream connection with other clients. */
  PLAIN,
  /**
   * Changes or depends on connection state (AUTH, HELLO, SELECT, MULTI, WATCH, CLIENT, blocking
   * commands, READONLY…): the client moves to an upstream connection of its own for the rest of its
   * life.
   */
  PIN,
  /** QUIT: one reply, then Redis closes the connection and ignores further input. */
  QUIT,
  /** RESET: one {@code +RESET} reply; leaves pub/sub and MONITOR, deselects, de-authenticates. */
  RESET,
  /**
   * (P|S)(UN)SUBSCRIBE and MONITOR: replies stop matching requests one to one (RESP2 pub/sub messages,
   * RESP3 pushes instead of replies, MONITOR lines), so the connection becomes a byte stream until
   * RESET. Pins.
   */
  STREAM,
  /** CLIENT: pins; CLIENT REPLY ON|OFF|SKIP also changes which later commands get replies. */
  CLIENT,
  /** SYNC, PSYNC: a replication stream is not RESP; refused. */
  REFUSED
}
