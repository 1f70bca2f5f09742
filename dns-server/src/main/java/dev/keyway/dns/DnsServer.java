package dev.keyway.dns;

import dev.keyway.dns.answer.ZoneAnswerer;
import dev.keyway.dns.tcp.TcpFrontEnd;
import dev.keyway.dns.udp.RrlSettings;
import dev.keyway.dns.udp.UdpFrontEnd;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.Objects;
import java.util.function.LongSupplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * DNS over UDP and TCP on one address and port, both answering with the same
 * {@link ZoneAnswerer}. {@link #start} returns once both are bound; {@link #close} stops both.
 */
public final class DnsServer {
  private static final Logger LOG = LoggerFactory.getLogger(DnsServer.class);
  private static final int PORT_ATTEMPTS = 8;

  private final UdpFrontEnd udp;
  private final TcpFrontEnd tcp;

  private DnsServer(UdpFrontEnd udp, TcpFrontEnd tcp) {
    this.udp = udp;
    this.tcp = tcp;
  }

  /**
   * Transport settings of the DNS listeners.
   *
   * @param bind address and port for UDP and TCP (port 0: any free port that is free for both)
   * @param tcpIdleTimeout a TCP connection with no traffic for this long is closed
   * @param tcpMaxConnections TCP connections open at once; more are closed on accept
   * @param rrl UDP response rate limiting
   */
  public record Listen(InetSocketAddress bind, Duration tcpIdleTimeout, int tcpMaxConnections,
      RrlSettings rrl) {
    /** RFC 7766 §6.2.3 suggests seconds; Knot's default is 10 s. */
    public static final Duration DEFAULT_TCP_IDLE = Duration.ofSeconds(10);
    /** Guess: plenty for one host, small enough to bound memory. */
    public static final int DEFAULT_TCP_MAX_CONNECTIONS = 1024;

    public Listen {
      Objects.requireNonNull(bind, "bind");
      Objects.requireNonNull(tcpIdleTimeout, "tcpIdleTimeout");
      Objects.requireNonNull(rrl, "rrl");
      if (tcpIdleTimeout.isNegative() || tcpIdleTimeout.isZero()) {
        throw new IllegalArgumentException("tcp_idle_timeout must be positive");
      }
      if (tcpMaxConnections < 1) {
        throw new IllegalArgumentException("tcp_max_connections must be at least 1");
      }
    }
  }

  /** Binds UDP, then TCP on the same port, and serves both. */
  public static Future<DnsServer> start(Vertx vertx, Listen listen, ZoneAnswerer answerer,
      DnsMetrics metrics, LongSupplier nanoClock) {
    return attempt(vertx, listen, answerer, metrics, nanoClock, 1);
  }

  private static Future<DnsServer> attempt(Vertx vertx, Listen listen, ZoneAnswerer answerer,
      DnsMetrics metrics, LongSupplier nanoClock, int attempt) {
    return UdpFrontEnd.bind(vertx, listen.bind(), answerer, metrics, listen.rrl(), nanoClock)
        .recover(e -> Future.failedFuture(cannotListen(listen.bind(), "udp", e)))
        .compose(udp -> {
          InetSocketAddress tcpAddress =
              new InetSocketAddress(listen.bind().getAddress(), udp.localAddress().getPort());
          return TcpFrontEnd.bind(vertx, tcpAddress, answerer, metrics, listen.tcpIdleTimeout(),
                  listen.tcpMaxConnections(), nanoClock)
              .recover(e -> Future.failedFuture(cannotListen(tcpAddress, "tcp", e)))
              .map(tcp -> new DnsServer(udp, tcp))
              .recover(e -> udp.close().transform(ignored -> {
                // With an ephemeral UDP port the same TCP port may be taken: try another pair.
                if (listen.bind().getPort() == 0 && attempt < PORT_ATTEMPTS) {
                  return attempt(vertx, listen, answerer, metrics, nanoClock, attempt + 1);
                }
                return Future.failedFuture(e);
              }));
        })
        .onSuccess(s -> LOG.info("DNS listening on {}:{} (UDP and TCP)",
            s.udpAddress().getAddress().getHostAddress(), s.udpAddress().getPort()));
  }

  /** "cannot listen on ADDR:PORT/udp: why", with the usual remedy for a privileged port. */
  private static java.io.IOException cannotListen(InetSocketAddress at, String protocol, Throwable e) {
    String host = at.getAddress().getHostAddress();
    String why = e.getMessage() == null ? e.getClass().getSimpleName() : e.getMessage();
    boolean privileged = at.getPort() > 0 && at.getPort() < 1024
        && why.toLowerCase(java.util.Locale.ROOT).contains("permission denied");
    return new java.io.IOException("cannot listen on " + (host.indexOf(':') >= 0 ? "[" + host + "]" : host)
        + ":" + at.getPort() + "/" + protocol + ": " + why
        + (privileged ? " (ports below 1024 need root or CAP_NET_BIND_SERVICE)" : ""), e);
  }

  /** The UDP address; TCP listens on the same address and port. */
  public InetSocketAddress udpAddress() {
    return udp.localAddress();
  }

  /** The port of both listeners. */
  public int port() {
    return udp.localAddress().getPort();
  }

  /** Closes both listeners. */
  public Future<Void> close() {
    return Future.join(udp.close(), tcp.close()).mapEmpty();
  }
}
