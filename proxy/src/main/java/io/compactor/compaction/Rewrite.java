package io.compactor.compaction;

import io.netty.buffer.ByteBuf;

import io.compactor.resp.Command;

/**
 * What the proxy sends instead of a client command: another command whose reply is already the one the
 * client is owed, or an error the proxy answers itself (a refused command).
 *
 * @param command the command to send (owned; the receiver releases or forwards it), or null
 * @param error the error line to answer with, {@code -ERR ...} without CRLF, when refused
 * @param transform how the reply becomes the client's, or null when it already is; inside MULTI it is
 *     applied to the command's element of EXEC's reply
 * @param continuation outside MULTI, decides from the reply whether another round trip is needed (then
 *     {@code transform} is not used); null when one round trip always does
 * @param upstreamReplies how many replies Redis sends for {@code command}: 1, or for a transaction the
 *     proxy sends as one unit ({@link #transaction}) one per command in it, gathered for {@code transform}
 */
public record Rewrite(Command command, String error, ReplyTransform transform, Continuation continuation,
    int upstreamReplies) {
  public Rewrite(Command command, String error, ReplyTransform transform, Continuation continuation) {
    this(command, error, transform, continuation, 1);
  }

  /**
   * Sends {@code sequence}, a frame of {@code replies} commands (MULTI, ..., EXEC; see
   * {@link Command#sequence}); their replies, gathered one after the other, become the client's through
   * {@code transform}. Only where a transaction can be opened: not inside the client's MULTI, not on a
   * connection with a WATCH, and with every reply on.
   */
  public static Rewrite transaction(Command sequence, int replies, ReplyTransform transform) {
    return new Rewrite(sequence, null, transform, null, replies);
  }

  public static Rewrite send(Command command) {
    return new Rewrite(command, null, null, null);
  }

  /** Sends {@code command}; its reply goes through {@code transform} on the way back. */
  public static Rewrite send(Command command, ReplyTransform transform) {
    return new Rewrite(command, null, transform, null);
  }

  /**
   * A read that tries a plain command first ({@code HGET}): a reply that is a bulk string not starting
   * with an envelope byte (0xFD..0xFF), or an error, is the client's reply as it is; otherwise (a miss, a
   * value with an expiry) the proxy sends {@code followUp}, the full script call, and forwards its reply.
   */
  public static Rewrite readThrough(Command first,
      java.util.function.Function<io.netty.buffer.ByteBufAllocator, Command> followUp) {
    return new Rewrite(first, null, null, (frame, alloc) -> isPlainValue(frame)
        ? Continuation.Step.reply(frame.retainedDuplicate())
        : Continuation.Step.send(followUp.apply(alloc), null));
  }

  /**
   * {@link #readThrough} for a run of {@code n} reads sent as one frame of {@code n} plain commands
   * (HGETs, {@code first}): when every reply is plain, they are the clients' replies as they are.
   * Otherwise, from the first that is not (a miss, a value with an expiry) on, the reads go again as
   * {@code followUp.apply(m, alloc)} (the script's call for reads {@code m..n-1}, its transform making
   * their replies), and the client gets the first {@code m} replies followed by those. Each read is
   * answered at one moment and every read after it later, as the same reads sent straight to Redis are.
   */
  public static Rewrite readThroughRun(Command first, int n,
      java.util.function.BiFunction<Integer, io.netty.buffer.ByteBufAllocator, Rewrite> followUp) {
    Continuation c = (frame, alloc) -> {
      ReplyTransform.Replies r = ReplyTransform.Replies.parse(frame, frame.readerIndex(), frame.writerIndex());
      int m = 0;
      if (!r.cut && r.n == n) {
        while (m < n && isPlainValue(frame.slice(r.starts[m], r.lengths[m]))) {
          m++;
        }
        if (m == n) {
          return Continuation.Step.reply(frame.retainedDuplicate());
        }
      } // replies not as expected (never seen): every read goes again
      byte[] prefix = new byte[m == 0 ? 0 : r.starts[m] - frame.readerIndex()];
      frame.getBytes(frame.readerIndex(), prefix);
      Rewrite rest = followUp.apply(m, alloc);
      return Continuation.Step.send(rest.command(), (f, a) -> {
        ByteBuf tail = rest.transform() == null ? f.retainedDuplicate() : rest.transform().apply(f, a);
        if (prefix.length == 0) {
          return Continuation.Step.reply(tail);
        }
        try {
          return Continuation.Step.reply(a.buffer(prefix.length + tail.readableBytes()).writeBytes(prefix)
              .writeBytes(tail));
        } finally {
          tail.release();
        }
      });
    };
    return new Rewrite(first, null, null, c, n);
  }

  /** A command that may need more round trips ({@code continuation}); {@code inMulti} is its form in MULTI. */
  public static Rewrite continuing(Command command, Continuation continuation, ReplyTransform inMulti) {
    return new Rewrite(command, null, inMulti, continuation);
  }

  public static Rewrite refuse(String error) {
    return new Rewrite(null, error, null, null);
  }

  public boolean isRefusal() {
    return error != null;
  }

  /** This rewrite with {@code t} applied to the client's reply too, whichever round trip gives it. */
  public Rewrite decodedBy(ReplyTransform t) {
    if (t == null || error != null) {
      return this;
    }
    return new Rewrite(command, null, ReplyTransform.andThen(transform, t),
        continuation == null ? null : wrap(continuation, t), upstreamReplies);
  }

  private static Continuation wrap(Continuation c, ReplyTransform t) {
    return (frame, alloc) -> {
      Continuation.Step s = c.next(frame, alloc);
      if (s.reply() != null) {
        try {
          return Continuation.Step.reply(t.apply(s.reply(), alloc));
        } finally {
          s.reply().release();
        }
      }
      Continuation then = s.then() == null
          ? (f, a) -> Continuation.Step.reply(t.apply(f, a))
          : wrap(s.then(), t);
      return Continuation.Step.send(s.command(), then);
    };
  }

  /** A bulk string that is empty or does not start with a bucket envelope byte (0xFD..0xFF); or an error. */
  static boolean isPlainValue(io.netty.buffer.ByteBuf frame) {
    int r = frame.readerIndex();
    if (frame.readableBytes() < 3) {
      return false;
    }
    byte type = frame.getByte(r);
    if (type == '-' || type == '!') {
      return true; // Redis's own error for this key: the script would meet it too
    }
    if (type != '$' || frame.getByte(r + 1) == '-') {
      return false; // a miss (or something unexpected): the script decides
    }
    int eol = frame.indexOf(r, frame.writerIndex(), (byte) '\n');
    if (eol < 0 || eol + 3 > frame.writerIndex()) {
      return false;
    }
    return eol + 3 == frame.writerIndex() || (frame.getByte(eol + 1) & 0xff) < 0xFD;
  }
}
