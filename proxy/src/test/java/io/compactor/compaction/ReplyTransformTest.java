package io.compactor.compaction;

import static org.assertj.core.api.Assertions.assertThat;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
import io.netty.buffer.Unpooled;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import org.junit.jupiter.api.Test;

class ReplyTransformTest {
  private static final ByteBufAllocator ALLOC = ByteBufAllocator.DEFAULT;

  private static String apply(ReplyTransform t, String frame) {
    ByteBuf in = Unpooled.copiedBuffer(frame, StandardCharsets.ISO_8859_1);
    ByteBuf out = t.apply(in, ALLOC);
    try {
      return out.toString(StandardCharsets.ISO_8859_1);
    } finally {
      out.release();
      in.release();
    }
  }

  @Test
  void bulkToInteger_digitsBecomeAnInteger() {
    assertThat(apply(ReplyTransform.BULK_TO_INTEGER, "$19\r\n9223372036854775807\r\n"))
        .isEqualTo(":9223372036854775807\r\n");
    assertThat(apply(ReplyTransform.BULK_TO_INTEGER, "$2\r\n-1\r\n")).isEqualTo(":-1\r\n");
  }

  @Test
  void bulkToInteger_errorsPassUnchanged() {
    String error = "-ERR value is not an integer or out of range\r\n";
    assertThat(apply(ReplyTransform.BULK_TO_INTEGER, error)).isEqualTo(error);
    assertThat(apply(ReplyTransform.BULK_TO_INTEGER, "+QUEUED\r\n")).isEqualTo("+QUEUED\r\n");
  }

  @Test
  void exec_transformsOnlyTheMarkedElements() {
    ReplyTransform exec = ReplyTransform.exec(Arrays.asList(null, ReplyTransform.BULK_TO_INTEGER, null,
        ReplyTransform.BULK_TO_INTEGER));
    String reply = "*4\r\n+OK\r\n$2\r\n42\r\n*2\r\n$1\r\na\r\n$-1\r\n-ERR bad\r\n";
    assertThat(apply(exec, reply)).isEqualTo("*4\r\n+OK\r\n:42\r\n*2\r\n$1\r\na\r\n$-1\r\n-ERR bad\r\n");
  }

  @Test
  void exec_abortedOrFailedTransactionsPassUnchanged() {
    ReplyTransform exec = ReplyTransform.exec(Arrays.asList(ReplyTransform.BULK_TO_INTEGER));
    assertThat(apply(exec, "*-1\r\n")).isEqualTo("*-1\r\n");
    assertThat(apply(exec, "_\r\n")).isEqualTo("_\r\n");
    String abort = "-EXECABORT Transaction discarded because of previous errors.\r\n";
    assertThat(apply(exec, abort)).isEqualTo(abort);
  }

  private static final ReplyTransform SET = ReplyTransform.transaction("+OK");

  @Test
  void transaction_allQueuedAndExecuted_isTheClientsReply() {
    assertThat(apply(SET, "+OK\r\n+QUEUED\r\n+QUEUED\r\n+QUEUED\r\n*3\r\n:1\r\n:0\r\n:0\r\n")).isEqualTo("+OK\r\n");
    assertThat(apply(SET, "+OK\r\n+QUEUED\r\n*1\r\n:0\r\n")).isEqualTo("+OK\r\n");
  }

  @Test
  void transaction_commandRefusedWhileQueueing_givesThatError() {
    String oom = "-OOM command not allowed when used memory > 'maxmemory'.\r\n";
    assertThat(apply(SET, "+OK\r\n" + oom + "+QUEUED\r\n+QUEUED\r\n"
        + "-EXECABORT Transaction discarded because of previous errors.\r\n")).isEqualTo(oom);
  }

  @Test
  void transaction_execRefusedOnItsOwn_givesTheCause() {
    // EXEC refused after the commands were queued (the memory limit reached meanwhile, a busy script)
    assertThat(apply(SET, "+OK\r\n+QUEUED\r\n+QUEUED\r\n+QUEUED\r\n-EXECABORT Transaction discarded because of: "
        + "OOM command not allowed when used memory > 'maxmemory'.\r\n"))
        .isEqualTo("-OOM command not allowed when used memory > 'maxmemory'.\r\n");
    assertThat(apply(SET, "+OK\r\n+QUEUED\r\n-EXECABORT Transaction discarded because of: BUSY Redis is busy\r\n"))
        .isEqualTo("-BUSY Redis is busy\r\n");
  }

  @Test
  void transaction_errorInsideExecsArray_isTheClientsReply() {
    String wrongType = "-WRONGTYPE Operation against a key holding the wrong kind of value\r\n";
    assertThat(apply(SET, "+OK\r\n+QUEUED\r\n+QUEUED\r\n+QUEUED\r\n*3\r\n" + wrongType + ":0\r\n:0\r\n"))
        .isEqualTo(wrongType);
    assertThat(apply(SET, "+OK\r\n+QUEUED\r\n+QUEUED\r\n*2\r\n:1\r\n!5\r\nERR x\r\n")).isEqualTo("!5\r\nERR x\r\n");
    // as many elements as commands queued, or the reply is not understood
    assertThat(apply(SET, "+OK\r\n+QUEUED\r\n*2\r\n:1\r\n$1\r\na\r\n")).startsWith("-ERR redis-compactor: unreadable");
  }

  @Test
  void transaction_multiRefused_theFirstCommandsReplyDecides() {
    // the commands behind a refused MULTI ran on their own: the SET happened, or failed with its own error
    String noperm = "-NOPERM this user has no permissions to run the 'multi' command\r\n";
    assertThat(apply(SET, noperm + ":1\r\n:0\r\n:0\r\n-ERR EXEC without MULTI\r\n")).isEqualTo("+OK\r\n");
    String hsetRefused = "-NOPERM this user has no permissions to run the 'hset' command\r\n";
    assertThat(apply(SET, noperm + hsetRefused + ":0\r\n:0\r\n-ERR EXEC without MULTI\r\n")).isEqualTo(hsetRefused);
  }

  @Test
  void transaction_cutShort_isAnErrorNotOk() {
    assertThat(apply(SET, "+OK\r\n+QUEUED\r\n$5\r\nab")).startsWith("-ERR redis-compactor: unreadable");
    assertThat(apply(SET, "+OK\r\n+QUEUED\r\n*2\r\n$1\r\na\r\n$3\r\nab")).startsWith("-ERR redis-compactor: unreadable");
  }

  @Test
  void transaction_nullExec_isAnErrorNotANull() {
    assertThat(apply(SET, "+OK\r\n+QUEUED\r\n*-1\r\n")).startsWith("-ERR redis-compactor:");
    assertThat(apply(SET, "+OK\r\n+QUEUED\r\n_\r\n")).startsWith("-ERR redis-compactor:");
  }

  /** Three client SETs as one transaction of three commands each (HSET, DEL, PERSIST). */
  private static final ReplyTransform SETS = ReplyTransform.transactions("+OK", 3, 3);
  private static final String QUEUED9 = "+QUEUED\r\n".repeat(9);

  @Test
  void transactions_allExecuted_anOkForEachCommand() {
    assertThat(apply(SETS, "+OK\r\n" + QUEUED9 + "*9\r\n" + ":1\r\n:0\r\n:0\r\n".repeat(3)))
        .isEqualTo("+OK\r\n+OK\r\n+OK\r\n");
  }

  @Test
  void transactions_anErrorInsideExec_isOnlyThatCommandsReply() {
    String wrongType = "-WRONGTYPE Operation against a key holding the wrong kind of value\r\n";
    assertThat(apply(SETS, "+OK\r\n" + QUEUED9 + "*9\r\n:1\r\n:0\r\n:0\r\n" + wrongType + ":0\r\n:0\r\n"
        + ":0\r\n:0\r\n:0\r\n")).isEqualTo("+OK\r\n" + wrongType + "+OK\r\n");
  }

  @Test
  void transactions_discarded_everyCommandGetsAnError() {
    String oom = "-OOM command not allowed when used memory > 'maxmemory'.\r\n";
    // the second command's HSET refused while queueing: nothing ran, all three are told why
    assertThat(apply(SETS, "+OK\r\n+QUEUED\r\n+QUEUED\r\n+QUEUED\r\n" + oom + "+QUEUED\r\n+QUEUED\r\n"
        + "+QUEUED\r\n+QUEUED\r\n+QUEUED\r\n-EXECABORT Transaction discarded because of previous errors.\r\n"))
        .isEqualTo(oom.repeat(3));
    assertThat(apply(SETS, "+OK\r\n" + QUEUED9 + "-EXECABORT Transaction discarded because of: BUSY Redis is busy\r\n"))
        .isEqualTo("-BUSY Redis is busy\r\n".repeat(3));
    assertThat(apply(SETS, "+OK\r\n" + QUEUED9 + "*-1\r\n")).startsWith("-ERR redis-compactor:")
        .hasLineCount(3);
  }

  @Test
  void transactions_multiRefused_eachCommandsFirstReplyDecides() {
    String noperm = "-NOPERM this user has no permissions to run the 'multi' command\r\n";
    String hsetRefused = "-NOPERM this user has no permissions to run the 'hset' command\r\n";
    assertThat(apply(SETS, noperm + ":1\r\n:0\r\n:0\r\n" + hsetRefused + ":0\r\n:0\r\n:0\r\n:1\r\n:0\r\n"
        + "-ERR EXEC without MULTI\r\n")).isEqualTo("+OK\r\n" + hsetRefused + "+OK\r\n");
  }

  /**
   * Three SETs as one run: HSET into bucket A (SETs 0 and 2), HSET into bucket B (SET 1), one DEL for all,
   * PERSIST A, PERSIST B.
   */
  private static final ReplyTransform RUN = ReplyTransform.transactions("+OK", 0,
      new int[][] {{0, 2, 3}, {1, 2, 4}, {0, 2, 3}}, null);
  private static final String QUEUED5 = "+QUEUED\r\n".repeat(5);

  @Test
  void transactions_sharedCommands_eachClientCommandAnswersFromItsOwn() {
    String wrongType = "-WRONGTYPE Operation against a key holding the wrong kind of value\r\n";
    assertThat(apply(RUN, "+OK\r\n" + QUEUED5 + "*5\r\n:2\r\n:1\r\n:0\r\n:0\r\n:0\r\n"))
        .isEqualTo("+OK\r\n".repeat(3));
    // bucket A is not a hash: its two SETs fail, B's does not
    assertThat(apply(RUN, "+OK\r\n" + QUEUED5 + "*5\r\n" + wrongType + ":1\r\n:0\r\n:0\r\n:0\r\n"))
        .isEqualTo(wrongType + "+OK\r\n" + wrongType);
    // the shared DEL failing fails all three
    String noperm = "-NOPERM No permissions to access a key\r\n";
    assertThat(apply(RUN, "+OK\r\n" + QUEUED5 + "*5\r\n:2\r\n:1\r\n" + noperm + ":0\r\n:0\r\n"))
        .isEqualTo(noperm.repeat(3));
    // B's HSET refused while queueing: nothing ran; B's SET gets its own error, the others the cause
    String oom = "-OOM command not allowed when used memory > 'maxmemory'.\r\n";
    assertThat(apply(RUN, "+OK\r\n+QUEUED\r\n" + oom + "+QUEUED\r\n+QUEUED\r\n+QUEUED\r\n"
        + "-EXECABORT Transaction discarded because of previous errors.\r\n")).isEqualTo(oom.repeat(3));
    // miscounted (five commands expected; with an error, so the replies are read one by one)
    assertThat(apply(RUN, "+OK\r\n" + QUEUED9 + "*9\r\n-ERR x\r\n" + ":0\r\n".repeat(8)))
        .isEqualTo(ReplyTransform.UNREADABLE.repeat(3));
  }

  @Test
  void transactions_cutShortOrMiscounted_isAnErrorForEach() {
    assertThat(apply(SETS, "+OK\r\n" + QUEUED9 + "*9\r\n:1\r\n$3\r\nab")).isEqualTo(ReplyTransform.UNREADABLE.repeat(3));
    assertThat(apply(SETS, "+OK\r\n+QUEUED\r\n*1\r\n:1\r\n-ERR x\r\n")).isEqualTo(ReplyTransform.UNREADABLE.repeat(3));
  }
}
