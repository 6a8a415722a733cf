package io.compactor.it;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.ByteArrayOutputStream;
import java.io.EOFException;
import java.io.IOException;
import java.net.SocketException;
import java.net.SocketTimeoutException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * Findings of a review of the session / shared-connection core. Each test is marked:
 * <ul>
 *   <li>{@code BUG}: failed on the code as reviewed, because of the bug described next to it; fixed
 *       since, and kept as a regression test;</li>
 *   <li>{@code REGRESSION}: a scenario that was suspected and turned out to be handled correctly; kept
 *       so it stays that way.</li>
 * </ul>
 * One I/O thread, so every client of the proxy shares the same upstream connection.
 */
class ReviewFindingsIT {
  @RegisterExtension
  static final ProxyEnvironment ENV = ProxyEnvironment.redis().with("server.io-threads", "1");

  // ------------------------------------------------------------------------------------------ helpers

  /** What a connection delivers until the peer closes it, or until {@code millis} of silence. */
  private record Outcome(byte[] bytes, boolean closed) {
    String describe() {
      return RespClient.show(bytes) + (closed ? " <closed>" : " <still open, silent>");
    }
  }

  private static Outcome readUntilClosed(RespClient c, int millis) throws IOException {
    c.setReadTimeout(millis);
    ByteArrayOutputStream b = new ByteArrayOutputStream();
    try {
      while (true) {
        b.writeBytes(c.readReply());
      }
    } catch (EOFException | SocketException e) {
      return new Outcome(b.toByteArray(), true);
    } catch (SocketTimeoutException e) {
      return new Outcome(b.toByteArray(), false);
    }
  }

  /** Writes {@code input} to both sides; everything up to the close (or silence) must be the same. */
  private static void sameUntilClosed(Differential d, String input) throws IOException {
    byte[] bytes = input.getBytes(StandardCharsets.ISO_8859_1);
    d.direct().write(bytes);
    d.proxied().write(bytes);
    Outcome expected = readUntilClosed(d.direct(), 3000);
    Outcome actual = readUntilClosed(d.proxied(), 3000);
    assertThat(actual.describe()).as("after %s", RespClient.show(bytes)).isEqualTo(expected.describe());
  }

  private static String resp(String... args) {
    return new String(RespClient.encode(args), StandardCharsets.ISO_8859_1);
  }

  private static void restartProxyWith(String setting, String value) throws Exception {
    ENV.proxy().close();
    ENV.with(setting, value);
    ENV.startProxy();
  }

  // ------------------------------------------------------------------------------------------ BUGs

  /**
   * BUG. While a pinned connection is a pub/sub byte stream, a protocol error is answered at once
   * (Session.enqueueLocal: {@code pending.isEmpty() || streaming}) and the connection closed, although
   * the replies to the commands before it in the same read (here PING's) are still on their way from
   * Redis: they are lost, and the error comes first.
   */
  @Test
  void bug_subscribed_protocolErrorAfterPipelinedPing_replyOrderKept() throws IOException {
    try (Differential d = ENV.differential()) {
      d.exact("SUBSCRIBE", "ch");
      sameUntilClosed(d, resp("PING") + "*1\r\n:1\r\n");
    }
  }

  /**
   * BUG. {@code CLIENT REPLY SKIP} while replies are OFF is ignored by Redis (it stays OFF), but the
   * proxy (Session.onPinnedCommand, case CLIENT/SKIP) switches to SKIP_NEXT and then back ON, so it
   * counts a reply for every later command that Redis never sends. Here: the phantom entries shift the
   * accounting, so the protocol error is queued behind a reply that never comes: the client hangs
   * instead of getting the error and the close.
   */
  @Test
  void bug_clientReplySkipWhileOff_replyAccounting() throws IOException {
    try (Differential d = ENV.differential()) {
      d.raw(resp("CLIENT", "REPLY", "OFF") + resp("CLIENT", "REPLY", "SKIP") + resp("SET", "k", "v")
          + resp("GET", "k") + resp("CLIENT", "REPLY", "ON"), 1);
      sameUntilClosed(d, "*1\r\n$x\r\n");
    }
  }

  /**
   * BUG (minor transparency). Under {@code CLIENT REPLY OFF} (and for the command after
   * {@code CLIENT REPLY SKIP}) Redis sends nothing, not even its protocol error; the proxy writes its own
   * "-ERR Protocol error" regardless of the reply mode (Session.onProtocolError / enqueueLocal ignore
   * replyMode). Only the bytes are compared: Redis 7.0 then even leaves the connection open (its
   * close-after-reply never fires with nothing to write), the proxy closing it is fine.
   */
  @Test
  void bug_clientReplyOffOrSkip_protocolErrorNotSent() throws IOException {
    for (String mode : List.of("OFF", "SKIP")) {
      try (Differential d = ENV.differential()) {
        d.exact("PING");
        String input = resp("CLIENT", "REPLY", mode) + "*1\r\n$x\r\n";
        d.direct().writeAscii(input);
        d.proxied().writeAscii(input);
        Outcome expected = readUntilClosed(d.direct(), 2000);
        Outcome actual = readUntilClosed(d.proxied(), 2000);
        assertThat(RespClient.show(actual.bytes())).as("bytes after CLIENT REPLY %s + protocol error", mode)
            .isEqualTo(RespClient.show(expected.bytes()));
      }
    }
  }

  /**
   * BUG. {@code SCRIPT DEBUG YES|SYNC} sets connection state (the client's Lua debugging flag), but
   * CommandTable classifies it PLAIN, so it is sent on the shared connection: the next EVAL of ANY
   * client sharing that connection starts a Lua debugging session (Redis forks a debugger, closes the
   * shared connection in the parent) instead of running the script.
   */
  @Test
  void bug_scriptDebug_onSharedConnection_affectsOtherClients() throws Exception {
    try (Differential a = ENV.differential();
        Differential b = ENV.differential()) {
      a.exact("PING");
      b.exact("PING");
      a.exact("SCRIPT", "DEBUG", "YES");
      b.direct().setReadTimeout(3000);
      b.proxied().setReadTimeout(3000);
      byte[] direct = b.direct().call("EVAL", "return 1", "0");
      byte[] proxied;
      try {
        proxied = b.proxied().call("EVAL", "return 1", "0");
      } catch (IOException e) {
        proxied = ("<" + e + ">").getBytes(StandardCharsets.UTF_8);
      }
      assertThat(RespClient.show(proxied)).as("another client's EVAL").isEqualTo(RespClient.show(direct));
    } finally {
      ENV.proxy().close(); // drop the shared connection (ends a forked debugger, if any)
      ENV.startProxy();
    }
  }

  /**
   * BUG (hang). A shared client paused at max-in-flight is resumed from Session.afterReply ->
   * resumeClient, which gives up when the shared connection is not writable at that moment — without
   * registering with SharedUpstream.pauseUntilWritable. When its last replies arrive while another
   * client's large request is still being written upstream, nothing ever resumes it: its next command
   * is never read.
   */
  @Test
  void bug_pausedAtMaxInFlight_whileSharedConnectionUnwritable_isResumed() throws Exception {
    restartProxyWith("server.max-in-flight", "8");
    try (RespClient admin = ENV.upstreamClient();
        RespClient a = ENV.proxyClient();
        RespClient b = ENV.proxyClient()) {
      assertThat(a.callString("PING")).isEqualTo("+PONG\r\n");
      assertThat(b.callString("PING")).isEqualTo("+PONG\r\n");
      admin.send("DEBUG", "SLEEP", "2"); // the upstream stops reading for 2 s
      Thread.sleep(200);
      ByteArrayOutputStream gets = new ByteArrayOutputStream();
      for (int i = 0; i < 16; i++) {
        gets.writeBytes(RespClient.encode("GET", "k"));
      }
      a.write(gets.toByteArray()); // a: 16 in flight, paused at 8
      Thread.sleep(100);
      byte[] value = new byte[64 << 20]; // b: 64 MB queued behind a's GETs: the shared connection is unwritable
      Arrays.fill(value, (byte) 'x');
      b.write(("*3\r\n$3\r\nSET\r\n$3\r\nbig\r\n$" + value.length + "\r\n").getBytes(StandardCharsets.US_ASCII));
      b.write(value);
      b.write("\r\n".getBytes(StandardCharsets.US_ASCII));
      for (int i = 0; i < 16; i++) {
        assertThat(a.callStringOrRead()).isEqualTo("$-1\r\n");
      }
      assertThat(b.callStringOrRead()).isEqualTo("+OK\r\n");
      assertThat(admin.callStringOrRead()).isEqualTo("+OK\r\n");
      a.setReadTimeout(5000);
      String next;
      try {
        next = a.callString("PING");
      } catch (SocketTimeoutException e) {
        next = "<no reply within 5 s: client never resumed>";
      }
      assertThat(next).isEqualTo("+PONG\r\n");
    } finally {
      restartProxyWith("server.max-in-flight", "1024");
    }
  }

  /**
   * BUG. Graceful drain closes a session at once when it is SWITCHING (Session.drain:
   * {@code mode == Mode.SWITCHING}), although the commands it sent before the pinning command are still
   * in flight on the shared connection: their replies are discarded (the command ran, the client never
   * hears of it), unlike every other in-flight command, which the drain lets finish.
   */
  @Test
  void bug_drainWhileSwitching_inFlightSharedReplyDelivered() throws Exception {
    CompletableFuture<Void> closing = null;
    try (RespClient c = ENV.proxyClient()) {
      assertThat(c.callString("PING")).isEqualTo("+PONG\r\n");
      String busy = "local s = redis.call('TIME') local t0 = s[1] * 1000000 + s[2] "
          + "while true do local n = redis.call('TIME') "
          + "if n[1] * 1000000 + n[2] - t0 > 800000 then break end end return 1";
      ByteArrayOutputStream p = new ByteArrayOutputStream();
      p.writeBytes(RespClient.encode("EVAL", busy, "0")); // shared, in flight for 0.8 s
      p.writeBytes(RespClient.encode("SELECT", "0")); // moves the client: SWITCHING until EVAL answers
      c.write(p.toByteArray());
      Thread.sleep(200);
      closing = CompletableFuture.runAsync(() -> ENV.proxy().close());
      Outcome out = readUntilClosed(c, 5000);
      assertThat(RespClient.show(out.bytes())).as("replies before the drain closed the connection")
          .startsWith(":1\\r\\n");
    } finally {
      if (closing != null) {
        closing.get(10, TimeUnit.SECONDS);
      }
      ENV.startProxy();
    }
  }

  // ------------------------------------------------------------------------------------------ REGRESSIONs

  /** REGRESSION. QUIT in the middle of a shared pipeline: replies before it, +OK, close; later commands ignored. */
  @Test
  void regression_shared_quitInPipeline() throws IOException {
    try (Differential d = ENV.differential()) {
      sameUntilClosed(d, resp("SET", "a", "1") + resp("GET", "a") + resp("QUIT") + resp("INCR", "a")
          + resp("GET", "a"));
    }
    try (RespClient check = ENV.proxyClient()) {
      assertThat(check.callString("GET", "a")).isEqualTo("$1\r\n1\r\n");
    }
  }

  /** REGRESSION. QUIT right after a pinning command in the same read (held commands replayed in order). */
  @Test
  void regression_quitAfterPinningCommandInPipeline() throws IOException {
    try (Differential d = ENV.differential()) {
      d.exact("SET", "k", "1");
      sameUntilClosed(d, resp("GET", "k") + resp("SELECT", "1") + resp("GET", "k") + resp("QUIT") + resp("PING"));
    }
  }

  /** REGRESSION. RESET answered locally in shared mode, in place within a pipeline. */
  @Test
  void regression_shared_resetInPipeline() throws IOException {
    try (Differential d = ENV.differential()) {
      d.pipeline(List.of(new String[] {"SET", "r", "1"}, new String[] {"RESET"}, new String[] {"GET", "r"},
          new String[] {"RESET"}, new String[] {"RESET"}, new String[] {"PING"}));
    }
  }

  /** REGRESSION. Empty frames (*0, *-1, empty inline lines) and inline commands between multibulk ones. */
  @Test
  void regression_emptyFramesAndInlineMixedWithMultibulk() throws IOException {
    try (Differential d = ENV.differential()) {
      d.raw("*0\r\n" + resp("SET", "m", "1") + "*0\r\nINCR m\r\n\r\n*-1\r\n" + resp("GET", "m")
          + "ECHO \"a b\"\r\n*0\r\n" + resp("SELECT", "0") + "*0\r\nGET m\r\n" + resp("PING"), 6);
      d.exact("PING");
    }
  }

  /** REGRESSION. A deep pipeline crossing max-in-flight with a mode switch in the middle keeps its order. */
  @Test
  void regression_deepPipeline_modeSwitchInTheMiddle() throws IOException {
    try (Differential d = ENV.differential()) {
      List<String[]> cmds = new ArrayList<>();
      for (int i = 0; i < 3000; i++) {
        cmds.add(new String[] {"INCR", "n"});
        if (i == 1700) {
          cmds.add(new String[] {"SELECT", "0"});
        }
      }
      cmds.add(new String[] {"GET", "n"});
      d.pipeline(cmds);
    }
  }

  /** REGRESSION. CLIENT REPLY OFF, SKIP, ON accounting (outside the OFF+SKIP case above). */
  @Test
  void regression_clientReplyOffSkipOn() throws IOException {
    try (Differential d = ENV.differential()) {
      d.raw(resp("CLIENT", "REPLY", "OFF") + resp("SET", "x", "1") + resp("INCR", "x") + resp("CLIENT", "REPLY", "ON")
          + resp("GET", "x") + resp("CLIENT", "REPLY", "SKIP") + resp("INCR", "x") + resp("GET", "x")
          + resp("CLIENT", "REPLY", "SKIP") + resp("CLIENT", "REPLY", "ON") + resp("PING"), 4);
      d.exact("GET", "x");
    }
  }

  /** REGRESSION. MULTI with a blocking command inside (runs non-blocking at EXEC). */
  @Test
  void regression_multiWithBlockingCommand() throws IOException {
    try (Differential d = ENV.differential()) {
      d.pipeline(List.of(new String[] {"MULTI"}, new String[] {"BLPOP", "q", "0"}, new String[] {"RPUSH", "q", "a"},
          new String[] {"BLPOP", "q", "0"}, new String[] {"EXEC"}, new String[] {"PING"}));
    }
  }

  /** REGRESSION. SUBSCRIBE in a pipeline with other commands before and after, then RESET. */
  @Test
  void regression_subscribeInPipeline() throws IOException {
    try (Differential d = ENV.differential();
        Differential pub = ENV.differential()) {
      d.raw(resp("SET", "s", "1") + resp("SUBSCRIBE", "c1", "c2") + resp("PING") + resp("GET", "s")
          + resp("UNSUBSCRIBE", "c1"), 6);
      pub.exact("PUBLISH", "c2", "m");
      d.next("message");
      d.raw(resp("RESET") + resp("GET", "s") + resp("PING"), 3);
    }
  }

  /** REGRESSION. RESP3 client tracking: invalidation pushes interleaved with replies on a pinned connection. */
  @Test
  void regression_resp3TrackingPushes() throws IOException {
    try (Differential t = ENV.differential();
        Differential w = ENV.differential()) {
      t.shape("HELLO", "3");
      t.exact("CLIENT", "TRACKING", "ON");
      t.exact("SET", "tk", "1");
      t.exact("GET", "tk");
      w.exact("SET", "tk", "2");
      t.exact("PING"); // the invalidation push comes first
      t.next("PONG after the push");
      t.exact("GET", "tk");
      t.raw(resp("SET", "tk", "3") + resp("GET", "tk") + resp("PING"), 4); // own write: push + 3 replies
      t.exact("DEBUG", "PROTOCOL", "attrib"); // a RESP3 attribute before the reply
      t.exact("DEBUG", "PROTOCOL", "push");
      t.next("reply after the push");
      t.exact("RESET");
      t.exact("PING");
    }
  }

  /** REGRESSION. A client closing in the middle of a large shared reply; another client's replies are unaffected. */
  @Test
  void regression_clientClosesMidReply_othersUnaffected() throws Exception {
    byte[] value = new byte[8 << 20];
    Arrays.fill(value, (byte) 'v');
    try (RespClient setup = ENV.proxyClient()) {
      setup.call("SET".getBytes(), "big".getBytes(), value);
      setup.call("SET", "small", "s");
    }
    try (RespClient other = ENV.proxyClient()) {
      for (int round = 0; round < 5; round++) {
        RespClient leaver = ENV.proxyClient();
        ByteArrayOutputStream p = new ByteArrayOutputStream();
        for (int i = 0; i < 4; i++) {
          p.writeBytes(RespClient.encode("GET", "big"));
        }
        leaver.write(p.toByteArray());
        other.send("GET", "small");
        Thread.sleep(20);
        leaver.close();
        assertThat(other.callStringOrRead()).isEqualTo("$1\r\ns\r\n");
        assertThat(other.callString("PING")).isEqualTo("+PONG\r\n");
      }
    }
  }

  /** REGRESSION. Pinned QUIT then data: +OK then close, nothing after. */
  @Test
  void regression_pinned_dataAfterQuit() throws IOException {
    try (Differential d = ENV.differential()) {
      d.exact("SELECT", "0");
      sameUntilClosed(d, resp("PING") + resp("QUIT") + resp("SET", "afterquit", "1") + "garbage\r\n*1\r\n$x\r\n");
    }
    try (RespClient check = ENV.proxyClient()) {
      assertThat(check.callString("EXISTS", "afterquit")).isEqualTo(":0\r\n");
    }
  }

  /** REGRESSION. Protocol error in the middle of a shared batch: replies before it, then the error, then close. */
  @Test
  void regression_shared_protocolErrorMidBatch() throws IOException {
    try (Differential d = ENV.differential()) {
      sameUntilClosed(d, resp("SET", "p", "1") + resp("GET", "p") + "*1\r\n$x\r\n" + resp("INCR", "p"));
    }
    try (Differential d = ENV.differential()) {
      sameUntilClosed(d, resp("SET", "p", "1") + resp("SELECT", "0") + resp("GET", "p") + "*1\r\n$x\r\n");
    }
  }
}
