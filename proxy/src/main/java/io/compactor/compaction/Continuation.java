package io.compactor.compaction;

import io.compactor.resp.Command;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;

/**
 * What a reply from Redis leads to when one logical command may take more than one round trip: the
 * client's reply, or another command to send (whose reply is then handled by {@link Step#then}). The
 * session holds the client's later commands until the chain ends, so replies stay in order.
 */
@FunctionalInterface
public interface Continuation {
  /** The step after {@code frame} (one complete RESP reply, not released by this method). */
  Step next(ByteBuf frame, ByteBufAllocator alloc);

  /**
   * Either {@code reply} (the client's reply, owned by the caller from now on) or {@code command} to send
   * (owned), whose reply goes to {@code then}, or to the client as it is when {@code then} is null.
   */
  record Step(ByteBuf reply, Command command, Continuation then) {
    public static Step reply(ByteBuf reply) {
      return new Step(reply, null, null);
    }

    public static Step send(Command command, Continuation then) {
      return new Step(null, command, then);
    }
  }
}
