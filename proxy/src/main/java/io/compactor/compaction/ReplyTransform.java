package io.compactor.compaction;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
import java.nio.charset.StandardCharsets;

/**
 * Rewrites one whole reply frame from Redis into the reply the client is owed, for the few replies a
 * script cannot produce itself (Lua numbers are doubles, so an integer beyond 2^53 has to travel as a
 * bulk string and become an integer here). Frames are small: the proxy gathers one whole before applying.
 */
public interface ReplyTransform {
  /** The client's reply for {@code frame} (one complete RESP reply). Does not release {@code frame}. */
  ByteBuf apply(ByteBuf frame, ByteBufAllocator alloc);

  /** A bulk string of decimal digits becomes an integer reply; anything else (an error) passes as is. */
  ReplyTransform BULK_TO_INTEGER = (frame, alloc) -> {
    if (frame.readableBytes() < 4 || frame.getByte(frame.readerIndex()) != '$') {
      return frame.retainedDuplicate();
    }
    int headerEnd = frame.indexOf(frame.readerIndex(), frame.writerIndex(), (byte) '\r');
    int bodyStart = headerEnd + 2;
    int bodyEnd = frame.writerIndex() - 2;
    if (headerEnd < 0 || bodyEnd < bodyStart) {
      return frame.retainedDuplicate();
    }
    ByteBuf out = alloc.buffer(bodyEnd - bodyStart + 3);
    out.writeByte(':');
    out.writeBytes(frame, bodyStart, bodyEnd - bodyStart);
    out.writeCharSequence("\r\n", StandardCharsets.US_ASCII);
    return out;
  };

  /**
   * For a run of {@code n} commands sent as one script call: the reply array's elements, one after the
   * other, are the commands' replies. A reply that is not an array (an error before the script ran, such
   * as NOSCRIPT or BUSY) is what each of the commands would have got: it is repeated {@code n} times.
   */
  static ReplyTransform splitArray(int n) {
    return (frame, alloc) -> {
      int r = frame.readerIndex();
      if (frame.readableBytes() > 0 && frame.getByte(r) == '*') {
        int headerEnd = frame.indexOf(r, frame.writerIndex(), (byte) '\n') + 1;
        return frame.retainedSlice(headerEnd, frame.writerIndex() - headerEnd);
      }
      ByteBuf out = alloc.buffer(frame.readableBytes() * n);
      for (int i = 0; i < n; i++) {
        out.writeBytes(frame, r, frame.readableBytes());
      }
      return out;
    };
  }

  /**
   * For EXEC: applies {@code perCommand.get(i)} (null: none) to element i of the reply array; a null
   * array (a WATCH abort) or an error passes as is.
   */
  static ReplyTransform exec(java.util.List<ReplyTransform> perCommand) {
    return (frame, alloc) -> {
      int r = frame.readerIndex();
      byte type = frame.readableBytes() > 0 ? frame.getByte(r) : 0;
      if (type != '*' && type != '~') {
        return frame.retainedDuplicate();
      }
      int headerEnd = frame.indexOf(r, frame.writerIndex(), (byte) '\n') + 1;
      io.netty.buffer.CompositeByteBuf out = alloc.compositeBuffer();
      out.addComponent(true, frame.retainedSlice(r, headerEnd - r));
      int at = headerEnd;
      for (int i = 0; at < frame.writerIndex(); i++) {
        ByteBuf rest = frame.slice(at, frame.writerIndex() - at);
        io.compactor.resp.ReplyScanner scanner = new io.compactor.resp.ReplyScanner();
        boolean complete = scanner.advance(rest);
        int len = rest.readerIndex();
        if (!complete || len == 0) {
          // not a sequence of whole replies after all: pass the rest on untouched rather than guess
          out.addComponent(true, frame.retainedSlice(at, frame.writerIndex() - at));
          break;
        }
        ByteBuf element = frame.slice(at, len);
        ReplyTransform t = i < perCommand.size() ? perCommand.get(i) : null;
        out.addComponent(true, t == null ? element.retain() : t.apply(element, alloc));
        at += len;
      }
      return out;
    };
  }

  /**
   * For a transaction the proxy sends as one unit in place of one client command (MULTI, the queued
   * commands, EXEC: their replies gathered one after the other in {@code frame}): the first error is the
   * client's reply, whether MULTI's, a command's refused while queueing (Redis then answers EXEC with
   * EXECABORT; the queueing error, such as {@code -OOM}, is the one the client's own command would have
   * got) or an element of EXEC's array; otherwise {@code ok} (without CRLF), the client command's reply.
   * An EXEC answered with a null (never expected: no WATCH is ever open where such transactions go)
   * becomes an error rather than a reply the client's command could have had. When MULTI itself was
   * refused (an ACL changed since the proxy checked), the commands ran one by one: the first one's
   * reply decides (its error, or {@code ok}).
   */
  static ReplyTransform transaction(String ok) {
    return transactions(ok, 0, (int[][]) null, null);
  }

  /**
   * {@link #transaction} for {@code commands} client commands sent as one transaction, each as
   * {@code perCommand} queued commands in order: the result is {@code commands} replies, each {@code ok}
   * or the first error among its own commands' replies. A transaction Redis discarded (a command refused
   * while queueing, EXEC refused, a null EXEC) applied none of them, so then every one gets an error: its
   * own queueing error, else the cause of the discard. Under a refused MULTI each client command's first
   * queued command decides, as above.
   */
  static ReplyTransform transactions(String ok, int commands, int perCommand) {
    int[] sizes = new int[commands];
    java.util.Arrays.fill(sizes, perCommand);
    return transactions(ok, 0, sizes, null);
  }

  /**
   * How one client command's reply is made from the replies of its own commands in a transaction the
   * proxy sends: elements of EXEC's array, or, when MULTI was refused, the replies of the commands run
   * one by one (the same replies, no longer atomic).
   */
  @FunctionalInterface
  public interface Elements {
    /**
     * @param frame the gathered replies
     * @param starts where each reply starts in {@code frame}; {@code lengths} their lengths
     * @param from the index of this command's first reply; {@code count} how many it has
     * @param leading the index of the reply of the transaction's first queued command ({@code leading}
     *     commands run ahead of the client commands' own, such as {@code TIME})
     */
    ByteBuf reply(ByteBuf frame, int[] starts, int[] lengths, int from, int count, int leading, ByteBufAllocator alloc);
  }

  /**
   * The general form with contiguous commands: after MULTI, {@code leading} queued commands, then each
   * client command's {@code sizes[i]} (null: a single client command owning every queued command), then
   * EXEC. See {@link #transactions(String, int, int[][], Elements[])}.
   */
  public static ReplyTransform transactions(String ok, int leading, int[] sizes, Elements[] readers) {
    if (sizes == null) {
      return transactions(ok, leading, (int[][]) null, readers);
    }
    int[][] members = new int[sizes.length][];
    for (int i = 0, from = 0; i < sizes.length; from += sizes[i], i++) {
      members[i] = new int[sizes[i]];
      for (int j = 0; j < sizes[i]; j++) {
        members[i][j] = from + j;
      }
    }
    return transactions(ok, leading, members, readers);
  }

  /**
   * The most general form: after MULTI, {@code leading} queued commands, then the commands the client
   * commands share out: {@code members[i]} lists which of them (counted from 0 after the leading ones,
   * ascending) client command {@code i} depends on; one queued command may serve several client commands
   * (one DEL for the keys of a run of SETs). Null: a single client command owning every queued command.
   * A client command with a null (or no) {@code readers[i]} answers {@code ok} or the first error among
   * its commands' replies (under a refused MULTI, its first command's reply decides); one with a reader
   * (whose members must be consecutive) answers what the reader makes of its replies, errors included.
   * Every queued command must belong to at least one client command. A discarded transaction answers
   * every client command with an error, as in {@link #transactions(String, int, int)}.
   */
  public static ReplyTransform transactions(String ok, int leading, int[][] members, Elements[] readers) {
    byte[] okLine = (ok + "\r\n").getBytes(StandardCharsets.US_ASCII);
    int commands = members == null ? 1 : members.length;
    int shared = members == null ? -1 : queuedCount(members);
    return (frame, alloc) -> {
      int at = frame.readerIndex();
      int end = frame.writerIndex();
      if (readers == null && onlyStatusAndIntegers(frame, at, end, 512 * commands)) {
        ByteBuf out = alloc.buffer(okLine.length * commands);
        for (int i = 0; i < commands; i++) {
          out.writeBytes(okLine);
        }
        return out;
      }
      Replies top = Replies.parse(frame, at, end);
      ByteBuf[] replies = new ByteBuf[commands];
      try {
        if (top.n > 0 && isError(frame, top.starts[0])) {
          // MULTI refused (an ACL changed since the proxy last checked): the commands behind it ran on their
          // own and EXEC failed; each client command's reply follows what its own commands did
          for (int i = 0; i < commands; i++) {
            int[] own = members == null ? range(0, Math.max(0, top.n - 2 - leading)) : members[i];
            int first = 1 + leading + (own.length == 0 ? 0 : own[0]);
            int last = 1 + leading + (own.length == 0 ? 0 : own[own.length - 1]);
            Elements reader = readers == null ? null : readers[i];
            replies[i] = last + 1 > top.n ? unwrapAbort(frame, top.starts[0], top.lengths[0], alloc)
                : reader != null ? reader.reply(frame, top.starts, top.lengths, first, own.length, 1, alloc)
                : isError(frame, top.starts[first]) ? frame.retainedSlice(top.starts[first], top.lengths[first])
                : alloc.buffer(okLine.length).writeBytes(okLine);
          }
          return concat(replies, alloc);
        }
        int queued = members == null ? top.n - 2 : leading + shared;
        if (top.cut || queued < 0 || top.n != queued + 2) {
          return repeat(UNREADABLE, commands, alloc); // never expected: the replies Redis sent, cut short
        }
        int firstRefused = -1;
        for (int q = 1; q <= queued && firstRefused < 0; q++) {
          if (isError(frame, top.starts[q])) {
            firstRefused = q;
          }
        }
        int exec = top.starts[queued + 1];
        int execLen = top.lengths[queued + 1];
        if (firstRefused >= 0 || isError(frame, exec)) {
          // discarded: nothing was applied
          for (int i = 0; i < commands; i++) {
            int own = firstError(frame, top.starts, 1 + leading, members == null ? null : members[i], queued - leading);
            int cause = own >= 0 ? own : firstRefused;
            replies[i] = cause >= 0 ? frame.retainedSlice(top.starts[cause], top.lengths[cause])
                : unwrapAbort(frame, exec, execLen, alloc);
          }
          return concat(replies, alloc);
        }
        if (frame.getByte(exec) != '*' || frame.getByte(exec + 1) == '-') {
          return repeat("-ERR redis-compactor: Redis discarded the proxy's transaction\r\n", commands, alloc);
        }
        Replies elements = Replies.parse(frame, frame.indexOf(exec, end, (byte) '\n') + 1, end);
        if (elements.cut || elements.n != queued) {
          return repeat(UNREADABLE, commands, alloc);
        }
        for (int i = 0; i < commands; i++) {
          int[] own = members == null ? null : members[i];
          Elements reader = readers == null ? null : readers[i];
          if (reader != null) {
            int count = own == null ? queued - leading : own.length;
            replies[i] = reader.reply(frame, elements.starts, elements.lengths,
                leading + (own == null || own.length == 0 ? 0 : own[0]), count, 0, alloc);
            continue;
          }
          int e = firstError(frame, elements.starts, leading, own, queued - leading);
          replies[i] = e >= 0 ? frame.retainedSlice(elements.starts[e], elements.lengths[e])
              : alloc.buffer(okLine.length).writeBytes(okLine);
        }
        return concat(replies, alloc);
      } catch (RuntimeException ex) {
        for (ByteBuf b : replies) {
          if (b != null) {
            b.release();
          }
        }
        throw ex;
      }
    };
  }

  /** How many queued commands {@code members} covers: one more than the highest index in it. */
  private static int queuedCount(int[][] members) {
    int max = -1;
    for (int[] m : members) {
      for (int q : m) {
        max = Math.max(max, q);
      }
    }
    return max + 1;
  }

  private static int[] range(int from, int to) {
    int[] r = new int[to - from];
    for (int i = 0; i < r.length; i++) {
      r[i] = from + i;
    }
    return r;
  }

  /**
   * The index in {@code starts} of the first error among a client command's replies: {@code base} plus
   * each of {@code own} (null: each of 0 until {@code all}); -1 without one.
   */
  private static int firstError(ByteBuf frame, int[] starts, int base, int[] own, int all) {
    int n = own == null ? all : own.length;
    for (int j = 0; j < n; j++) {
      int q = base + (own == null ? j : own[j]);
      if (isError(frame, starts[q])) {
        return q;
      }
    }
    return -1;
  }

  /** Consecutive whole replies in a frame: where each starts, its length, and whether the last was cut short. */
  final class Replies {
    int[] starts = new int[16];
    int[] lengths = new int[16];
    int n;
    boolean cut;

    public int[] starts() {
      return starts;
    }

    public int[] lengths() {
      return lengths;
    }

    public static Replies parse(ByteBuf frame, int at, int end) {
      Replies r = new Replies();
      while (at < end) {
        int len = frameLength(frame, at, end);
        if (len <= 0) {
          r.cut = true;
          break;
        }
        if (r.n == r.starts.length) {
          r.starts = java.util.Arrays.copyOf(r.starts, r.n * 2);
          r.lengths = java.util.Arrays.copyOf(r.lengths, r.n * 2);
        }
        r.starts[r.n] = at;
        r.lengths[r.n++] = len;
        at += len;
      }
      return r;
    }
  }

  private static boolean isError(ByteBuf frame, int at) {
    byte t = frame.getByte(at);
    return t == '-' || t == '!';
  }

  /** The replies one after the other (released). */
  private static ByteBuf concat(ByteBuf[] replies, ByteBufAllocator alloc) {
    if (replies.length == 1) {
      return replies[0];
    }
    int size = 0;
    for (ByteBuf b : replies) {
      size += b.readableBytes();
    }
    ByteBuf out = alloc.buffer(size);
    for (int i = 0; i < replies.length; i++) {
      out.writeBytes(replies[i]);
      replies[i].release();
      replies[i] = null; // released: the caller's clean-up on an exception must not release it again
    }
    return out;
  }

  private static ByteBuf repeat(String line, int times, ByteBufAllocator alloc) {
    byte[] b = line.getBytes(StandardCharsets.US_ASCII);
    ByteBuf out = alloc.buffer(b.length * times);
    for (int i = 0; i < times; i++) {
      out.writeBytes(b);
    }
    return out;
  }

  String UNREADABLE = "-ERR redis-compactor: unreadable reply to the proxy's transaction\r\n";

  /**
   * The common case, without parsing: every line is a status ({@code +OK}, {@code +QUEUED}), an integer
   * or an array header that is not a null ({@code *-1}).
   */
  private static boolean onlyStatusAndIntegers(ByteBuf frame, int at, int end, int limit) {
    int n = end - at;
    if (n > limit) {
      return false; // not a transaction of status and integer replies: parsed
    }
    byte[] b = new byte[n];
    frame.getBytes(at, b);
    boolean lineStart = true;
    for (int i = 0; i < n; i++) {
      byte c = b[i];
      if (lineStart) {
        if (c != '+' && c != ':' && (c != '*' || i + 1 < n && b[i + 1] == '-')) {
          return false;
        }
        lineStart = false;
      } else if (c == '\n') {
        lineStart = true;
      }
    }
    return lineStart;
  }

  /**
   * The error at {@code at}; when it is EXEC refused on its own ({@code -EXECABORT Transaction discarded
   * because of: OOM ...}, for a server that reached its memory limit or ran a busy script after the
   * commands were queued), the cause ({@code -OOM ...}), which the client's own command would have got.
   */
  private static ByteBuf unwrapAbort(ByteBuf frame, int at, int len, ByteBufAllocator alloc) {
    int n = EXECABORT_BECAUSE.length;
    if (len > n + 3 && frame.getByte(at) == '-') {
      for (int i = 0; i < n; i++) {
        if (frame.getByte(at + 1 + i) != EXECABORT_BECAUSE[i]) {
          return frame.retainedSlice(at, len);
        }
      }
      ByteBuf out = alloc.buffer(len - n);
      out.writeByte('-');
      out.writeBytes(frame, at + 1 + n, len - 1 - n);
      return out;
    }
    return frame.retainedSlice(at, len);
  }

  byte[] EXECABORT_BECAUSE = "EXECABORT Transaction discarded because of: ".getBytes(StandardCharsets.US_ASCII);

  /** Length of the whole reply starting at {@code at} in {@code frame} (before {@code end}); 0 when incomplete. */
  private static int frameLength(ByteBuf frame, int at, int end) {
    int after = skip(frame, at, end, 0);
    if (after >= 0) {
      return after - at;
    }
    if (after == -1) {
      return 0; // cut short
    }
    ByteBuf rest = frame.slice(at, end - at); // a type the quick walk leaves to the scanner
    return new io.compactor.resp.ReplyScanner().advance(rest) ? rest.readerIndex() : 0;
  }

  /**
   * Where the whole reply at {@code at} ends: the common RESP2 types, walked without allocating; -1 when
   * it is cut short, -2 for anything else (RESP3 types, deep nesting, odd lengths), left to the scanner.
   */
  private static int skip(ByteBuf frame, int at, int end, int depth) {
    if (at >= end) {
      return -1;
    }
    byte type = frame.getByte(at);
    int eol = frame.indexOf(at + 1, end, (byte) '\n');
    if (eol < 0) {
      return -1;
    }
    switch (type) {
      case '+', '-', ':' -> {
        return eol + 1;
      }
      case '$', '*' -> {
        long n = 0;
        boolean negative = frame.getByte(at + 1) == '-';
        for (int i = at + (negative ? 2 : 1); i < eol - 1; i++) {
          byte c = frame.getByte(i);
          if (c < '0' || c > '9' || n > Integer.MAX_VALUE) {
            return -2;
          }
          n = n * 10 + (c - '0');
        }
        if (negative || n == 0 && eol - 1 == at + 1) {
          return negative && n == 1 ? eol + 1 : -2; // a null, or something odd
        }
        if (type == '$') {
          long after = eol + 1 + n + 2;
          return after <= end ? (int) after : -1;
        }
        if (depth > 8) {
          return -2;
        }
        int next = eol + 1;
        for (long i = 0; i < n; i++) {
          next = skip(frame, next, end, depth + 1);
          if (next < 0) {
            return next;
          }
        }
        return next;
      }
      default -> {
        return -2;
      }
    }
  }

  /** {@code first}, then {@code second} on its result (either may be null). */
  static ReplyTransform andThen(ReplyTransform first, ReplyTransform second) {
    if (first == null) {
      return second;
    }
    if (second == null) {
      return first;
    }
    return (frame, alloc) -> {
      ByteBuf mid = first.apply(frame, alloc);
      try {
        return second.apply(mid, alloc);
      } finally {
        mid.release();
      }
    };
  }
}
