package io.compactor.resp;

import io.netty.buffer.ByteBuf;
import java.util.List;

/**
 * The commands decoded from one read, in order, and the bytes they point into. Consecutive commands are
 * adjacent in {@link #bytes()}, so a run of them can be forwarded as one slice. The receiver must
 * {@link #release()} the batch when done; commands it keeps must be {@link Command#retainedDuplicate()
 * duplicated} first.
 *
 * @param bytes the client's bytes covering every multibulk command of the batch (owned by the batch)
 * @param commands the commands, in the order the client sent them
 * @param error a protocol error that followed the commands, or null
 */
public record CommandBatch(ByteBuf bytes, List<Command> commands, ProtocolError error) {
  /** Releases the batch's bytes and any command that owns its own. */
  public void release() {
    for (Command c : commands) {
      c.release();
    }
    if (bytes != null) {
      bytes.release();
    }
  }
}
