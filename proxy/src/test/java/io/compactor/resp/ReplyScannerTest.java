package io.compactor.resp;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.Test;

class ReplyScannerTest {

  private static final List<String> RESP2 = List.of(
      "+OK\r\n",
      "-ERR unknown command 'FOO'\r\n",
      ":42\r\n",
      ":-7\r\n",
      "$5\r\nhello\r\n",
      "$0\r\n\r\n",
      "$6\r\n\r\n$1\r\n\r\n", // a bulk whose body looks like RESP
      "$-1\r\n",
      "*-1\r\n",
      "*0\r\n",
      "*2\r\n$3\r\nfoo\r\n:1\r\n",
      "*3\r\n:1\r\n*2\r\n$1\r\na\r\n*1\r\n+x\r\n$-1\r\n",
      "*2\r\n*0\r\n*-1\r\n",
      "*3\r\n$7\r\nmessage\r\n$2\r\nch\r\n$5\r\nhello\r\n");

  private static final List<String> RESP3 = List.of(
      "%2\r\n+first\r\n:1\r\n+second\r\n*2\r\n:1\r\n:2\r\n",
      "%0\r\n",
      "~3\r\n+a\r\n+b\r\n+c\r\n",
      "~0\r\n",
      ">3\r\n$7\r\nmessage\r\n$2\r\nch\r\n$2\r\nhi\r\n",
      ",3.14\r\n",
      ",-inf\r\n",
      "#t\r\n",
      "#f\r\n",
      "_\r\n",
      "(3492890328409238509324850943850943825024385\r\n",
      "=15\r\ntxt:Some string\r\n",
      "!21\r\nSYNTAX invalid syntax\r\n",
      "*3\r\n_\r\n%1\r\n#t\r\n~1\r\n,1.5\r\n(12\r\n",
      "%1\r\n$3\r\nkey\r\n%1\r\n$3\r\nsub\r\n*2\r\n=7\r\ntxt:abc\r\n!3\r\nERR\r\n");

  // ------------------------------------------------------------------ boundaries

  @Test
  void advance_resp2FramesEndExactlyAtTheirEnd() {
    assertFrames(RESP2);
  }

  @Test
  void advance_resp3FramesEndExactlyAtTheirEnd() {
    assertFrames(RESP3);
  }

  @Test
  void advance_eachFrameAloneInItsOwnBuffer() {
    List<String> all = new ArrayList<>(RESP2);
    all.addAll(RESP3);
    for (String frame : all) {
      ReplyScanner scanner = new ReplyScanner();
      ByteBuf buf = buf(frame);
      try {
        assertThat(scanner.atFrameStart()).isTrue();
        assertThat(scanner.advance(buf)).as("frame %s", frame).isTrue();
        assertThat(buf.readerIndex()).as("frame %s", frame).isEqualTo(frame.length());
        assertThat(scanner.atFrameStart()).isTrue();
        assertThat((char) scanner.frameType()).isEqualTo(frame.charAt(0));
      } finally {
        buf.release();
      }
    }
  }

  @Test
  void advance_stopsAtTheEndOfTheFirstFrame() {
    ReplyScanner scanner = new ReplyScanner();
    ByteBuf buf = buf("*1\r\n:1\r\n+OK\r\n");
    try {
      assertThat(scanner.advance(buf)).isTrue();
      assertThat(buf.readerIndex()).isEqualTo(8);
      assertThat((char) scanner.frameType()).isEqualTo('*');
      assertThat(scanner.advance(buf)).isTrue();
      assertThat(buf.readerIndex()).isEqualTo(13);
      assertThat((char) scanner.frameType()).isEqualTo('+');
      assertThat(scanner.advance(buf)).as("nothing left").isFalse();
      assertThat(scanner.atFrameStart()).isTrue();
    } finally {
      buf.release();
    }
  }

  @Test
  void advance_resp2SplitAtEveryByteBoundary() {
    assertSplitsAgree(String.join("", RESP2));
  }

  @Test
  void advance_resp3SplitAtEveryByteBoundary() {
    assertSplitsAgree(String.join("", RESP3));
  }

  @Test
  void advance_oneByteAtATime() {
    List<String> all = new ArrayList<>(RESP2);
    all.addAll(RESP3);
    byte[] input = String.join("", all).getBytes(StandardCharsets.ISO_8859_1);
    int[] cuts = new int[input.length - 1];
    for (int i = 0; i < cuts.length; i++) {
      cuts[i] = i + 1;
    }

    assertThat(scan(input, cuts)).containsExactlyElementsOf(expectedBoundaries(all));
  }

  @Test
  void advance_midFrameIsNotAtFrameStart() {
    ReplyScanner scanner = new ReplyScanner();
    ByteBuf first = buf("*2\r\n:1\r\n");
    ByteBuf second = buf(":2\r\n");
    try {
      assertThat(scanner.advance(first)).isFalse();
      assertThat(first.isReadable()).as("whole lines consumed").isFalse();
      assertThat(scanner.atFrameStart()).isFalse();
      assertThat((char) scanner.frameType()).isEqualTo('*');

      assertThat(scanner.advance(second)).isTrue();
      assertThat(scanner.atFrameStart()).isTrue();
    } finally {
      first.release();
      second.release();
    }
  }

  // ------------------------------------------------------------------ attributes

  @Test
  void advance_topLevelAttributeIsAFrameOfItsOwnBeforeTheReply() {
    // Session treats a top-level '|' frame as "not a reply of its own" and forwards it uncounted, so the
    // scanner reports the attribute and the reply it decorates as two top-level frames
    String attribute = "|1\r\n+key-popularity\r\n%2\r\n$1\r\na\r\n,0.1923\r\n$1\r\nb\r\n,0.0012\r\n";
    String reply = "*2\r\n:2039123\r\n:9543892\r\n";

    assertFrames(List.of(attribute, reply));
    assertSplitsAgree(attribute + reply);
  }

  @Test
  void advance_attributeInsideAnArrayIsNotAnElement() {
    // RESP3: an attribute prefixes the element after it and is not counted among the array's elements.
    // The array below has two elements, :1 and :2; the attribute decorates :1.
    String frame = "*2\r\n|1\r\n+ttl\r\n:3600\r\n:1\r\n:2\r\n";
    ReplyScanner scanner = new ReplyScanner();
    ByteBuf buf = buf(frame + "+NEXT\r\n");
    try {
      assertThat(scanner.advance(buf)).isTrue();
      assertThat(buf.readerIndex()).as("end of the array").isEqualTo(frame.length());
      assertThat((char) scanner.frameType()).isEqualTo('*');
    } finally {
      buf.release();
    }
  }

  // ------------------------------------------------------------------ progressive consumption

  @Test
  void advance_bigBulkIsConsumedProgressively() {
    int size = 1024 * 1024;
    ReplyScanner scanner = new ReplyScanner();
    ByteBuf header = buf("$" + size + "\r\n");
    try {
      assertThat(scanner.advance(header)).isFalse();
      assertThat(header.isReadable()).as("header consumed").isFalse();
    } finally {
      header.release();
    }

    byte[] chunk = new byte[1000];
    Arrays.fill(chunk, (byte) 'x');
    int sent = 0;
    while (size - sent > chunk.length) {
      ByteBuf buf = Unpooled.wrappedBuffer(chunk);
      try {
        assertThat(scanner.advance(buf)).isFalse();
        assertThat(buf.readerIndex()).as("chunk at %d consumed", sent).isEqualTo(chunk.length);
        assertThat(scanner.atFrameStart()).isFalse();
      } finally {
        buf.release();
      }
      sent += chunk.length;
    }

    byte[] last = new byte[size - sent + 2 + 5];
    Arrays.fill(last, (byte) 'x');
    byte[] tail = "\r\n+OK\r\n".getBytes(StandardCharsets.US_ASCII);
    System.arraycopy(tail, 0, last, size - sent, tail.length);
    ByteBuf buf = Unpooled.wrappedBuffer(last);
    try {
      assertThat(scanner.advance(buf)).isTrue();
      assertThat(buf.readerIndex()).as("stops after the bulk's CRLF").isEqualTo(size - sent + 2);
      assertThat((char) scanner.frameType()).isEqualTo('$');
      assertThat(scanner.advance(buf)).isTrue();
      assertThat((char) scanner.frameType()).isEqualTo('+');
    } finally {
      buf.release();
    }
  }

  @Test
  void advance_simpleStringIsStreamedBeforeItsLineFeed() {
    ReplyScanner scanner = new ReplyScanner();
    ByteBuf start = buf("+" + "m".repeat(10_000));
    ByteBuf more = buf("m".repeat(5_000) + "\r");
    ByteBuf end = buf("\n-ERR x\r\n");
    try {
      assertThat(scanner.advance(start)).isFalse();
      assertThat(start.isReadable()).as("line consumed without its end").isFalse();
      assertThat(scanner.atFrameStart()).isFalse();
      assertThat((char) scanner.frameType()).isEqualTo('+');

      assertThat(scanner.advance(more)).isFalse();
      assertThat(more.isReadable()).isFalse();

      assertThat(scanner.advance(end)).isTrue();
      assertThat(end.readerIndex()).isEqualTo(1);
      assertThat(scanner.atFrameStart()).isTrue();
      assertThat(scanner.advance(end)).isTrue();
      assertThat((char) scanner.frameType()).isEqualTo('-');
    } finally {
      start.release();
      more.release();
      end.release();
    }
  }

  @Test
  void advance_incompleteHeaderIsLeftUnconsumed() {
    ReplyScanner scanner = new ReplyScanner();
    ByteBuf buf = Unpooled.buffer();
    try {
      buf.writeCharSequence("$5\r", StandardCharsets.US_ASCII);
      assertThat(scanner.advance(buf)).isFalse();
      assertThat(buf.readerIndex()).isZero();

      buf.writeCharSequence("\nhel", StandardCharsets.US_ASCII);
      assertThat(scanner.advance(buf)).isFalse();
      assertThat(buf.readerIndex()).isEqualTo(7);

      buf.writeCharSequence("lo\r\n", StandardCharsets.US_ASCII);
      assertThat(scanner.advance(buf)).isTrue();
      assertThat(buf.isReadable()).isFalse();
    } finally {
      buf.release();
    }
  }

  // ------------------------------------------------------------------ errors

  @Test
  void advance_invalidTypeByteThrows() {
    ReplyScanner scanner = new ReplyScanner();
    ByteBuf buf = buf("?what\r\n");
    try {
      assertThatThrownBy(() -> scanner.advance(buf)).isInstanceOf(IllegalStateException.class);
    } finally {
      buf.release();
    }
  }

  @Test
  void advance_invalidTypeByteInsideAnArrayThrows() {
    ReplyScanner scanner = new ReplyScanner();
    ByteBuf buf = buf("*2\r\n:1\r\nhello\r\n");
    try {
      assertThatThrownBy(() -> scanner.advance(buf)).isInstanceOf(IllegalStateException.class);
    } finally {
      buf.release();
    }
  }

  @Test
  void advance_invalidLengthThrows() {
    ReplyScanner scanner = new ReplyScanner();
    ByteBuf buf = buf("$abc\r\n");
    try {
      assertThatThrownBy(() -> scanner.advance(buf)).isInstanceOf(IllegalStateException.class);
    } finally {
      buf.release();
    }
  }

  // ------------------------------------------------------------------ helpers

  /** A frame end found by the scanner: offset in the whole input just after the frame, and its type. */
  private record Boundary(long end, char type) {}

  private static void assertFrames(List<String> frames) {
    byte[] input = String.join("", frames).getBytes(StandardCharsets.ISO_8859_1);
    assertThat(scan(input, new int[0])).containsExactlyElementsOf(expectedBoundaries(frames));
  }

  private static void assertSplitsAgree(String text) {
    byte[] input = text.getBytes(StandardCharsets.ISO_8859_1);
    List<Boundary> whole = scan(input, new int[0]);
    assertThat(whole).isNotEmpty();
    assertThat(whole.get(whole.size() - 1).end()).isEqualTo(input.length);
    for (int cut = 1; cut < input.length; cut++) {
      assertThat(scan(input, new int[] {cut})).as("input split at byte %d", cut).containsExactlyElementsOf(whole);
    }
  }

  private static List<Boundary> expectedBoundaries(List<String> frames) {
    List<Boundary> expected = new ArrayList<>();
    long end = 0;
    for (String f : frames) {
      end += f.length();
      expected.add(new Boundary(end, f.charAt(0)));
    }
    return expected;
  }

  /**
   * Feeds {@code input} cut at {@code cuts} the way the proxy reads upstream bytes: unconsumed bytes are
   * kept and the next read is appended to them.
   */
  private static List<Boundary> scan(byte[] input, int[] cuts) {
    ReplyScanner scanner = new ReplyScanner();
    List<Boundary> found = new ArrayList<>();
    long consumedBefore = 0; // bytes of input consumed before the current buffer's first byte
    ByteBuf pending = null;
    int from = 0;
    for (int i = 0; i <= cuts.length; i++) {
      int to = i < cuts.length ? cuts[i] : input.length;
      ByteBuf buf;
      if (pending == null) {
        buf = Unpooled.copiedBuffer(input, from, to - from);
      } else {
        buf = Unpooled.buffer(pending.readableBytes() + to - from);
        buf.writeBytes(pending).writeBytes(input, from, to - from);
        pending.release();
        pending = null;
      }
      from = to;
      try {
        while (buf.isReadable()) {
          int start = buf.readerIndex();
          boolean ended = scanner.advance(buf);
          if (ended) {
            found.add(new Boundary(consumedBefore + buf.readerIndex(), (char) scanner.frameType()));
            assertThat(scanner.atFrameStart()).isTrue();
          } else {
            assertThat(buf.readerIndex() == start || !scanner.atFrameStart())
                .as("mid-frame after a partial advance").isTrue();
            if (buf.readerIndex() == start) {
              break;
            }
          }
        }
        consumedBefore += buf.readerIndex();
        if (buf.isReadable()) {
          pending = buf.copy();
        }
      } finally {
        buf.release();
      }
    }
    if (pending != null) {
      pending.release();
    }
    return found;
  }

  private static ByteBuf buf(String s) {
    return Unpooled.copiedBuffer(s, StandardCharsets.ISO_8859_1);
  }
}
