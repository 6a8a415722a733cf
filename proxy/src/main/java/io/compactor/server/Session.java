package io.compactor.server;

import io.compactor.command.CommandKind;
import io.compactor.command.CommandTable;
import io.compactor.compaction.Continuation;
import io.compactor.compaction.ReplyTransform;
import io.compactor.compaction.Rewrite;
import io.compactor.compaction.Compactor;
import io.compactor.resp.Command;
import io.compactor.resp.CommandBatch;
import io.compactor.resp.ProtocolError;
import io.compactor.resp.ReplyCumulator;
import io.compactor.resp.ReplyScanner;
import io.compactor.upstream.UpstreamConnector;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFuture;
import io.netty.channel.ChannelFutureListener;
import io.compactor.resp.Bytes;
import java.nio.charset.StandardCharsets;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.List;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One client connection and where its commands go. Everything here runs on the client's event loop:
 * no locks.
 *
 * <p>A session starts <em>shared</em>: its commands go over its event loop's {@link SharedUpstream},
 * interleaved with other clients' commands. The first command that uses connection state
 * ({@link CommandKind#PIN}, {@link CommandKind#STREAM}, {@link CommandKind#CLIENT}, RESET after those)
 * moves it for good to a <em>pinned</em> upstream connection of its own, so SELECT, AUTH, HELLO,
 * MULTI/WATCH, CLIENT SETNAME/ID/REPLY, blocking commands, pub/sub and MONITOR keep their meaning. The
 * move waits until the session's shared replies are all delivered, so its commands still execute in the
 * order it sent them. With multiplexing disabled every session is pinned from the start.
 *
 * <p>Requests are forwarded as the client's bytes; replies are never decoded: a {@link ReplyScanner}
 * finds where each ends and the bytes are forwarded as slices. {@code pending} holds one entry per reply
 * owed to the client, in order, so the proxy can answer for an upstream that dies, keep its own replies
 * (protocol errors) in place, and drain on shutdown. On a pinned connection, pub/sub and MONITOR turn the
 * connection into a byte stream in both directions until the client sends RESET (whose {@code +RESET}
 * reply ends the stream).
 *
 * <p>With bucket rules, commands on bucketed keys are rewritten ({@link Compactor}) before they are
 * dispatched; a few replies are rewritten on the way back ({@code Transforming} entries), and a lone GET
 * may read through (a plain HGET, then the script only when needed, holding what the client sends
 * meanwhile).
 *
 * <p>Why this class is large (about 1,300 lines): the client's reply queue is shared by both modes, the
 * move between them, the pinned connection's reply scanning (streams, the proxy's own login replies,
 * the marker that orders a protocol error inside a stream), transformed and read-through replies,
 * transactions the proxy refused a command in, and shutdown, and every one of those reads and changes
 * it. The natural split is a {@code ReplyQueue} (entries, transforms, local replies) with the pinned
 * connection's scanning in a {@code PinnedUpstream} beside {@link SharedUpstream}; it is the first thing
 * to do before compression adds decompressing replies.
 */
final class Session {
  private static final Logger log = LoggerFactory.getLogger(Session.class);

  /** A reply to forward to the client. */
  private static final Object FORWARD = new Object();
  /** A reply to forward once {@link ReplyTransform} has rewritten it; gathers the frame's bytes. */
  private static class Transforming {
    final ReplyTransform transform;
    ByteBuf gathered;
    /** Client replies the transformed reply stands for (a run of bucket commands: several). */
    int replies = 1;
    /** Upstream replies still to gather before transforming (a transaction sent as one unit: several). */
    int frames = 1;
    /** Whether a reply of this entry's has ended (the next frame continues it rather than starting it). */
    boolean midway;
    /** Whether {@code gathered} is a buffer of this entry's own that later bytes are written to. */
    private boolean growable;

    Transforming(ReplyTransform transform) {
      this.transform = transform;
    }

    /** Copies {@code bytes} (not taken) into the gathered reply. */
    void add(ByteBuf bytes, io.netty.buffer.ByteBufAllocator alloc) {
      if (gathered == null) {
        gathered = alloc.buffer(Math.max(64, bytes.readableBytes()));
        growable = true;
      } else if (!growable) {
        grow(alloc, bytes.readableBytes());
      }
      gathered.writeBytes(bytes);
    }

    /**
     * Takes {@code bytes} (a retained slice of a read) as the gathered reply, or appends them to it: a
     * reply that arrives in one read is transformed from the read's own bytes, without a copy.
     */
    void take(ByteBuf bytes, io.netty.buffer.ByteBufAllocator alloc) {
      if (gathered == null) {
        gathered = bytes;
        return;
      }
      try {
        add(bytes, alloc);
      } finally {
        bytes.release();
      }
    }

    private void grow(io.netty.buffer.ByteBufAllocator alloc, int more) {
      ByteBuf g = alloc.buffer(Math.max(64, gathered.readableBytes() + more));
      g.writeBytes(gathered);
      gathered.release();
      gathered = g;
      growable = true;
    }

    ByteBuf finish(io.netty.buffer.ByteBufAllocator alloc) {
      ByteBuf frame = gathered == null ? alloc.buffer(0) : gathered;
      gathered = null;
      try {
        return transform.apply(frame, alloc);
      } finally {
        frame.release();
      }
    }

    void release() {
      if (gathered != null) {
        gathered.release();
        gathered = null;
      }
    }
  }

  /**
   * The reply to a command that may need another round trip ({@link Continuation}): it decides whether
   * the reply is the client's or another command goes out. {@link #finish} returns null in that case,
   * and {@link #step} holds the step to take.
   */
  private static final class Continuing extends Transforming {
    final Continuation continuation;
    Continuation.Step step;

    Continuing(Continuation continuation) {
      super(null);
      this.continuation = continuation;
    }

    @Override
    ByteBuf finish(io.netty.buffer.ByteBufAllocator alloc) {
      ByteBuf frame = gathered == null ? alloc.buffer(0) : gathered;
      gathered = null;
      try {
        Continuation.Step s = continuation.next(frame, alloc);
        if (s.reply() != null) {
          return s.reply();
        }
        step = s;
        return null;
      } finally {
        frame.release();
      }
    }
  }

  /** A {@link Continuing} reply is awaited: commands the client sends meanwhile are held. */
  private boolean readThroughWaiting;
  /** Set by {@link #onBatch} for the last command of a read (one with no protocol error after it). */
  private boolean lastInBatch;

  /** Writes a finished transformed reply, or sends the next command of a {@link Continuing} one. */
  private void finishTransform(Transforming t) {
    ByteBuf out = t.finish(client.alloc());
    Continuation.Step step = out == null ? ((Continuing) t).step : null;
    if (out != null) {
      client.write(out, client.voidPromise());
    } else {
      Command next = step.command();
      if (step.then() == null) {
        pending.add(FORWARD);
      } else {
        Continuing followUp = new Continuing(step.then());
        followUp.replies = t.replies; // a run read through: the follow-up answers every one of its GETs
        pending.add(followUp);
      }
      usedTransforms = true;
      if (mode == Mode.PINNED) {
        emit(pinned, next);
        flushRun();
        pinned.flush();
      } else {
        sharedInFlight++;
        shared.expect(this);
        emit(shared.channel(), next);
        flushRun();
      }
    }
    if (t instanceof Continuing && (step == null || step.then() == null)) {
      readThroughWaiting = false;
      // what the client sent meanwhile goes out now, behind the last command: replies stay in order
      List<Command> waited = heldBehindRead;
      heldBehindRead = null;
      replay(waited);
      if (mode == Mode.PINNED && pinnedState == PinnedState.READY) {
        pinned.flush();
      }
    }
  }

  /**
   * Sends commands that waited (for a pinned connection, or for a read-through's answer), then the
   * protocol error that came after them, unless they made the session wait again.
   */
  private void replay(List<Command> waited) {
    if (waited != null) {
      try {
        // as a read of their own: runs of bucketed GETs and SETs go together again
        process(waited, protocolErrorAfterHeld == null, false);
      } finally {
        for (Command c : waited) {
          c.release();
        }
      }
    }
    ProtocolError error = protocolErrorAfterHeld;
    if (error != null && mode != Mode.SWITCHING && !readThroughWaiting) {
      protocolErrorAfterHeld = null;
      onProtocolError(error);
    }
  }

  /** Commands the client sent while a read-through (and its follow-up) was awaited; sent once it is answered. */
  private List<Command> heldBehindRead;

  /** The entry {@code pending} gets for the command being dispatched: FORWARD or a {@link Transforming}. */
  private Object replyEntry = FORWARD;
  /** Whether this session ever queued a {@link Transforming} entry (then shared reply runs end before one). */
  private boolean usedTransforms;

  /** A reply to a command the proxy sent itself (AUTH, SELECT) on the pinned connection: checked, not forwarded. */
  private static final Object HANDSHAKE = new Object();

  /** Start of a stream (pub/sub, MONITOR): every frame is forwarded until {@code +RESET}. */
  private static final class StreamMark {
    boolean endsOnReset;
  }

  /** A reply the proxy makes itself, sent once every reply before it has been sent. */
  private record LocalReply(ByteBuf bytes, boolean closeAfter) {}

  private enum State { STARTING, ACTIVE, CLOSED }

  private enum Mode { SHARED, SWITCHING, PINNED }

  private enum PinnedState { NONE, CONNECTING, HANDSHAKING, READY }

  private enum ReplyMode { ON, OFF, SKIP_NEXT }

  private static final byte[] RESET_REPLY = "+RESET\r\n".getBytes(StandardCharsets.US_ASCII);

  private final long id;
  private final Channel client;
  private final UpstreamConnector connector;
  private final SharedUpstream shared;
  private final SessionRegistry registry;
  private final int maxInFlight;
  /** The bucket rules, or null when none are configured. */
  private final Compactor compactor;

  private State state = State.STARTING;
  private Mode mode;
  private final ArrayDeque<Object> pending = new ArrayDeque<>();
  /** How many {@link LocalReply} entries {@code pending} holds. */
  private int localRepliesQueued;
  private int sharedInFlight;
  private List<Command> held;

  private Channel pinned;
  private PinnedState pinnedState = PinnedState.NONE;
  private final ReplyScanner scanner = new ReplyScanner();
  private final ReplyCumulator cumulation = new ReplyCumulator();

  // client-side view of the connection
  private boolean streaming;
  private StreamMark openStream;
  private ReplyMode replyMode = ReplyMode.ON;
  private boolean inputClosed;
  private boolean draining;
  private boolean clientPaused = true;
  private boolean upstreamPaused;
  private boolean clientNeedsFlush;
  /** Set by {@link SharedUpstream} while this session is on its list of clients to flush. */
  boolean touched;

  // the top-level frame being scanned on the pinned connection
  private boolean forwardFrame;
  private boolean countedFrame;
  private StringBuilder handshakeError;
  private Transforming transformFrame;
  private int fwdStart = -1;
  private int fwdEnd = -1;
  private final io.compactor.metrics.ProxyMetrics metrics;
  private final boolean compactorCommand;
  /** A sampled client read waiting for its first reply to be flushed (0: none); and reads since the last sample. */
  private long latencyStart;
  private int readsSinceSample;

  Session(long id, Channel client, UpstreamConnector connector, SharedUpstream shared, SessionRegistry registry,
      int maxInFlight, Compactor compactor, io.compactor.metrics.ProxyMetrics metrics, boolean compactorCommand) {
    this.compactor = compactor;
    this.metrics = metrics;
    this.compactorCommand = compactorCommand;
    this.id = id;
    this.client = client;
    this.connector = connector;
    this.shared = shared;
    this.registry = registry;
    this.maxInFlight = maxInFlight;
  }

  long id() {
    return id;
  }

  Channel client() {
    return client;
  }

  boolean isOpen() {
    return state != State.CLOSED;
  }

  boolean clientWritable() {
    return client.isWritable();
  }

  // ---------------------------------------------------------------- lifecycle

  /** The client connected: reach the upstream first; the client is read once it answers. */
  void start() {
    registry.add(this);
    if (shared != null) {
      mode = Mode.SHARED;
      shared.acquire(this);
    } else {
      mode = Mode.PINNED;
      connectPinned();
    }
  }

  void onSharedReady() {
    if (state == State.STARTING) {
      activate();
    }
  }

  void onSharedFailed(String error) {
    if (state == State.STARTING) {
      refuse(error);
    } else {
      onSharedLost(false);
    }
  }

  private void activate() {
    state = State.ACTIVE;
    if (draining) {
      closeBoth();
      return;
    }
    resumeClient();
  }

  private void connectPinned() {
    pinnedState = PinnedState.CONNECTING;
    ChannelFuture f = connector.connect(client.eventLoop(), new UpstreamHandler(this));
    pinned = f.channel();
    f.addListener((ChannelFutureListener) future -> {
      if (!future.isSuccess()) {
        if (state == State.CLOSED) {
          return;
        }
        log.warn("conn={} upstream {} unavailable: {}", id, connector.describe(),
            future.cause() == null ? "unknown" : future.cause().getMessage());
        refuse(connector.unavailableError(future.cause()));
      } else if (state == State.CLOSED) {
        pinned.close();
      } else if (connector.needsHandshake()) {
        pinnedState = PinnedState.HANDSHAKING;
        writeHandshake();
        pinned.flush();
      } else {
        onPinnedReady();
      }
    });
  }

  private void writeHandshake() {
    flushRun();
    for (Command c : connector.handshake(pinned.alloc())) {
      pending.add(HANDSHAKE);
      pinned.write(c.takeFrame(), pinned.voidPromise());
    }
  }

  private void onPinnedReady() {
    pinnedState = PinnedState.READY;
    if (state == State.STARTING) {
      activate();
      return;
    }
    // the move from the shared connection is complete: replay what waited for it
    mode = Mode.PINNED;
    List<Command> waited = held;
    held = null;
    replay(waited);
    pinned.flush();
    flushClient();
    resumeClient();
  }

  /** Shutdown: stop reading the client, close once every pending reply is out. */
  void drain() {
    draining = true;
    pauseClient();
    if (state != State.ACTIVE || pending.isEmpty() || streaming || (mode == Mode.SWITCHING && sharedInFlight == 0)
        || pending.peek() instanceof StreamMark) {
      closeBoth(); // a switching client with shared replies in flight closes once they are delivered
    }
  }

  /** Closes the client (after flushing what was written) and the pinned connection. */
  void closeBoth() {
    if (state == State.CLOSED) {
      return;
    }
    markClosed();
    client.writeAndFlush(Unpooled.EMPTY_BUFFER).addListener(ChannelFutureListener.CLOSE);
  }

  /** Closes both connections now, discarding replies not yet written (a client that stopped reading). */
  void abort() {
    if (state != State.CLOSED) {
      markClosed();
    }
    client.close();
  }

  /** The client went away: its pinned connection goes too (which also unblocks BLPOP and friends). */
  void onClientClosed() {
    if (state != State.CLOSED) {
      markClosed();
    }
  }

  private void markClosed() {
    state = State.CLOSED;
    if (streamError != null) {
      streamError.release();
      streamError = null;
    }
    releasePending();
    releaseCumulation();
    if (held != null) {
      held.forEach(Command::release);
      held = null;
    }
    if (heldBehindRead != null) {
      heldBehindRead.forEach(Command::release);
      heldBehindRead = null;
    }
    if (pinned != null) {
      pinned.close();
    }
    if (shared != null) {
      shared.detach(this);
    }
    registry.remove(this);
  }

  private void refuse(String error) {
    if (state == State.CLOSED) {
      return;
    }
    metrics.error(io.compactor.metrics.ProxyMetrics.ErrorKind.UPSTREAM_UNAVAILABLE);
    client.write(ascii(error + "\r\n"), client.voidPromise());
    closeBoth();
  }

  /** The pinned connection closed: owed replies become errors, then the client is closed. */
  void onPinnedClosed() {
    if (state == State.CLOSED) {
      return;
    }
    releaseCumulation();
    if (!scanner.atFrameStart()) {
      log.warn("conn={} upstream {} closed in the middle of a reply", id, connector.describe());
      closeBoth();
      return;
    }
    if (pinnedState != PinnedState.READY) {
      refuse(connector.closedError());
      return;
    }
    failPending();
  }

  /** The shared connection closed with replies owed to this session. */
  void onSharedLost(boolean midFrame) {
    if (state == State.CLOSED) {
      return;
    }
    if (midFrame) {
      closeBoth();
      return;
    }
    failPending();
  }

  private void failPending() {
    ByteBuf error = null;
    int owed = 0;
    for (Object e; (e = pending.poll()) != null; ) {
      if (e instanceof Transforming t) {
        t.release();
      }
      if (e == FORWARD || e instanceof Transforming) {
        if (error == null) {
          error = ascii(connector.closedError() + "\r\n");
        }
        int replies = e instanceof Transforming t ? t.replies : 1;
        for (int k = 0; k < replies; k++) {
          client.write(error.retainedDuplicate(), client.voidPromise());
        }
        owed += replies;
      } else if (e instanceof LocalReply lr) {
        client.write(lr.bytes(), client.voidPromise());
      } else if (e instanceof StreamMark) {
        break;
      }
    }
    if (error != null) {
      error.release();
    }
    if (owed > 0) {
      metrics.error(io.compactor.metrics.ProxyMetrics.ErrorKind.UPSTREAM_CLOSED);
      log.warn("conn={} upstream {} closed with {} replies owed; answered with errors", id, connector.describe(), owed);
    }
    closeBoth();
  }

  // ---------------------------------------------------------------- client to upstream

  /** The commands of one client read, then the protocol error that ended it, if any. Does not release the batch. */
  void onBatch(CommandBatch batch) {
    List<Command> commands = batch.commands();
    if (latencyStart == 0 && ++readsSinceSample >= 8 && !commands.isEmpty()) {
      readsSinceSample = 0;
      latencyStart = System.nanoTime();
    }
    process(commands, batch.error() == null, true);
    if (batch.error() != null) {
      onProtocolError(batch.error());
    }
  }

  /**
   * Sends {@code commands} in order: runs of bucketed GETs and SETs together, the rest one by one.
   * {@code endsRead}: nothing the client sent follows them yet (no protocol error after them), so a
   * read-through at their end holds nothing back. {@code count}: count them in the metrics (commands
   * held behind a read-through were counted when they arrived).
   */
  private void process(List<Command> commands, boolean endsRead, boolean count) {
    for (int i = 0, n = commands.size(); i < n; ) {
      int run = n - i >= 2 ? bucketRun(commands, i) : 0; // a run is two or more: a lone command is not placed twice
      if (run >= 2) {
        for (int k = i; count && k < i + run; k++) {
          metrics.command(commands.get(k));
        }
        onBucketRun(commands.subList(i, i + run), batchPlaced, i + run == n && endsRead);
        i += run;
        continue;
      }
      if (count) {
        metrics.command(commands.get(i));
      }
      lastInBatch = i == n - 1 && endsRead;
      onCommand(commands.get(i));
      i++;
    }
    lastInBatch = false;
    flushRun();
  }

  /** Longest run of GETs and SETs of bucketed keys sent as one script call. */
  static final int MAX_BUCKET_RUN = 16;
  private final io.compactor.compaction.bucket.Placement[] batchPlaced =
      new io.compactor.compaction.bucket.Placement[MAX_BUCKET_RUN];

  /**
   * How many commands from {@code from} on are plain GETs and SETs of bucketed keys that can go to Redis
   * as one script call (filling {@link #batchPlaced}): only where each would otherwise be one script call
   * answered in order (no transaction, no subscriber mode, replies on, a connection ready).
   */
  private int bucketRun(List<Command> commands, int from) {
    if (compactor == null || state != State.ACTIVE || inputClosed || readThroughWaiting || inMulti || streaming
        || replyMode != ReplyMode.ON || !(mode == Mode.SHARED || mode == Mode.PINNED && pinnedState == PinnedState.READY)) {
      return 0;
    }
    boolean setsAfterWrites = compactor.setsAfterWrites();
    int n = 0;
    for (int i = from; i < commands.size() && n < MAX_BUCKET_RUN; i++, n++) {
      Command c = commands.get(i);
      io.compactor.compaction.bucket.Placement p = compactor.batchable(c);
      if (p == null || n > 0 && c.argc() == 3 && !setsAfterWrites) {
        break; // under a memory limit a SET starts its own run, so Redis can still refuse it with -OOM
      }
      batchPlaced[n] = p;
    }
    return n;
  }

  /**
   * Sends a run of {@link #bucketRun} commands as one script call or transaction; its reply is split into
   * theirs. A run of GETs that ends the client's read ({@code endsRead}) is read through instead, as a lone
   * GET is: plain HGETs first, the script only from the first miss on; what the client sends meanwhile is
   * held until then (on a read that ends the client's, nothing usually is).
   */
  private void onBucketRun(List<Command> run, io.compactor.compaction.bucket.Placement[] placed, boolean endsRead) {
    io.compactor.compaction.bucket.Placement[] own = java.util.Arrays.copyOf(placed, run.size());
    // on a shared connection only: a pinned one answers one frame per entry
    Rewrite r = endsRead && mode == Mode.SHARED ? compactor.readThroughRun(run, own, client.alloc()) : null;
    if (r != null) {
      Continuing entry = new Continuing(r.continuation());
      entry.replies = run.size();
      entry.frames = r.upstreamReplies();
      readThroughWaiting = true; // nothing may be sent behind it until it is answered (see finishTransform)
      sendEntry(r.command(), entry);
      return;
    }
    // a transaction of the proxy's own only on a shared connection: no MULTI or WATCH of the client's is open
    r = compactor.batch(run, own, client.alloc(), mode == Mode.SHARED);
    sendOwn(r.command(), r.transform(), run.size(), r.upstreamReplies());
  }

  /**
   * Sends a command the proxy made ({@code command}, released here) whose reply {@code t} rewrites into
   * {@code replies} client replies.
   */
  private void sendOwn(Command command, ReplyTransform t, int replies, int frames) {
    Transforming entry = new Transforming(t);
    entry.replies = replies;
    entry.frames = frames;
    sendEntry(command, entry);
  }

  /** Sends {@code command} (released here), its reply owed to {@code entry}. */
  private void sendEntry(Command command, Transforming entry) {
    replyEntry = entry;
    usedTransforms = true;
    try {
      dispatch(command, CommandKind.PLAIN);
    } finally {
      replyEntry = FORWARD;
      command.release();
    }
  }

  // A run of consecutive commands going to the same connection, written as one slice by flushRun().
  private Channel runTarget;
  private ByteBuf runBuf;
  private int runStart;
  private int runEnd;

  private void emit(Channel target, Command command) {
    if (command.isOwned() || runBuf != command.buffer() || runTarget != target || runEnd != command.start()) {
      flushRun();
      if (command.isOwned()) {
        write(target, command.takeFrame());
        return;
      }
      runTarget = target;
      runBuf = command.buffer();
      runStart = command.start();
    }
    runEnd = command.start() + command.length();
  }

  private void flushRun() {
    if (runBuf != null) {
      write(runTarget, runBuf.retainedSlice(runStart, runEnd - runStart));
      runBuf = null;
      runTarget = null;
    }
  }

  private void write(Channel target, ByteBuf bytes) {
    if (shared != null && target == shared.channel()) {
      shared.write(bytes);
    } else {
      target.write(bytes, target.voidPromise());
    }
  }

  /** A decoded client command: forward it and note the reply it is owed. Does not take ownership. */
  void onCommand(Command command) {
    if (state != State.ACTIVE || inputClosed) {
      return;
    }
    if (readThroughWaiting) {
      if (heldBehindRead == null) {
        heldBehindRead = new ArrayList<>();
      }
      heldBehindRead.add(command.retainedDuplicate());
      if (heldBehindRead.size() >= maxInFlight) {
        pauseClient(); // resumed once the read is answered and these are sent
      }
      return;
    }
    if (mode == Mode.SWITCHING) {
      held.add(command.retainedDuplicate());
      return;
    }
    CommandKind kind = CommandTable.kindOf(command);
    if (kind == CommandKind.REFUSED) {
      localReply("-ERR '" + UpstreamConnector.oneLine(command.argString(0)) + "' is not supported through redis-compactor "
          + "(connect replicas to Redis directly)");
      return;
    }
    if (kind == CommandKind.PLAIN && command.argLength(0) == 9 && command.argEqualsIgnoreCase(0, COMPACTOR)) {
      onCompactorCommand(command);
      return;
    }
    if (kind == CommandKind.PLAIN && command.argLength(0) == 4 && command.argEqualsIgnoreCase(0, INFO)
        && Info.wantsSection(command) && !inMulti && !streaming && replyMode == ReplyMode.ON) {
      replyEntry = new Transforming(Info.appending(metrics));
      usedTransforms = true;
      try {
        dispatch(command, kind);
      } finally {
        replyEntry = FORWARD;
      }
      return;
    }
    // On a shared connection a command that needs its own connection is rewritten when it is replayed there.
    if (compactor != null && (mode == Mode.PINNED || kind == CommandKind.PLAIN)) {
      boolean mayContinue = !inMulti && !streaming && replyMode == ReplyMode.ON
          && (mode == Mode.SHARED || pinnedState == PinnedState.READY);
      // a transaction of the proxy's own only where no MULTI or WATCH of the client's can be open
      Rewrite rewrite = compactor.rewrite(command, client.alloc(), mayContinue && mode == Mode.SHARED,
          mayContinue && lastInBatch);
      if (rewrite != null) {
        if (rewrite.isRefusal()) {
          refuseCommand(rewrite.error());
          return;
        }
        Command rewritten = rewrite.command();
        if (inMulti && mode == Mode.PINNED) {
          queuedTransform = rewrite.transform(); // its reply comes in EXEC's array
        } else if (rewrite.continuation() != null && mayContinue) {
          replyEntry = new Continuing(rewrite.continuation());
          usedTransforms = true;
          readThroughWaiting = true; // nothing may be sent behind it until it is answered (see finishTransform)
        } else if (rewrite.transform() != null) {
          Transforming t = new Transforming(rewrite.transform());
          t.frames = rewrite.upstreamReplies();
          replyEntry = t;
          usedTransforms = true;
        }
        try {
          dispatch(rewritten, kind);
        } finally {
          replyEntry = FORWARD;
          queuedTransform = null;
          rewritten.release(); // a no-op once written
        }
        return;
      }
    }
    boolean flushesScripts = compactor != null && Compactor.flushesScripts(command);
    dispatch(command, kind); // may hand the command's bytes on: look at it before
    if (flushesScripts) {
      reloadScript();
    }
  }

  /**
   * After a client's SCRIPT FLUSH: loads the bucket script again right behind it on the same connection,
   * its reply swallowed. Not inside MULTI (it would add an element to EXEC's reply) nor under CLIENT
   * REPLY OFF/SKIP (no reply would come to swallow); the maintenance connection covers those within 100 ms.
   */
  private void reloadScript() {
    if (state != State.ACTIVE || inMulti || replyMode != ReplyMode.ON || streaming) {
      return;
    }
    for (Command load : connector.scriptLoads(client.alloc())) {
      if (mode == Mode.SHARED) {
        shared.expectOwnReply();
        emit(shared.channel(), load);
      } else if (mode == Mode.PINNED && pinnedState == PinnedState.READY) {
        pending.add(HANDSHAKE);
        emit(pinned, load);
      } else {
        load.release();
      }
    }
  }

  private void dispatch(Command command, CommandKind kind) {
    if (mode == Mode.SHARED) {
      onSharedCommand(command, kind);
    } else if (!streaming && tracksTransaction(command)) {
      return; // EXEC of a transaction the proxy refused a command in: answered locally
    } else {
      onPinnedCommand(command, kind);
      replyEntry = FORWARD; // an EXEC's transform was used
    }
  }

  // MULTI state on the pinned connection, for commands the proxy refuses inside a transaction
  private boolean inMulti;
  private boolean multiFailed;

  private static final byte[] MULTI = "MULTI".getBytes(StandardCharsets.US_ASCII);
  private static final byte[] INFO = "INFO".getBytes(StandardCharsets.US_ASCII);
  private static final byte[] COMPACTOR = "COMPACTOR".getBytes(StandardCharsets.US_ASCII);

  /** {@code COMPACTOR KEY <key>}: how one key is stored (see {@link KeyReport}). */
  private void onCompactorCommand(Command command) {
    if (!compactorCommand) {
      refuseCommand("-ERR COMPACTOR is disabled on this proxy (metrics.compactor-command: false)");
      return;
    }
    if (command.argc() != 3 || !command.argEqualsIgnoreCase(1, KEY)) {
      refuseCommand("-ERR wrong arguments for 'COMPACTOR' (expected: COMPACTOR KEY <key>)");
      return;
    }
    if (inMulti || streaming || replyMode != ReplyMode.ON) {
      refuseCommand("-ERR COMPACTOR KEY can't be used inside MULTI, in subscriber mode or under CLIENT REPLY OFF");
      return;
    }
    sendOwn(KeyReport.lookup(compactor, command.arg(2), client.alloc()), KeyReport.report(compactor, command.arg(2)), 1, 1);
  }

  private static final byte[] KEY = "KEY".getBytes(StandardCharsets.US_ASCII);
  private static final byte[] EXEC = "EXEC".getBytes(StandardCharsets.US_ASCII);
  private static final byte[] DISCARD = "DISCARD".getBytes(StandardCharsets.US_ASCII);

  /** Reply transforms of the commands queued in the open transaction (null: none), once one needs any. */
  private List<ReplyTransform> multiTransforms;
  private int multiQueued;
  /** The transform of the rewritten command being queued in a transaction. */
  private ReplyTransform queuedTransform;

  private static final byte[] WATCH = "WATCH".getBytes(StandardCharsets.US_ASCII);

  /** Notes one more command queued in the open transaction, with its reply transform. */
  private void noteQueued(Command command) {
    if (command.argEqualsIgnoreCase(0, WATCH)) {
      return; // refused inside MULTI, not queued
    }
    if (queuedTransform != null && multiTransforms == null) {
      multiTransforms = new ArrayList<>();
    }
    if (multiTransforms != null) {
      while (multiTransforms.size() < multiQueued) {
        multiTransforms.add(null);
      }
      multiTransforms.add(queuedTransform);
    }
    multiQueued++;
  }

  /**
   * Follows MULTI/EXEC/DISCARD. An EXEC after the proxy refused a queued command is turned into DISCARD and
   * answered with Redis's EXECABORT, as Redis does when it rejects a command while queueing. True when the
   * command was handled here.
   */
  private boolean tracksTransaction(Command command) {
    if (command.argc() != 1) {
      if (inMulti) {
        noteQueued(command);
      }
      return false;
    }
    if (command.argEqualsIgnoreCase(0, MULTI)) {
      if (!inMulti) {
        inMulti = true;
        multiFailed = false;
        multiTransforms = null;
        multiQueued = 0;
      }
    } else if (command.argEqualsIgnoreCase(0, DISCARD)) {
      inMulti = false;
      multiFailed = false;
    } else if (command.argEqualsIgnoreCase(0, EXEC) && inMulti) {
      inMulti = false;
      if (multiTransforms != null && !multiFailed) {
        replyEntry = new Transforming(ReplyTransform.exec(multiTransforms));
        usedTransforms = true;
        multiTransforms = null;
      }
      if (multiFailed) {
        multiFailed = false;
        pending.add(HANDSHAKE); // DISCARD's +OK is the proxy's, not the client's
        emit(pinned, Command.of(pinned.alloc(), "DISCARD"));
        if (replyMode == ReplyMode.ON) {
          localReply("-EXECABORT Transaction discarded because of previous errors.");
        } else if (replyMode == ReplyMode.SKIP_NEXT) {
          replyMode = ReplyMode.ON;
        }
        return true;
      }
    } else if (inMulti) {
      noteQueued(command);
    }
    return false;
  }

  /** A command the proxy answers with an error instead of sending it; fails an open transaction. */
  private void refuseCommand(String error) {
    metrics.error(io.compactor.metrics.ProxyMetrics.ErrorKind.REFUSED);
    if (inMulti) {
      multiFailed = true;
    }
    if (replyMode == ReplyMode.SKIP_NEXT) {
      replyMode = ReplyMode.ON;
    } else if (replyMode == ReplyMode.ON) {
      localReply(error);
    }
  }

  private void onSharedCommand(Command command, CommandKind kind) {
    switch (kind) {
      case PLAIN -> {
        pending.add(replyEntry);
        int frames = replyEntry instanceof Transforming t ? t.frames : 1;
        sharedInFlight += frames;
        for (int i = 0; i < frames; i++) {
          shared.expect(this);
        }
        emit(shared.channel(), command);
        if (pending.size() >= maxInFlight) {
          pauseClient();
        }
        if (!shared.isWritable()) {
          pauseClient();
          shared.pauseUntilWritable(this);
        }
      }
      case QUIT -> {
        closeInput(); // Redis ignores whatever follows QUIT
        enqueueLocal(ascii("+OK\r\n"), true);
      }
      case RESET -> localReply("+RESET"); // a shared session has no connection state to reset
      default -> {
        // PIN, STREAM, CLIENT: move to a connection of our own once the shared replies are in
        mode = Mode.SWITCHING;
        shared.detach(this);
        held = new ArrayList<>();
        held.add(command.retainedDuplicate());
        pauseClient();
        if (sharedInFlight == 0) {
          connectPinned();
        }
      }
    }
  }

  private void onPinnedCommand(Command command, CommandKind kind) {
    boolean expectReply = replyMode == ReplyMode.ON;
    if (replyMode == ReplyMode.SKIP_NEXT) {
      replyMode = ReplyMode.ON;
    }
    if (streaming) {
      if (kind == CommandKind.RESET) {
        openStream.endsOnReset = true;
        openStream = null;
        streaming = false;
        replyMode = ReplyMode.ON;
        forward(command);
        writeHandshake();
      } else {
        if (kind == CommandKind.QUIT) {
          closeInput();
        }
        forward(command);
      }
      return;
    }
    switch (kind) {
      case QUIT -> {
        closeInput(); // Redis ignores whatever follows QUIT
        if (expectReply) {
          pending.add(FORWARD);
        }
        forward(command);
      }
      case RESET -> {
        replyMode = ReplyMode.ON;
        inMulti = false;
        multiFailed = false;
        pending.add(FORWARD); // RESET replies even under CLIENT REPLY OFF
        forward(command);
        writeHandshake(); // back to the configured user and database
      }
      case STREAM -> {
        StreamMark mark = new StreamMark();
        pending.add(mark);
        openStream = mark;
        streaming = true;
        forward(command);
      }
      case CLIENT -> {
        switch (CommandTable.replyModeOf(command)) {
          case ON -> {
            replyMode = ReplyMode.ON;
            pending.add(FORWARD);
          }
          case OFF -> replyMode = ReplyMode.OFF;
          case SKIP -> {
            if (replyMode != ReplyMode.OFF) {
              replyMode = ReplyMode.SKIP_NEXT; // Redis ignores SKIP while replies are off
            }
          }
          default -> {
            if (expectReply) {
              pending.add(FORWARD);
            }
          }
        }
        forward(command);
      }
      default -> {
        if (expectReply) {
          pending.add(replyEntry);
        }
        forward(command);
      }
    }
    if (pending.size() >= maxInFlight || !pinned.isWritable()) {
      pauseClient();
    }
  }

  private void forward(Command command) {
    emit(pinned, command);
  }

  private void closeInput() {
    inputClosed = true;
    pauseClient();
  }

  private void localReply(String line) {
    enqueueLocal(ascii(line + "\r\n"), false);
  }

  /** A malformed request: its error goes out after the replies owed before it, then the connection closes. */
  void onProtocolError(ProtocolError error) {
    if (state == State.CLOSED || inputClosed) {
      return;
    }
    if (mode == Mode.SWITCHING || readThroughWaiting) {
      protocolErrorAfterHeld = error; // goes out after the held commands' replies (counted then, once)
      return;
    }
    log.debug("conn={} protocol error: {}", id, error.message());
    metrics.error(io.compactor.metrics.ProxyMetrics.ErrorKind.PROTOCOL);
    closeInput();
    // Redis sends no error under CLIENT REPLY OFF, or when it is the reply SKIP skips
    ByteBuf reply = replyMode == ReplyMode.ON
        ? ascii("-ERR Protocol error: " + error.message() + "\r\n")
        : Unpooled.EMPTY_BUFFER;
    if (streaming) {
      // Replies are not counted in a stream, so replies to commands sent before the bad bytes may
      // still be on their way: send a marker PING behind them and answer when its reply comes back.
      streamMarker = ("compactor-protocol-error-" + id + "-" + System.nanoTime()).getBytes(StandardCharsets.US_ASCII);
      streamError = reply;
      emit(pinned, Command.of(pinned.alloc(), new byte[][] {"PING".getBytes(StandardCharsets.US_ASCII), streamMarker}));
      flushRun();
      return;
    }
    if (replyMode == ReplyMode.SKIP_NEXT) {
      replyMode = ReplyMode.ON;
    }
    enqueueLocal(reply, true);
  }

  /** In a stream: the token of the PING sent behind a protocol error, and the error to send after its reply. */
  private byte[] streamMarker;
  private ByteBuf streamError;
  private boolean markerFrame;

  /**
   * Whether the frame at the reader index is the reply to the marker PING: {@code $N marker} or, in
   * RESP2 pub/sub mode, {@code *2 $4 pong $N marker}. Returns null when more bytes are needed.
   */
  private Boolean isMarkerReply(ByteBuf buf) {
    byte[] bulk = ("$" + streamMarker.length + "\r\n").getBytes(StandardCharsets.US_ASCII);
    byte[] plain = Bytes.concat(bulk, streamMarker, CRLF);
    byte[] pubsub = Bytes.concat("*2\r\n$4\r\npong\r\n".getBytes(StandardCharsets.US_ASCII), plain);
    Boolean a = prefixMatch(buf, plain);
    Boolean b = prefixMatch(buf, pubsub);
    if (Boolean.TRUE.equals(a) || Boolean.TRUE.equals(b)) {
      return true;
    }
    return a == null || b == null ? null : false;
  }

  private static final byte[] CRLF = {'\r', '\n'};

  /** True when {@code buf} starts with {@code want}, false when it cannot, null when it may but is short. */
  private static Boolean prefixMatch(ByteBuf buf, byte[] want) {
    int n = Math.min(buf.readableBytes(), want.length);
    for (int i = 0; i < n; i++) {
      if (buf.getByte(buf.readerIndex() + i) != want[i]) {
        return false;
      }
    }
    return n < want.length ? null : true;
  }

  private ProtocolError protocolErrorAfterHeld;

  private void enqueueLocal(ByteBuf bytes, boolean closeAfter) {
    if (pending.isEmpty() || streaming) {
      client.write(bytes, client.voidPromise());
      clientNeedsFlush = true;
      if (closeAfter) {
        closeBoth();
      }
    } else {
      pending.add(new LocalReply(bytes, closeAfter));
      localRepliesQueued++;
    }
  }

  /** End of a client read batch: flush the pinned connection and any local replies. */
  void onClientReadComplete() {
    if (pinned != null && state != State.CLOSED && pinnedState == PinnedState.READY) {
      pinned.flush();
    }
    if (clientNeedsFlush) {
      clientNeedsFlush = false;
      client.flush();
      sampled();
    }
  }

  void onPinnedWritabilityChanged() {
    if (pinned.isWritable()) {
      resumeClient();
    } else {
      pauseClient();
    }
  }

  void onSharedWritable() {
    resumeClient();
  }

  void onClientWritabilityChanged() {
    if (state == State.CLOSED) {
      return;
    }
    if (client.isWritable()) {
      if (shared != null) {
        shared.unblock(this);
      }
      if (upstreamPaused && pinned != null) {
        upstreamPaused = false;
        pinned.config().setAutoRead(true);
      }
    } else if (!upstreamPaused && mode == Mode.PINNED && pinned != null) {
      upstreamPaused = true;
      pinned.config().setAutoRead(false);
    }
  }

  private void pauseClient() {
    if (!clientPaused) {
      clientPaused = true;
      client.config().setAutoRead(false);
    }
  }

  private void resumeClient() {
    if (!clientPaused || state != State.ACTIVE || inputClosed || draining || mode == Mode.SWITCHING
        || readThroughWaiting || pending.size() > maxInFlight / 2) {
      return;
    }
    if (mode == Mode.PINNED ? !pinned.isWritable() : !shared.isWritable()) {
      if (mode == Mode.SHARED) {
        shared.pauseUntilWritable(this); // resumed when the shared connection drains
      }
      return;
    }
    clientPaused = false;
    client.config().setAutoRead(true);
  }

  // ---------------------------------------------------------------- shared connection replies

  /** Bytes of this session's current reply on the shared connection. Takes ownership of {@code slice}. */
  boolean deliverShared(ByteBuf slice) {
    if (state == State.CLOSED) {
      slice.release();
      return false;
    }
    if (pending.peek() instanceof Transforming t) {
      t.take(slice, client.alloc());
      return false;
    }
    client.write(slice, client.voidPromise());
    return true;
  }

  /**
   * Whether the next shared reply starts a rewritten one, so it must reach {@link #deliverShared} on its
   * own (the later replies of a transaction's continue the bytes gathered so far).
   */
  boolean transformsNextReply() {
    return pending.peek() instanceof Transforming t && !t.midway;
  }

  /**
   * Whether finishing the current shared reply will write to the client (a local reply queued behind
   * it, or a close), so reply bytes gathered for this session must be written first.
   */
  boolean writesAfterSharedReply() {
    if (state == State.CLOSED) {
      return false;
    }
    if (pending.peek() instanceof Transforming t) {
      return t.frames == 1; // before that, the run goes on into the transaction's next reply
    }
    if (usedTransforms && pending.size() > 1) {
      // the next reply is rewritten: the bytes gathered so far must reach the client before this reply's
      // entry leaves the queue, or deliverShared would add them to the next reply's transform
      java.util.Iterator<Object> it = pending.iterator();
      it.next();
      if (it.next() instanceof Transforming) {
        return true;
      }
    }
    if (localRepliesQueued == 0 && !draining) {
      return false; // the common case, without walking the queue
    }
    if (draining && pending.size() <= 1) {
      return true;
    }
    java.util.Iterator<Object> it = pending.iterator();
    if (it.hasNext()) {
      it.next();
      return it.hasNext() && it.next() instanceof LocalReply;
    }
    return false;
  }

  /**
   * This session's current reply on the shared connection is complete. Returns whether it wrote to the
   * client (a rewritten reply), so the caller flushes it with the rest of this read's replies.
   */
  boolean onSharedReplyDone() {
    if (state == State.CLOSED) {
      return false;
    }
    sharedInFlight--;
    if (pending.peek() instanceof Transforming t && t.frames > 1) {
      t.frames--; // one reply of a transaction: the entry gathers the rest before transforming
      t.midway = true;
      return false;
    }
    boolean wrote = false;
    if (pending.poll() instanceof Transforming t) {
      finishTransform(t);
      wrote = true;
    }
    afterReply(null);
    if (mode == Mode.SWITCHING && sharedInFlight == 0 && state != State.CLOSED) {
      if (draining) {
        closeBoth(); // shutting down: the held commands were never sent, like unread input
      } else {
        connectPinned();
      }
    }
    return wrote;
  }

  void flushClient() {
    if (state != State.CLOSED) {
      client.flush();
      sampled();
    }
  }

  /** Replies were flushed to the client: ends a latency sample. */
  private void sampled() {
    if (latencyStart != 0) {
      metrics.latency(System.nanoTime() - latencyStart);
      latencyStart = 0;
    }
  }

  /** After a reply was popped: local replies now at the head, shutdown, resuming the client. */
  private void afterReply(ByteBuf pinnedBuf) {
    while (pending.peek() instanceof LocalReply lr) {
      pending.poll();
      localRepliesQueued--;
      if (pinnedBuf != null) {
        flushForwardRange(pinnedBuf);
      }
      client.write(lr.bytes(), client.voidPromise());
      if (lr.closeAfter()) {
        closeBoth();
        return;
      }
    }
    if (draining && pending.isEmpty()) {
      if (pinnedBuf != null) {
        flushForwardRange(pinnedBuf);
      }
      closeBoth();
      return;
    }
    if (clientPaused) {
      resumeClient();
    }
  }

  // ---------------------------------------------------------------- pinned connection replies

  /** Bytes from the pinned connection: find reply boundaries, forward, account. Takes ownership of {@code msg}. */
  void onPinnedRead(ByteBuf msg) {
    if (state == State.CLOSED) {
      msg.release();
      return;
    }
    ByteBuf buf = cumulation.append(msg, client.alloc());
    try {
      scan(buf);
    } finally {
      flushForwardRange(buf);
      cumulation.keepRest(buf, state != State.CLOSED);
    }
    if (!upstreamPaused && state != State.CLOSED && !client.isWritable()) {
      upstreamPaused = true;
      pinned.config().setAutoRead(false);
    }
  }

  private void scan(ByteBuf buf) {
    while (buf.isReadable() && state != State.CLOSED) {
      if (scanner.atFrameStart() && !beginFrame(buf)) {
        return; // need more bytes to classify the frame
      }
      int start = buf.readerIndex();
      boolean ended = scanner.advance(buf);
      int end = buf.readerIndex();
      if (end > start) {
        consumed(buf, start, end);
      }
      if (ended) {
        endFrame(buf);
      } else if (end == start) {
        return;
      }
    }
  }

  /** Decides where the frame starting at the reader index goes; false when more bytes are needed. */
  private boolean beginFrame(ByteBuf buf) {
    byte type = buf.getByte(buf.readerIndex());
    handshakeError = null;
    transformFrame = null;
    if (type == '>' || type == '|') {
      forwardFrame = true; // RESP3 push or attribute: not a reply of its own
      countedFrame = false;
      return true;
    }
    Object head = pending.peek();
    if (head == null) {
      forwardFrame = true; // unsolicited: forward as Redis sent it
      countedFrame = false;
      return true;
    }
    if (head instanceof StreamMark mark) {
      forwardFrame = true;
      countedFrame = false;
      markerFrame = false;
      if (streamMarker != null && (type == '$' || type == '*')) {
        Boolean marker = isMarkerReply(buf);
        if (marker == null) {
          return false;
        }
        if (marker) {
          forwardFrame = false; // the proxy's own PING: swallowed
          markerFrame = true;
          return true;
        }
      }
      if (mark.endsOnReset && type == '+') {
        int n = Math.min(buf.readableBytes(), RESET_REPLY.length);
        for (int i = 0; i < n; i++) {
          if (buf.getByte(buf.readerIndex() + i) != RESET_REPLY[i]) {
            return true;
          }
        }
        if (n < RESET_REPLY.length) {
          return false;
        }
        countedFrame = true;
      }
      return true;
    }
    countedFrame = true;
    if (head instanceof Transforming) {
      forwardFrame = false;
      transformFrame = (Transforming) head;
      return true;
    }
    if (head == HANDSHAKE) {
      forwardFrame = false;
      if (type == '-') {
        handshakeError = new StringBuilder();
      }
    } else {
      forwardFrame = true;
    }
    return true;
  }

  private void consumed(ByteBuf buf, int start, int end) {
    if (forwardFrame) {
      if (fwdStart < 0) {
        fwdStart = start;
      }
      fwdEnd = end;
    } else {
      flushForwardRange(buf);
      if (transformFrame != null) {
        transformFrame.add(buf.slice(start, end - start), client.alloc());
      }
      if (handshakeError != null && handshakeError.length() < 512) {
        handshakeError.append(buf.toString(start, end - start, StandardCharsets.UTF_8));
      }
    }
  }

  private void flushForwardRange(ByteBuf buf) {
    if (fwdStart >= 0) {
      if (state != State.CLOSED) {
        client.write(buf.retainedSlice(fwdStart, fwdEnd - fwdStart), client.voidPromise());
      }
      fwdStart = -1;
      fwdEnd = -1;
    }
  }

  private void endFrame(ByteBuf buf) {
    if (markerFrame) {
      markerFrame = false;
      streamMarker = null;
      flushForwardRange(buf);
      ByteBuf error = streamError;
      streamError = null;
      client.write(error, client.voidPromise());
      closeBoth();
      return;
    }
    if (!countedFrame) {
      return;
    }
    Object head = pending.poll();
    if (head instanceof Transforming t) {
      transformFrame = null;
      finishTransform(t);
    }
    if (head == HANDSHAKE) {
      if (handshakeError != null) {
        flushForwardRange(buf);
        String text = handshakeError.toString().trim();
        log.warn("conn={} upstream {} refused the proxy's login: {}", id, connector.describe(), text);
        refuse(connector.loginRefusedError(text));
        return;
      }
      if (pinnedState == PinnedState.HANDSHAKING && pending.peek() != HANDSHAKE) {
        onPinnedReady();
      }
    }
    afterReply(buf);
  }

  /** End of a pinned read batch: one flush to the client. */
  void onPinnedReadComplete() {
    if (state != State.CLOSED) {
      client.flush();
      sampled();
    }
  }

  // ---------------------------------------------------------------- helpers

  private void releasePending() {
    for (Object e; (e = pending.poll()) != null; ) {
      if (e instanceof LocalReply lr) {
        lr.bytes().release();
      } else if (e instanceof Transforming t) {
        t.release();
      }
    }
    localRepliesQueued = 0;
  }

  private void releaseCumulation() {
    cumulation.release();
  }

  private static ByteBuf ascii(String s) {
    return Unpooled.copiedBuffer(s, StandardCharsets.UTF_8);
  }

}
