package io.compactor.compaction.bucket;

import static org.assertj.core.api.Assertions.assertThat;

import io.compactor.compaction.Rewrite;
import io.compactor.config.RuleConfig;
import io.compactor.resp.Command;
import io.netty.buffer.ByteBufAllocator;
import io.netty.buffer.UnpooledByteBufAllocator;
import java.util.List;
import org.junit.jupiter.api.Test;

class BucketCompactorTest {
  private static final ByteBufAllocator ALLOC = new UnpooledByteBufAllocator(false);
  private final BucketCompactor compactor = new BucketCompactor(List.of(RuleConfig.bucket("media", "media:*")));

  private Rewrite rewrite(String... args) {
    Command c = Command.of(ALLOC, args);
    try {
      Rewrite r = compactor.rewrite(c, ALLOC);
      if (r != null && r.command() != null) {
        r.command().release();
      }
      return r;
    } finally {
      c.release();
    }
  }

  /** The script operation a rewrite calls (ARGV[1]), or the command it sends when that is not EVALSHA. */
  private String sent(String... args) {
    Command c = Command.of(ALLOC, args);
    try {
      Rewrite r = compactor.rewrite(c, ALLOC);
      assertThat(r).as(String.join(" ", args)).isNotNull();
      assertThat(r.isRefusal()).as(r.error()).isFalse();
      Command out = r.command();
      try {
        if (!out.argString(0).equals("EVALSHA")) {
          return out.argString(0);
        }
        int numKeys = Integer.parseInt(out.argString(2));
        return out.argString(3 + numKeys);
      } finally {
        out.release();
      }
    } finally {
      c.release();
    }
  }

  @Test
  void rewrite_unmatchedKeysAreForwarded() {
    assertThat(rewrite("GET", "user:1")).isNull();
    assertThat(rewrite("LPUSH", "list", "x")).isNull();
    assertThat(rewrite("PING")).isNull();
  }

  @Test
  void rewrite_picksTheScriptOperation() {
    assertThat(sent("GET", "media:1")).isEqualTo("get");
    assertThat(sent("SET", "media:1", "v")).as("fits the listpack; legacy reads on").isEqualTo("sl");
    assertThat(sent("SET", "media:1", "v".repeat(65))).as("longer than the listpack limit").isEqualTo("set");
    assertThat(sent("SET", "media:1", "v", "EX", "60")).isEqualTo("setpx");
    assertThat(sent("SET", "media:1", "v", "EX", "060")).isEqualTo("x"); // Redis parses what is unusual
    assertThat(sent("SET", "media:1", "v", "NX")).isEqualTo("x");
    assertThat(sent("INCR", "media:1")).isEqualTo("xi");
    assertThat(sent("MGET", "media:1", "user:1")).isEqualTo("mget");
    assertThat(sent("DEL", "user:1", "media:1")).isEqualTo("del");
    assertThat(sent("SCAN", "0", "MATCH", "m*")).isEqualTo("scan");
    assertThat(sent("DBSIZE")).isEqualTo("dbsize");
    assertThat(sent("RENAME", "media:1", "user:1")).isEqualTo("move");
    assertThat(sent("WATCH", "media:1")).isEqualTo("WATCH");
  }

  @Test
  void rewrite_arityErrorsAreLeftToRedis() {
    assertThat(rewrite("GET", "media:1", "extra")).isNull();
    assertThat(rewrite("SET", "media:1")).isNull();
    assertThat(rewrite("MSET", "media:1", "a", "media:2")).isNull();
    assertThat(rewrite("SCAN", "0", "COUNT")).isNull();
  }

  @Test
  void rewrite_refusesWhatABucketCannotKeep() {
    assertThat(rewrite("LPUSH", "media:1", "x").error()).startsWith("-ERR 'LPUSH' can't be used on key 'media:1'");
    assertThat(rewrite("EVAL", "return 1", "1", "media:1").error()).startsWith("-ERR EVAL can't name key 'media:1'");
    assertThat(rewrite("EVAL", "return 1", "0", "media:1")).isNull(); // an argument, not a key
    assertThat(rewrite("GET", "__rc:b:{media:n0}").error()).contains("reserved namespace");
    assertThat(rewrite("BITFIELD", "media:1", "GET", "i64", "0").error()).contains("wider than 53 bits");
    assertThat(rewrite("BITFIELD", "media:1", "GET", "u8", "0").isRefusal()).isFalse();
    assertThat(rewrite("COPY", "media:1", "media:2", "DB", "1").error()).startsWith("-ERR COPY ... DB");
    assertThat(rewrite("NOSUCHCOMMAND", "media:1").error()).contains("'NOSUCHCOMMAND' names 'media:1'");
  }

  @Test
  void flushesScripts_onlyScriptFlush() {
    Command flush = Command.of(ALLOC, "script", "flush", "async");
    Command load = Command.of(ALLOC, "SCRIPT", "LOAD", "x");
    try {
      assertThat(BucketCompactor.flushesScripts(flush)).isTrue();
      assertThat(BucketCompactor.flushesScripts(load)).isFalse();
    } finally {
      flush.release();
      load.release();
    }
  }
}
