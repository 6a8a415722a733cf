package io.compactor.upstream;

import io.compactor.resp.Command;
import io.compactor.resp.ReplyCumulator;
import io.compactor.resp.ReplyScanner;
import io.netty.buffer.ByteBuf;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFuture;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.EventLoop;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

/**
 * Checks that the upstream answers: a fresh connection, the proxy's login, then PING. Used by the
 * readiness endpoint.
 */
public final class UpstreamProbe {
  private final UpstreamConnector connector;
  private final EventLoop loop;

  /** Creates a probe that runs its connections on {@code loop}. */
  public UpstreamProbe(UpstreamConnector connector, EventLoop loop) {
    this.connector = connector;
    this.loop = loop;
  }

  /**
   * Probes the upstream.
   *
   * @return a future completing with null when the upstream answered PONG, or with the reason it is not
   *     ready; it never completes exceptionally
   */
  public CompletableFuture<String> check(long timeoutMillis) {
    CompletableFuture<String> result = new CompletableFuture<>();
    ChannelFuture f = connector.connect(loop, new ChannelInboundHandlerAdapter() {
      private final ReplyScanner scanner = new ReplyScanner();
      private final ReplyCumulator cumulation = new ReplyCumulator();
      private final StringBuilder last = new StringBuilder();
      private int replies;
      private int expected;

      @Override
      public void channelActive(ChannelHandlerContext ctx) {
        List<Command> commands = connector.handshake(ctx.alloc());
        for (Command c : commands) {
          ctx.write(c.takeFrame());
        }
        ctx.writeAndFlush(Command.of(ctx.alloc(), "PING").takeFrame());
        expected = commands.size() + 1;
        ctx.fireChannelActive();
      }

      @Override
      public void channelRead(ChannelHandlerContext ctx, Object msg) {
        ByteBuf buf = cumulation.append((ByteBuf) msg, ctx.alloc());
        try {
          while (buf.isReadable()) {
            int start = buf.readerIndex();
            boolean ended = scanner.advance(buf);
            if (last.length() < 200) {
              last.append(buf.toString(start, buf.readerIndex() - start, StandardCharsets.UTF_8));
            }
            if (ended) {
              String reply = last.toString().trim();
              last.setLength(0);
              if (reply.startsWith("-")) {
                result.complete("upstream " + connector.describe() + " answered " + reply);
                ctx.close();
                return;
              }
              if (++replies == expected) {
                result.complete(reply.equals("+PONG") ? null : "upstream answered " + reply + " to PING");
                ctx.close();
                return;
              }
            } else if (buf.readerIndex() == start) {
              break;
            }
          }
        } catch (IllegalStateException e) {
          result.complete("upstream sent invalid RESP: " + e.getMessage());
          ctx.close();
        } finally {
          cumulation.keepRest(buf, !result.isDone());
        }
      }

      @Override
      public void channelInactive(ChannelHandlerContext ctx) {
        cumulation.release();
        result.complete("upstream " + connector.describe() + " closed the connection");
      }

      @Override
      public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
        result.complete("upstream " + connector.describe() + ": " + cause.getMessage());
        ctx.close();
      }
    });
    f.addListener(done -> {
      if (!done.isSuccess()) {
        result.complete("upstream " + connector.describe() + " unavailable (" + done.cause().getMessage() + ")");
      }
    });
    Channel ch = f.channel();
    loop.schedule(() -> {
      if (result.complete("upstream " + connector.describe() + " did not answer within " + timeoutMillis + " ms")) {
        ch.close();
      }
    }, timeoutMillis, TimeUnit.MILLISECONDS);
    return result;
  }
}
