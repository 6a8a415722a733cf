package io.compactor.resp;

import static org.assertj.core.api.Assertions.assertThat;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufUtil;
import io.netty.buffer.Unpooled;
import io.netty.channel.embedded.EmbeddedChannel;
import io.netty.util.ReferenceCountUtil;
import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

class RequestDecoderTest {
  /** Small limits: 4 arguments, 100-byte arguments, 16-byte lines and headers, 1000-byte requests. */
  private static final RequestLimits SMALL = new RequestLimits(4, 100, 16, 1000);

  private EmbeddedChannel channel;

  @AfterEach
  void finishChannel() {
    if (channel != null) {
      drain(channel);
      assertThat(channel.finish()).isFalse();
      channel = null;
    }
  }

  // ------------------------------------------------------------------ multibulk

  @Test
  void decode_oneMultibulkCommand() {
    channel = channel(RequestLimits.defaults());
    List<Object> out = feed(channel, "*3\r\n$3\r\nSET\r\n$3\r\nkey\r\n$5\r\nvalue\r\n");

    assertThat(out).hasSize(1);
    Command command = (Command) out.get(0);
    try {
      assertThat(command.argc()).isEqualTo(3);
      assertThat(args(command)).containsExactly("SET", "key", "value");
      assertThat(command.argLength(0)).isEqualTo(3);
      assertThat(command.argLength(2)).isEqualTo(5);
      assertThat(command.arg(1)).isEqualTo(bytes("key"));
    } finally {
      command.release();
    }
  }

  @Test
  void decode_oneReadIsOneBatchOverTheClientsBytes() {
    channel = channel(RequestLimits.defaults());
    String input = multibulk("SET", "a", "1") + multibulk("GET", "a") + multibulk("INCR", "n") + "*1\r\n$4\r\nPI";
    channel.writeInbound(Unpooled.copiedBuffer(input, StandardCharsets.ISO_8859_1));
    CommandBatch batch = channel.readInbound();
    try {
      assertThat((Object) channel.readInbound()).isNull();
      assertThat(batch.commands()).hasSize(3);
      assertThat(batch.error()).isNull();
      String complete = input.substring(0, input.indexOf("*1\r\n$4"));
      assertThat(batch.bytes().toString(StandardCharsets.ISO_8859_1)).isEqualTo(complete);
      int next = 0;
      for (Command c : batch.commands()) {
        assertThat(c.buffer()).isSameAs(batch.bytes());
        assertThat(c.start()).as("commands are adjacent in the batch").isEqualTo(next);
        next = c.start() + c.length();
      }
      assertThat(next).isEqualTo(complete.length());
    } finally {
      batch.release();
    }
  }

  @Test
  void decode_emptyAndBinaryArguments() {
    channel = channel(RequestLimits.defaults());
    // an empty argument, and one holding CR LF, '*' and '$' bytes
    List<Object> out = feed(channel, "*3\r\n$3\r\nSET\r\n$0\r\n\r\n$6\r\n\r\n*$\r\n\r\n");

    List<Decoded> decoded = toDecoded(out);
    assertThat(decoded).containsExactly(Decoded.command("SET", "", "\r\n*$\r\n"));
  }

  @Test
  void decode_pipelineOfManyCommands() {
    channel = channel(RequestLimits.defaults());
    StringBuilder input = new StringBuilder();
    List<Decoded> expected = new ArrayList<>();
    for (int i = 0; i < 500; i++) {
      String key = "key:" + i;
      String value = "v".repeat(i % 37);
      input.append(multibulk("SET", key, value));
      expected.add(Decoded.command("SET", key, value));
    }

    List<Decoded> decoded = toDecoded(feed(channel, input.toString()));

    assertThat(decoded).containsExactlyElementsOf(expected);
  }

  @Test
  void decode_manyArgumentsBeyondInitialCapacity() {
    channel = channel(RequestLimits.defaults());
    String[] args = new String[1 + 100];
    args[0] = "MSET";
    for (int i = 1; i < args.length; i++) {
      args[i] = "arg" + i;
    }

    List<Decoded> decoded = toDecoded(feed(channel, multibulk(args)));

    assertThat(decoded).containsExactly(Decoded.command(args));
  }

  @Test
  void decode_frameIsExactlyTheClientBytes() {
    channel = channel(RequestLimits.defaults());
    String first = multibulk("SET", "k", "v");
    String second = multibulk("GET", "k");
    String third = multibulk("ECHO", "x".repeat(3000));
    // three commands arriving in awkward pieces, so the frames come from a cumulated buffer
    String all = first + second + third;
    List<Object> out = new ArrayList<>();
    out.addAll(feed(channel, all.substring(0, 5)));
    out.addAll(feed(channel, all.substring(5, first.length() + 3)));
    out.addAll(feed(channel, all.substring(first.length() + 3, all.length() - 10)));
    out.addAll(feed(channel, all.substring(all.length() - 10)));

    // checked only after all input was written: earlier frames must not be disturbed by later reads
    assertThat(out).hasSize(3).allMatch(o -> o instanceof Command);
    try {
      assertThat(frameText((Command) out.get(0))).isEqualTo(first);
      assertThat(frameText((Command) out.get(1))).isEqualTo(second);
      assertThat(frameText((Command) out.get(2))).isEqualTo(third);
    } finally {
      out.forEach(RequestDecoderTest::release);
    }
  }

  @Test
  void decode_splitAtEveryByteBoundary() {
    byte[] input = mixedPipeline();
    List<Decoded> whole = decodeInPieces(input, new int[0]);
    assertThat(whole).hasSize(9);

    for (int cut = 1; cut < input.length; cut++) {
      assertThat(decodeInPieces(input, new int[] {cut}))
          .as("input split at byte %d", cut)
          .containsExactlyElementsOf(whole);
    }
  }

  @Test
  void decode_oneByteAtATime() {
    byte[] input = mixedPipeline();
    List<Decoded> whole = decodeInPieces(input, new int[0]);
    int[] everyByte = new int[input.length - 1];
    for (int i = 0; i < everyByte.length; i++) {
      everyByte[i] = i + 1;
    }

    assertThat(decodeInPieces(input, everyByte)).containsExactlyElementsOf(whole);
  }

  @Test
  void decode_waitsForTheLineFeedAfterTheCountHeader() {
    channel = channel(RequestLimits.defaults());

    assertThat(feed(channel, "*1\r")).isEmpty();
    assertThat(feed(channel, "\n$4\r")).isEmpty();
    assertThat(feed(channel, "\nPING\r")).isEmpty();
    assertThat(toDecoded(feed(channel, "\n"))).containsExactly(Decoded.command("PING"));
  }

  @Test
  void decode_emptyMultibulkIsIgnored() {
    channel = channel(RequestLimits.defaults());

    List<Decoded> decoded = toDecoded(feed(channel, "*0\r\n" + multibulk("PING") + "*0\r\n"));

    assertThat(decoded).containsExactly(Decoded.command("PING"));
  }

  @Test
  void decode_nullMultibulkIsIgnored() {
    channel = channel(RequestLimits.defaults());

    List<Decoded> decoded = toDecoded(feed(channel, "*-1\r\n" + multibulk("PING") + "*-1\r\n"));

    assertThat(decoded).containsExactly(Decoded.command("PING"));
  }

  @Test
  void decode_partialCommandAtCloseProducesNothing() {
    channel = channel(RequestLimits.defaults());

    assertThat(feed(channel, "*2\r\n$3\r\nGET\r\n$5\r\nab")).isEmpty();
    // the channel is finished with the partial frame still buffered: no command may come out
  }

  // ------------------------------------------------------------------ inline

  @Test
  void decode_inlineWithCrLf() {
    channel = channel(RequestLimits.defaults());

    List<Object> out = feed(channel, "PING\r\n");

    assertThat(out).hasSize(1);
    Command command = (Command) out.get(0);
    try {
      assertThat(args(command)).containsExactly("PING");
      // inline commands are forwarded re-encoded as multibulk
      assertThat(frameText(command)).isEqualTo("*1\r\n$4\r\nPING\r\n");
    } finally {
      command.release();
    }
  }

  @Test
  void decode_inlineWithBareLf() {
    channel = channel(RequestLimits.defaults());

    assertThat(toDecoded(feed(channel, "PING\n"))).containsExactly(Decoded.command("PING"));
  }

  @Test
  void decode_inlineWithQuotes() {
    channel = channel(RequestLimits.defaults());

    List<Object> out = feed(channel, "SET \"a b\" 'c d'\r\n");

    assertThat(out).hasSize(1);
    Command command = (Command) out.get(0);
    try {
      assertThat(args(command)).containsExactly("SET", "a b", "c d");
      assertThat(frameText(command)).isEqualTo("*3\r\n$3\r\nSET\r\n$3\r\na b\r\n$3\r\nc d\r\n");
    } finally {
      command.release();
    }
  }

  @Test
  void decode_inlineWithEscapes() {
    channel = channel(RequestLimits.defaults());

    List<Decoded> decoded = toDecoded(feed(channel, "SET k \"\\x41\\n\"\n"));

    assertThat(decoded).containsExactly(Decoded.command("SET", "k", "A\n"));
  }

  @Test
  void decode_emptyInlineLineProducesNothing() {
    channel = channel(RequestLimits.defaults());

    List<Decoded> decoded = toDecoded(feed(channel, "\r\n\n   \r\nPING\r\n\r\n"));

    assertThat(decoded).containsExactly(Decoded.command("PING"));
  }

  @Test
  void decode_inlineAndMultibulkMixed() {
    channel = channel(RequestLimits.defaults());

    List<Decoded> decoded =
        toDecoded(feed(channel, "PING\r\n" + multibulk("GET", "k") + "ECHO hi\n" + multibulk("DEL", "k")));

    assertThat(decoded).containsExactly(
        Decoded.command("PING"),
        Decoded.command("GET", "k"),
        Decoded.command("ECHO", "hi"),
        Decoded.command("DEL", "k"));
  }

  @Test
  void decode_inlineAtLimitWaitsForNewline() {
    channel = channel(SMALL);
    String line = "a".repeat(16); // exactly maxInlineBytes

    assertThat(feed(channel, line)).isEmpty();
    assertThat(toDecoded(feed(channel, "\n"))).containsExactly(Decoded.command(line));
  }

  // ------------------------------------------------------------------ protocol errors

  @Test
  void decode_invalidMultibulkLength() {
    channel = channel(RequestLimits.defaults());

    assertThat(toDecoded(feed(channel, "*abc\r\n")))
        .containsExactly(Decoded.error("invalid multibulk length"));
  }

  @Test
  void decode_multibulkLengthWithPlusSignIsInvalid() {
    channel = channel(RequestLimits.defaults());

    assertThat(toDecoded(feed(channel, "*+1\r\n")))
        .containsExactly(Decoded.error("invalid multibulk length"));
  }

  @Test
  void decode_expectedDollarGotPlus() {
    channel = channel(RequestLimits.defaults());

    assertThat(toDecoded(feed(channel, "*1\r\n+foo\r\n")))
        .containsExactly(Decoded.error("expected '$', got '+'"));
  }

  @Test
  void decode_negativeBulkLength() {
    channel = channel(RequestLimits.defaults());

    assertThat(toDecoded(feed(channel, "*1\r\n$-5\r\n")))
        .containsExactly(Decoded.error("invalid bulk length"));
  }

  @Test
  void decode_nonNumericBulkLength() {
    channel = channel(RequestLimits.defaults());

    assertThat(toDecoded(feed(channel, "*1\r\n$x\r\n")))
        .containsExactly(Decoded.error("invalid bulk length"));
  }

  @Test
  void decode_bulkAboveRedisProtoMaxBulkLen() {
    channel = channel(RequestLimits.defaults());

    // 512 MB + 1: above Redis's default proto-max-bulk-len; only the header is sent
    assertThat(toDecoded(feed(channel, "*2\r\n$3\r\nSET\r\n$536870913\r\n")))
        .containsExactly(Decoded.error("invalid bulk length"));
  }

  @Test
  void decode_bulkWithinAConfiguredLimitAbove512MbIsAccepted() {
    // limits.max-bulk-bytes is the proxy's proto-max-bulk-len: raised to 1 GB, a 600 MB argument is fine
    channel = channel(new RequestLimits(4, 1L << 30, 64 * 1024, 1L << 30));

    // only the header is sent: the decoder must wait for the body, not reject the length
    assertThat(feed(channel, "*2\r\n$3\r\nSET\r\n$600000000\r\n")).isEmpty();
  }

  @Test
  void decode_bulkAboveMaxBulkBytesFailsBeforeTheBody() {
    channel = channel(SMALL);

    // only the header of the 101-byte argument is sent
    List<Decoded> decoded = toDecoded(feed(channel, "*2\r\n$3\r\nSET\r\n$101\r\n"));

    // Redis's wording, possibly followed by detail about the proxy's own limit
    assertThat(decoded).hasSize(1);
    assertThat(decoded.get(0).error()).startsWith("invalid bulk length");
  }

  @Test
  void decode_bulkAtMaxBulkBytesIsAccepted() {
    channel = channel(SMALL);
    String value = "x".repeat(100);

    assertThat(toDecoded(feed(channel, multibulk("ECHO", value))))
        .containsExactly(Decoded.command("ECHO", value));
  }

  @Test
  void decode_multibulkCountAboveIntMax() {
    channel = channel(RequestLimits.defaults());

    assertThat(toDecoded(feed(channel, "*2147483648\r\n")))
        .containsExactly(Decoded.error("invalid multibulk length"));
  }

  @Test
  void decode_multibulkCountAboveMaxArrayLength() {
    channel = channel(SMALL);

    List<Decoded> decoded = toDecoded(feed(channel, "*5\r\n"));

    // Redis's wording, possibly followed by detail about the proxy's own limit
    assertThat(decoded).hasSize(1);
    assertThat(decoded.get(0).error()).startsWith("invalid multibulk length");
  }

  @Test
  void decode_multibulkCountAtMaxArrayLengthIsAccepted() {
    channel = channel(SMALL);

    assertThat(toDecoded(feed(channel, multibulk("DEL", "a", "b", "c"))))
        .containsExactly(Decoded.command("DEL", "a", "b", "c"));
  }

  @Test
  void decode_tooBigMbulkCountString() {
    channel = channel(SMALL);

    assertThat(feed(channel, "*" + "1".repeat(15))).as("16 bytes: still waiting").isEmpty();
    assertThat(toDecoded(feed(channel, "1")))
        .containsExactly(Decoded.error("too big mbulk count string"));
  }

  @Test
  void decode_tooBigBulkCountString() {
    channel = channel(SMALL);

    assertThat(feed(channel, "*1\r\n$" + "1".repeat(15))).as("16 header bytes: still waiting").isEmpty();
    assertThat(toDecoded(feed(channel, "1")))
        .containsExactly(Decoded.error("too big bulk count string"));
  }

  @Test
  void decode_tooBigInlineRequest() {
    channel = channel(SMALL);

    assertThat(feed(channel, "a".repeat(16))).as("16 bytes: still waiting").isEmpty();
    assertThat(toDecoded(feed(channel, "a")))
        .containsExactly(Decoded.error("too big inline request"));
  }

  @Test
  void decode_unbalancedDoubleQuotes() {
    channel = channel(RequestLimits.defaults());

    assertThat(toDecoded(feed(channel, "SET \"a b\r\n")))
        .containsExactly(Decoded.error("unbalanced quotes in request"));
  }

  @Test
  void decode_unbalancedSingleQuotes() {
    channel = channel(RequestLimits.defaults());

    assertThat(toDecoded(feed(channel, "SET 'a b\n")))
        .containsExactly(Decoded.error("unbalanced quotes in request"));
  }

  @Test
  void decode_closingQuoteFollowedByTextIsUnbalanced() {
    channel = channel(RequestLimits.defaults());

    assertThat(toDecoded(feed(channel, "SET \"a\"b c\r\n")))
        .containsExactly(Decoded.error("unbalanced quotes in request"));
  }

  @Test
  void decode_requestAboveMaxRequestBytesFailsBeforeTheBody() {
    // each argument may have 100 bytes, the whole request only 150
    channel = channel(new RequestLimits(4, 100, 16, 150));

    // the second argument's header makes the request 4 + 108 + 6 + 102 = 220 bytes; its body is not sent
    List<Decoded> decoded = toDecoded(feed(channel, "*2\r\n$100\r\n" + "x".repeat(100) + "\r\n$100\r\n"));

    assertThat(decoded).hasSize(1);
    assertThat(decoded.get(0).error()).startsWith("request too large");
  }

  @Test
  void decode_commandsBeforeTheErrorAreEmittedInOrder() {
    channel = channel(RequestLimits.defaults());

    List<Decoded> decoded = toDecoded(feed(channel,
        multibulk("SET", "a", "1") + "PING\r\n" + multibulk("GET", "a") + "*1\r\n+foo\r\n" + multibulk("GET", "b")));

    assertThat(decoded).containsExactly(
        Decoded.command("SET", "a", "1"),
        Decoded.command("PING"),
        Decoded.command("GET", "a"),
        Decoded.error("expected '$', got '+'"));
  }

  @Test
  void decode_inputAfterAnErrorIsDiscarded() {
    channel = channel(RequestLimits.defaults());

    List<Decoded> first = toDecoded(feed(channel, multibulk("PING") + "*abc\r\n" + multibulk("GET", "x")));
    assertThat(first).containsExactly(Decoded.command("PING"), Decoded.error("invalid multibulk length"));

    assertThat(feed(channel, multibulk("GET", "y"))).isEmpty();
    assertThat(feed(channel, "PING\r\n")).isEmpty();
    assertThat(feed(channel, "*1\r\n+again\r\n")).as("no second error").isEmpty();
  }

  @Test
  void decode_errorAfterPartialCommandAcrossReads() {
    channel = channel(RequestLimits.defaults());

    assertThat(feed(channel, "*2\r\n$3\r\nGET\r\n")).isEmpty();
    assertThat(toDecoded(feed(channel, ":1\r\n")))
        .containsExactly(Decoded.error("expected '$', got ':'"));
  }

  // ------------------------------------------------------------------ helpers

  /** What one decoded message says, comparable across runs; a command's frame included. */
  private record Decoded(List<String> args, String frame, String error) {
    static Decoded command(String... args) {
      return new Decoded(List.of(args), multibulk(args), null);
    }

    static Decoded error(String message) {
      return new Decoded(null, null, message);
    }
  }

  private static EmbeddedChannel channel(RequestLimits limits) {
    return new EmbeddedChannel(new RequestDecoder(limits));
  }

  /** Writes {@code text} (ISO-8859-1, one byte per char) and returns what came out. */
  private static List<Object> feed(EmbeddedChannel channel, String text) {
    return feed(channel, text.getBytes(StandardCharsets.ISO_8859_1));
  }

  /**
   * Feeds {@code bytes} and flattens the batches that come out into commands (each owning a copy of its
   * bytes) followed by the batch's protocol error, releasing the batches.
   */
  private static List<Object> feed(EmbeddedChannel channel, byte[] bytes) {
    channel.writeInbound(Unpooled.copiedBuffer(bytes));
    List<Object> out = new ArrayList<>();
    for (Object o; (o = channel.readInbound()) != null; ) {
      CommandBatch batch = (CommandBatch) o;
      try {
        for (Command c : batch.commands()) {
          out.add(c.retainedDuplicate());
        }
        if (batch.error() != null) {
          out.add(batch.error());
        }
      } finally {
        batch.release();
      }
    }
    return out;
  }

  /** Converts and releases decoded messages. */
  private static List<Decoded> toDecoded(List<Object> out) {
    List<Decoded> result = new ArrayList<>();
    try {
      for (Object o : out) {
        if (o instanceof Command c) {
          result.add(new Decoded(args(c), frameText(c), null));
        } else if (o instanceof ProtocolError e) {
          result.add(Decoded.error(e.message()));
        } else {
          throw new AssertionError("unexpected message: " + o);
        }
      }
    } finally {
      out.forEach(RequestDecoderTest::release);
    }
    return result;
  }

  /** Decodes {@code input} cut at {@code cuts}, in a fresh channel. */
  private static List<Decoded> decodeInPieces(byte[] input, int[] cuts) {
    EmbeddedChannel ch = channel(RequestLimits.defaults());
    List<Object> out = new ArrayList<>();
    int from = 0;
    for (int cut : cuts) {
      out.addAll(feed(ch, Arrays.copyOfRange(input, from, cut)));
      from = cut;
    }
    out.addAll(feed(ch, Arrays.copyOfRange(input, from, input.length)));
    List<Decoded> decoded = toDecoded(out);
    drain(ch);
    assertThat(ch.finish()).isFalse();
    return decoded;
  }

  /** Multibulk commands of several shapes, inline commands and ignored frames. */
  private static byte[] mixedPipeline() {
    ByteArrayOutputStream b = new ByteArrayOutputStream();
    write(b, multibulk("SET", "key", "value"));
    write(b, "*0\r\n");
    write(b, multibulk("SET", "", "\r\n$3\r\n*1\r\n"));
    write(b, "PING\r\n");
    write(b, "*-1\r\n");
    write(b, "SET \"a b\" 'c d' \"\\x41\\n\"\n");
    write(b, multibulk("ECHO", "x".repeat(40)));
    write(b, "\r\n");
    write(b, multibulk("MSET", "k1", "v1", "k2", "v2", "k3", "v3", "k4", "v4", "k5", "v5", "k6", "v6",
        "k7", "v7", "k8", "v8", "k9", "v9"));
    write(b, "ECHO 'it\\'s'\r\n");
    write(b, multibulk("GET", "k"));
    write(b, "QUIT\n");
    return b.toByteArray();
  }

  private static void write(ByteArrayOutputStream b, String s) {
    b.writeBytes(s.getBytes(StandardCharsets.ISO_8859_1));
  }

  static String multibulk(String... args) {
    StringBuilder sb = new StringBuilder("*").append(args.length).append("\r\n");
    for (String a : args) {
      sb.append('$').append(a.getBytes(StandardCharsets.ISO_8859_1).length).append("\r\n").append(a).append("\r\n");
    }
    return sb.toString();
  }

  private static List<String> args(Command command) {
    List<String> args = new ArrayList<>();
    for (int i = 0; i < command.argc(); i++) {
      args.add(new String(command.arg(i), StandardCharsets.ISO_8859_1));
    }
    return args;
  }

  private static String frameText(Command command) {
    ByteBuf frame = command.buffer();
    return new String(ByteBufUtil.getBytes(frame, command.start(), command.length()), StandardCharsets.ISO_8859_1);
  }

  private static byte[] bytes(String s) {
    return s.getBytes(StandardCharsets.ISO_8859_1);
  }

  private static void release(Object o) {
    if (o instanceof Command c) {
      c.release();
    } else if (o instanceof CommandBatch b) {
      b.release();
    } else {
      ReferenceCountUtil.release(o);
    }
  }

  private static void drain(EmbeddedChannel ch) {
    for (Object o; (o = ch.readInbound()) != null; ) {
      release(o);
    }
    for (Object o; (o = ch.readOutbound()) != null; ) {
      release(o);
    }
  }
}
