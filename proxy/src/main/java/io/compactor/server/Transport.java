package io.compactor.server;

import io.netty.channel.Channel;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.IoHandlerFactory;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.ServerChannel;
import io.netty.channel.epoll.Epoll;
import io.netty.channel.epoll.EpollIoHandler;
import io.netty.channel.epoll.EpollServerSocketChannel;
import io.netty.channel.epoll.EpollSocketChannel;
import io.netty.channel.nio.NioIoHandler;
import io.netty.channel.socket.nio.NioServerSocketChannel;
import io.netty.channel.socket.nio.NioSocketChannel;
import io.netty.channel.uring.IoUring;
import io.netty.channel.uring.IoUringIoHandler;
import io.netty.channel.uring.IoUringServerSocketChannel;
import io.netty.channel.uring.IoUringSocketChannel;
import io.netty.util.concurrent.DefaultThreadFactory;

/**
 * The Netty transport the proxy's event loops and sockets use, chosen by {@code server.transport}.
 * {@code auto} takes io_uring where the kernel allows it (Linux 5.10+, not disabled by
 * {@code kernel.io_uring_disabled} or a container's seccomp profile), else epoll, else NIO. io_uring
 * submits a loop iteration's socket reads and writes with one system call, which is most of what a
 * proxy hop costs (measured in loadtest/README.md).
 *
 * @param name {@code io_uring}, {@code epoll} or {@code nio}
 */
public record Transport(String name, IoHandlerFactory handlers, Class<? extends ServerChannel> serverChannel,
    Class<? extends Channel> socketChannel) {

  /**
   * The transport {@code setting} asks for ({@code auto}, {@code io_uring}, {@code epoll}, {@code nio}).
   *
   * @throws IllegalStateException when an explicitly requested native transport is not available here
   */
  public static Transport select(String setting) {
    return switch (setting) {
      case "auto" -> candidates(setting).get(0);
      case "io_uring" -> {
        if (!IoUring.isAvailable()) {
          throw new IllegalStateException("server.transport: io_uring is not available here ("
              + IoUring.unavailabilityCause() + "); use auto, epoll or nio");
        }
        yield ioUring();
      }
      case "epoll" -> {
        if (!Epoll.isAvailable()) {
          throw new IllegalStateException("server.transport: epoll is not available here ("
              + Epoll.unavailabilityCause() + "); use auto or nio");
        }
        yield epoll();
      }
      case "nio" -> nio();
      default -> throw new IllegalArgumentException("server.transport: '" + setting + "'");
    };
  }

  /** The proxy's event loops: one accepting thread and the I/O threads, on {@code transport}. */
  public record Loops(Transport transport, EventLoopGroup boss, EventLoopGroup workers) {}

  /**
   * Starts the event loops {@code setting} asks for. With {@code auto}, a transport whose loops fail to
   * start (an io_uring ring refused by a memory-lock limit after the availability probe passed) gives
   * way to the next one, with a warning; a named transport that fails is an error.
   */
  public static Loops start(String setting, int threads) {
    RuntimeException failure = null;
    for (Transport t : candidates(setting)) {
      EventLoopGroup boss = null;
      try {
        boss = t.group(1, "compactor-accept");
        return new Loops(t, boss, t.group(threads, "compactor-io"));
      } catch (RuntimeException | LinkageError e) {
        if (boss != null) {
          boss.shutdownGracefully(0, 0, java.util.concurrent.TimeUnit.SECONDS);
        }
        IllegalStateException wrapped = new IllegalStateException(
            "server.transport: " + t.name() + " failed to start (" + e + ")", e);
        if (failure == null) {
          failure = wrapped;
        } else {
          failure.addSuppressed(wrapped);
        }
        org.slf4j.LoggerFactory.getLogger(Transport.class).warn("{}", wrapped.getMessage());
      }
    }
    throw failure;
  }

  /** What {@code setting} may run on, in order of preference: for {@code auto} every available one. */
  private static java.util.List<Transport> candidates(String setting) {
    if (!setting.equals("auto")) {
      return java.util.List.of(select(setting));
    }
    java.util.List<Transport> out = new java.util.ArrayList<>();
    if (IoUring.isAvailable()) {
      out.add(ioUring());
    }
    if (Epoll.isAvailable()) {
      out.add(epoll());
    }
    out.add(nio());
    return out;
  }

  /** An event-loop group of {@code threads} threads named {@code name-N}. */
  public EventLoopGroup group(int threads, String threadName) {
    return new MultiThreadIoEventLoopGroup(threads, new DefaultThreadFactory(threadName), handlers);
  }

  private static Transport ioUring() {
    return new Transport("io_uring", IoUringIoHandler.newFactory(), IoUringServerSocketChannel.class,
        IoUringSocketChannel.class);
  }

  private static Transport epoll() {
    return new Transport("epoll", EpollIoHandler.newFactory(), EpollServerSocketChannel.class, EpollSocketChannel.class);
  }

  private static Transport nio() {
    return new Transport("nio", NioIoHandler.newFactory(), NioServerSocketChannel.class, NioSocketChannel.class);
  }
}
