package io.compactor.server;

import io.compactor.resp.Command;
import io.compactor.resp.ReplyCumulator;
import io.compactor.resp.ReplyScanner;
import io.compactor.upstream.UpstreamConnector;
import io.netty.buffer.ByteBuf;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFuture;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.EventLoop;
import io.netty.util.concurrent.ScheduledFuture;
import java.nio.charset.StandardCharsets;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One upstream connection per event loop, shared by every client on that loop that has not used
 * connection state. Commands from all of them are written in arrival order and flushed once per loop
 * iteration, so Redis sees pipelines instead of many single commands; replies come back in the same
 * order and each is forwarded, as raw bytes, to the client that asked.
 *
 * <p>Backpressure: when the client owning the reply being forwarded cannot take more, the shared
 * connection stops reading (every client on it waits: head-of-line blocking, as in twemproxy). A client
 * that keeps it stalled longer than the slow-client timeout is disconnected, and its remaining replies are
 * skipped. Runs entirely on its event loop.
 */
final class SharedUpstream {
  private static final Logger log = LoggerFactory.getLogger(SharedUpstream.class);
  private static final Object HANDSHAKE = new Object();

  private enum State { DOWN, CONNECTING, READY }

  private final EventLoop loop;
  private final UpstreamConnector connector;
  private final long slowClientTimeoutMillis;
  private ReplyScanner scanner = new ReplyScanner();
  private final ArrayDeque<Object> owners = new ArrayDeque<>();
  private final List<Session> waiting = new ArrayList<>();
  private final List<Session> touched = new ArrayList<>();
  private final List<Session> pausedSessions = new ArrayList<>();
  /** Sessions currently using this connection (shared mode), so a lost connection can close them all. */
  private final java.util.Set<Session> attached = new java.util.LinkedHashSet<>();
  private final Runnable flushTask = this::flushNow;

  private State state = State.DOWN;
  private Channel channel;
  private final ReplyCumulator cumulation = new ReplyCumulator();
  private boolean flushScheduled;
  private Object frameOwner;
  private StringBuilder handshakeError;
  private Session blockedBy;
  private ScheduledFuture<?> stallTimer;

  private final io.compactor.metrics.ProxyMetrics metrics;
  /** Commands expected and replies completed on this connection, for the sampled upstream latency. */
  private long expected;
  private long completed;
  private long sampleAt = -1;
  private long sampleStart;
  private boolean connectedBefore;

  SharedUpstream(EventLoop loop, UpstreamConnector connector, long slowClientTimeoutMillis,
      io.compactor.metrics.ProxyMetrics metrics) {
    this.metrics = metrics;
    this.loop = loop;
    this.connector = connector;
    this.slowClientTimeoutMillis = slowClientTimeoutMillis;
  }

  /** Calls back {@link Session#onSharedReady()} or {@link Session#onSharedFailed(String)} once the connection is usable. */
  void acquire(Session session) {
    if (state == State.READY) {
      attached.add(session);
      session.onSharedReady();
      return;
    }
    waiting.add(session);
    if (state == State.DOWN) {
      connect();
    }
  }

  boolean isReady() {
    return state == State.READY;
  }

  boolean isWritable() {
    return channel != null && channel.isWritable();
  }

  private void connect() {
    state = State.CONNECTING;
    if (connectedBefore) {
      metrics.reconnect();
    }
    connectedBefore = true;
    expected = 0;
    completed = 0;
    sampleAt = -1;
    ChannelFuture f = connector.connect(loop, new Handler());
    channel = f.channel();
    f.addListener((ChannelFutureListener) future -> {
      if (!future.isSuccess()) {
        log.warn("shared upstream {} unavailable: {}", connector.describe(),
            future.cause() == null ? "unknown" : future.cause().getMessage());
        fail(connector.unavailableError(future.cause()));
        return;
      }
      List<Command> login = connector.handshake(channel.alloc());
      if (login.isEmpty()) {
        ready();
      } else {
        for (Command c : login) {
          owners.add(HANDSHAKE);
          expected++;
          channel.write(c.takeFrame(), channel.voidPromise());
        }
        channel.flush();
      }
    });
  }

  private void ready() {
    state = State.READY;
    List<Session> ws = new ArrayList<>(waiting);
    waiting.clear();
    for (Session s : ws) {
      attached.add(s);
      s.onSharedReady();
    }
  }

  /** {@code s} closed or moved to a connection of its own. */
  void detach(Session s) {
    attached.remove(s);
    pausedSessions.remove(s);
    unblock(s);
  }

  private void fail(String error) {
    state = State.DOWN;
    List<Session> ws = new ArrayList<>(waiting);
    waiting.clear();
    for (Session s : ws) {
      s.onSharedFailed(error);
    }
  }

  /** The connection, for callers that write to it through {@link #write}. */
  Channel channel() {
    return channel;
  }

  /** Notes that the next reply not yet claimed belongs to {@code owner}; call once per command written. */
  void expect(Session owner) {
    owners.add(owner);
    metrics.inFlight(1);
    if (sampleAt < 0 && (expected & 31) == 0) {
      sampleAt = expected;
      sampleStart = System.nanoTime();
    }
    expected++;
  }

  /** A command the proxy itself sends on this connection (in order with clients' ones); its reply is checked, not forwarded. */
  void expectOwnReply() {
    owners.add(HANDSHAKE);
    expected++;
  }

  /** Writes request bytes; flushed once at the end of this event-loop iteration, for every client together. */
  void write(ByteBuf bytes) {
    channel.write(bytes, channel.voidPromise());
    if (!flushScheduled) {
      flushScheduled = true;
      loop.execute(flushTask);
    }
  }

  private void flushNow() {
    flushScheduled = false;
    if (channel != null) {
      channel.flush();
    }
  }

  // ------------------------------------------------------------------ replies

  private void onRead(ByteBuf msg) {
    ByteBuf buf = cumulation.append(msg, channel.alloc());
    try {
      while (buf.isReadable()) {
        if (scanner.atFrameStart()) {
          frameOwner = owners.peek();
          if (frameOwner instanceof Session s && s.transformsNextReply()) {
            flushReplyRun(buf); // a rewritten reply reaches its session on its own
          }
          handshakeError = frameOwner == HANDSHAKE && buf.getByte(buf.readerIndex()) == '-' ? new StringBuilder() : null;
        }
        int start = buf.readerIndex();
        boolean ended = scanner.advance(buf);
        int end = buf.readerIndex();
        if (end > start) {
          if (frameOwner instanceof Session s) {
            if (runOwner != s || runEnd != start) {
              flushReplyRun(buf);
              runOwner = s;
              runStart = start;
            }
            runEnd = end;
          } else if (handshakeError != null && handshakeError.length() < 512) {
            handshakeError.append(buf.toString(start, end - start, StandardCharsets.UTF_8));
          } else if (frameOwner == null) {
            log.warn("shared upstream {} sent a reply nobody asked for; dropped", connector.describe());
          }
        }
        if (ended) {
          Object owner = owners.poll();
          if (completed++ == sampleAt) {
            metrics.upstreamLatency(System.nanoTime() - sampleStart);
            sampleAt = -1;
          }
          if (owner instanceof Session s) {
            metrics.inFlight(-1);
            if (s.writesAfterSharedReply()) {
              flushReplyRun(buf);
            }
            if (s.onSharedReplyDone()) {
              markTouched(s); // a rewritten reply: flushed with the rest of this read's replies
            }
          } else if (owner == HANDSHAKE) {
            onHandshakeReply();
          }
        } else if (end == start) {
          break;
        }
      }
    } catch (IllegalStateException e) {
      log.warn("shared upstream {} sent invalid RESP: {}", connector.describe(), e.getMessage());
      channel.close();
    } finally {
      flushReplyRun(buf);
      if (blockedBy == null && frameOwner instanceof Session s && s.isOpen() && !s.clientWritable()) {
        block(s);
      }
      cumulation.keepRest(buf, channel != null && channel.isActive());
    }
  }

  // Consecutive reply bytes for one client, forwarded as one slice.
  private Session runOwner;
  private int runStart;
  private int runEnd = -1;

  private void flushReplyRun(ByteBuf buf) {
    if (runOwner != null) {
      if (runOwner.deliverShared(buf.retainedSlice(runStart, runEnd - runStart))) {
        markTouched(runOwner);
      }
      runOwner = null;
      runEnd = -1;
    }
  }

  private void onHandshakeReply() {
    if (handshakeError != null) {
      String text = handshakeError.toString().trim();
      log.warn("upstream {} refused the proxy's login: {}", connector.describe(), text);
      fail(connector.loginRefusedError(text));
      channel.close();
      return;
    }
    if (owners.peek() != HANDSHAKE && state == State.CONNECTING) {
      ready();
    }
  }

  private void markTouched(Session s) {
    if (!s.touched) {
      s.touched = true;
      touched.add(s);
    }
  }

  private void onReadComplete() {
    for (int i = 0, n = touched.size(); i < n; i++) {
      Session s = touched.get(i);
      s.touched = false;
      s.flushClient();
    }
    touched.clear();
  }

  /** {@code s} stopped reading its client because this connection's write buffer is full; resumed when it drains. */
  void pauseUntilWritable(Session s) {
    if (!pausedSessions.contains(s)) {
      pausedSessions.add(s);
    }
  }

  /** The client owning the reply in progress cannot take more: stop reading until it can. */
  private void block(Session s) {
    blockedBy = s;
    channel.config().setAutoRead(false);
    stallTimer = loop.schedule(() -> {
      if (blockedBy == s) {
        log.warn("conn={} closed: did not read its replies for {} ms while sharing an upstream connection",
            s.id(), slowClientTimeoutMillis);
        s.abort();
        unblock(s);
      }
    }, slowClientTimeoutMillis, TimeUnit.MILLISECONDS);
  }

  /** {@code s} became writable or closed: resume reading if it was the one holding the connection. */
  void unblock(Session s) {
    if (blockedBy == s) {
      blockedBy = null;
      if (stallTimer != null) {
        stallTimer.cancel(false);
        stallTimer = null;
      }
      if (channel != null) {
        channel.config().setAutoRead(true);
      }
    }
  }

  private void onClosed() {
    cumulation.release();
    boolean midFrame = !scanner.atFrameStart();
    Object inFrame = midFrame ? frameOwner : null;
    List<Session> affected = new ArrayList<>();
    for (Object o; (o = owners.poll()) != null; ) {
      if (o instanceof Session s) {
        metrics.inFlight(-1);
        if (!affected.contains(s)) {
          affected.add(s);
        }
      }
    }
    if (state != State.READY) {
      fail(connector.closedError());
    }
    state = State.DOWN;
    channel = null;
    blockedBy = null;
    if (stallTimer != null) {
      stallTimer.cancel(false);
      stallTimer = null;
    }
    if (!affected.isEmpty()) {
      log.warn("shared upstream {} closed with replies pending for {} client(s)", connector.describe(), affected.size());
    }
    for (Session s : affected) {
      s.onSharedLost(s == inFrame);
    }
    // Idle clients go too: the connection their next command would use is gone; they reconnect, and
    // a new connection is tried then (or refused with a clear error while Redis is down).
    List<Session> idle = new ArrayList<>(attached);
    attached.clear();
    for (Session s : idle) {
      if (!affected.contains(s)) {
        s.closeBoth();
      }
    }
    scanner = new ReplyScanner(); // it may have stopped mid-frame: start clean on the next connection
    List<Session> paused = new ArrayList<>(pausedSessions);
    pausedSessions.clear();
    for (Session s : paused) {
      s.onSharedWritable();
    }
  }


  private final class Handler extends ChannelInboundHandlerAdapter {
    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) {
      onRead((ByteBuf) msg);
    }

    @Override
    public void channelReadComplete(ChannelHandlerContext ctx) {
      onReadComplete();
    }

    @Override
    public void channelWritabilityChanged(ChannelHandlerContext ctx) {
      if (ctx.channel().isWritable() && !pausedSessions.isEmpty()) {
        List<Session> paused = new ArrayList<>(pausedSessions);
        pausedSessions.clear();
        for (Session s : paused) {
          s.onSharedWritable();
        }
      }
      ctx.fireChannelWritabilityChanged();
    }

    @Override
    public void channelInactive(ChannelHandlerContext ctx) {
      if (ctx.channel() == channel) {
        onClosed();
      }
    }

    @Override
    public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
      log.debug("shared upstream {} error: {}", connector.describe(), cause.toString());
      ctx.close();
    }
  }
}
