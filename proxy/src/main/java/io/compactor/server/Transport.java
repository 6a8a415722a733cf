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
      case "auto" -> IoUring.isAvailable() ? ioUring() : Epoll.isAvailable() ? epoll() : nio();
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
