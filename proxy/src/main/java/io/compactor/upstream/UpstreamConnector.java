package io.compactor.upstream;

import io.compactor.config.RedisUri;
import io.compactor.config.UpstreamConfig;
import io.compactor.resp.Command;
import io.netty.bootstrap.Bootstrap;
import io.netty.buffer.ByteBufAllocator;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFuture;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelPromise;
import io.netty.channel.ChannelHandler;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.ChannelOption;
import io.netty.channel.EventLoop;
import io.netty.channel.WriteBufferWaterMark;
import io.netty.handler.ssl.SslContext;
import io.netty.handler.ssl.SslContextBuilder;
import io.netty.handler.ssl.SslHandler;
import javax.net.ssl.SSLParameters;
import java.io.File;
import java.util.ArrayList;
import java.util.List;
import javax.net.ssl.SSLException;

/**
 * Opens connections to the upstream Redis: TCP (or TLS for {@code rediss://}) on the caller's event
 * loop, so a client and its upstream connection never cross threads, and the commands that log the
 * connection in ({@code AUTH}, {@code SELECT}) before client traffic flows.
 */
public final class UpstreamConnector {
  private final RedisUri uri;
  private final Bootstrap template;
  private final SslContext ssl;
  private final List<byte[]> scripts;

  /**
   * Creates a connector.
   *
   * @param config where to connect; its uri must be set
   * @param channelClass the socket channel type matching the event loops that will call
   *     {@link #connect}
   */
  public UpstreamConnector(UpstreamConfig config, Class<? extends Channel> channelClass) {
    this(config, channelClass, List.of());
  }

  /**
   * Creates a connector whose connections also load {@code scripts} (SCRIPT LOAD) when they are made
   * or RESET, so EVALSHA finds them after a restart or failover of Redis.
   */
  public UpstreamConnector(UpstreamConfig config, Class<? extends Channel> channelClass, List<byte[]> scripts) {
    this.scripts = List.copyOf(scripts);
    this.uri = config.uri();
    this.template = new Bootstrap()
        .channel(channelClass)
        .option(ChannelOption.TCP_NODELAY, true)
        .option(ChannelOption.SO_KEEPALIVE, true)
        .option(ChannelOption.CONNECT_TIMEOUT_MILLIS, (int) config.connectTimeout().toMillis())
        .option(ChannelOption.WRITE_BUFFER_WATER_MARK, new WriteBufferWaterMark(64 * 1024, 256 * 1024));
    if (uri.tls()) {
      try {
        SslContextBuilder b = SslContextBuilder.forClient();
        if (config.tlsCaFile() != null) {
          b.trustManager(config.tlsCaFile().toFile());
        }
        this.ssl = b.build();
      } catch (SSLException | IllegalArgumentException e) {
        throw new IllegalArgumentException("upstream.tls-ca-file: " + fileName(config) + " (" + e.getMessage() + ")", e);
      }
    } else {
      this.ssl = null;
    }
  }

  private static String fileName(UpstreamConfig config) {
    File f = config.tlsCaFile() == null ? null : config.tlsCaFile().toFile();
    return f == null ? "JVM trust store" : f.getPath();
  }

  /** The upstream, without its password, for logs and error replies. */
  public String describe() {
    return uri.address().toString();
  }

  /** The error line (without CRLF) for a client the proxy cannot serve because the upstream cannot be reached. */
  public String unavailableError(Throwable cause) {
    String reason = cause == null ? "unknown" : String.valueOf(cause.getMessage());
    return "-ERR upstream " + describe() + " unavailable (" + oneLine(reason) + ")";
  }

  /** The error line (without CRLF) for each reply still owed when the upstream connection closes. */
  public String closedError() {
    return "-ERR upstream " + describe() + " closed the connection";
  }

  /** The error line (without CRLF) when the upstream refuses the proxy's AUTH or SELECT; {@code reply} is Redis's error. */
  public String loginRefusedError(String reply) {
    String text = reply.trim();
    return "-ERR upstream " + describe() + " refused the proxy's login: "
        + oneLine(text.startsWith("-") ? text.substring(1) : text);
  }

  /** {@code s} on one line, safe inside a RESP simple error. */
  public static String oneLine(String s) {
    return s.replace('\r', ' ').replace('\n', ' ');
  }

  /**
   * Connects on {@code loop}; {@code handler} is the last handler of the new channel's pipeline, after
   * TLS when configured. The returned future's channel is available at once (to close it early); the
   * future completes when the connection is usable: TCP connected and, for TLS, the handshake done with
   * the server's certificate checked against the host name.
   */
  public ChannelFuture connect(EventLoop loop, ChannelHandler handler) {
    Bootstrap b = template.clone(loop);
    b.handler(new ChannelInitializer<Channel>() {
      @Override
      protected void initChannel(Channel ch) {
        if (ssl != null) {
          SslHandler tls = ssl.newHandler(ch.alloc(), uri.address().host(), uri.address().port());
          SSLParameters params = tls.engine().getSSLParameters();
          params.setEndpointIdentificationAlgorithm("HTTPS"); // verify the certificate names this host
          tls.engine().setSSLParameters(params);
          ch.pipeline().addLast(tls);
        }
        ch.pipeline().addLast(handler);
      }
    });
    ChannelFuture connected = b.connect(uri.address().host(), uri.address().port());
    if (ssl == null) {
      return connected;
    }
    ChannelPromise ready = connected.channel().newPromise();
    connected.addListener((ChannelFutureListener) f -> {
      if (!f.isSuccess()) {
        ready.tryFailure(f.cause());
        return;
      }
      SslHandler tls = f.channel().pipeline().get(SslHandler.class);
      tls.handshakeFuture().addListener(h -> {
        if (h.isSuccess()) {
          ready.trySuccess();
        } else {
          ready.tryFailure(new SSLException("TLS handshake with " + describe() + " failed: "
              + rootMessage(h.cause()), h.cause()));
          f.channel().close();
        }
      });
    });
    return ready;
  }

  private static String rootMessage(Throwable t) {
    Throwable root = t;
    while (root.getCause() != null && root.getCause() != root) {
      root = root.getCause();
    }
    return String.valueOf(root.getMessage());
  }

  /**
   * The commands that prepare a fresh (or RESET) upstream connection: AUTH with the configured
   * credentials, SELECT of the configured database and SCRIPT LOAD of the proxy's scripts. Empty when none
   * of them is configured.
   */
  public List<Command> handshake(ByteBufAllocator alloc) {
    List<Command> out = new ArrayList<>(2 + scripts.size());
    if (uri.password() != null) {
      out.add(uri.user() == null
          ? Command.of(alloc, "AUTH", uri.password())
          : Command.of(alloc, "AUTH", uri.user(), uri.password()));
    }
    if (uri.db() != 0) {
      out.add(Command.of(alloc, "SELECT", Integer.toString(uri.db())));
    }
    out.addAll(scriptLoads(alloc));
    return out;
  }

  /** SCRIPT LOAD of each of the proxy's scripts, as the handshake sends them (empty when there are none). */
  public List<Command> scriptLoads(ByteBufAllocator alloc) {
    List<Command> out = new ArrayList<>(scripts.size());
    for (byte[] body : scripts) {
      out.add(Command.of(alloc, new byte[][] {SCRIPT, LOAD, body}));
    }
    return out;
  }

  private static final byte[] SCRIPT = "SCRIPT".getBytes(java.nio.charset.StandardCharsets.US_ASCII);
  private static final byte[] LOAD = "LOAD".getBytes(java.nio.charset.StandardCharsets.US_ASCII);

  /** Whether {@link #handshake} returns any command. */
  public boolean needsHandshake() {
    return uri.password() != null || uri.db() != 0 || !scripts.isEmpty();
  }
}
