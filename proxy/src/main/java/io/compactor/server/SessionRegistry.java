package io.compactor.server;

import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

/** The open sessions, so shutdown can drain them. Thread-safe. */
final class SessionRegistry {
  private final Set<Session> sessions = ConcurrentHashMap.newKeySet();

  void add(Session s) {
    sessions.add(s);
  }

  void remove(Session s) {
    sessions.remove(s);
  }

  int size() {
    return sessions.size();
  }

  /** Asks every session, on its own event loop, to drain. */
  void drainAll() {
    for (Session s : sessions) {
      s.client().eventLoop().execute(s::drain);
    }
  }

  /** Closes every session, on its own event loop, now, discarding unsent replies. */
  void closeAll() {
    for (Session s : sessions) {
      s.client().eventLoop().execute(s::abort);
    }
  }
}
