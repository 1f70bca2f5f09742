package dev.keyway.client.addr;

import java.util.Collection;
import java.util.List;
import java.util.Objects;

/**
 * One way to reach an endpoint: iroh's {@code TransportAddr} (a relay, an IP socket address, or a
 * custom transport address).
 *
 * <p>The natural order is the one iroh's {@code BTreeSet<TransportAddr>} uses, and hence the order
 * of addresses in tickets: every {@link Relay} before every {@link Ip} before every
 * {@link Custom}; relays by URL string, IPs as {@link SocketAddr} orders them, custom addresses as
 * {@link CustomAddr} orders them. It is consistent with {@code equals}.
 *
 * <p>{@link #value()} is the bare text form ({@code https://relay.example./},
 * {@code 1.2.3.4:5678}, {@code 1_a1b2}); the IP and custom forms are what an {@code addr=} TXT
 * value holds, and {@link #parseAddrValue} reads them back. {@code toString()} adds iroh's kind
 * prefix ({@code relay:}, {@code ip:}, {@code custom:}), for logs.
 */
public sealed interface TransportAddr extends Comparable<TransportAddr>
    permits TransportAddr.Relay, TransportAddr.Ip, TransportAddr.Custom {

  /** A relay server address. */
  record Relay(RelayUrl url) implements TransportAddr {
    public Relay {
      Objects.requireNonNull(url, "url");
    }

    @Override
    public String value() {
      return url.toString();
    }

    @Override
    public String toString() {
      return "relay:" + url;
    }
  }

  /** A direct IP address. */
  record Ip(SocketAddr addr) implements TransportAddr {
    public Ip {
      Objects.requireNonNull(addr, "addr");
    }

    @Override
    public String value() {
      return addr.toString();
    }

    @Override
    public String toString() {
      return "ip:" + addr;
    }
  }

  /** A custom transport address. */
  record Custom(CustomAddr addr) implements TransportAddr {
    public Custom {
      Objects.requireNonNull(addr, "addr");
    }

    @Override
    public String value() {
      return addr.toString();
    }

    @Override
    public String toString() {
      return "custom:" + addr;
    }
  }

  /** A relay address for this URL (parsed and normalised). */
  static TransportAddr relay(String url) {
    return new Relay(RelayUrl.parse(url));
  }

  /** An IP address from its Rust {@code SocketAddr} text. */
  static TransportAddr ip(String socketAddr) {
    return new Ip(SocketAddr.parse(socketAddr));
  }

  /**
   * Parses an {@code addr=} TXT value as iroh does: a socket address ({@code 1.2.3.4:5678},
   * {@code [2001:db8::1]:5678}), otherwise a custom address ({@code 1_a1b2c3}).
   *
   * @throws AddrFormatException if it is neither
   */
  static TransportAddr parseAddrValue(String value) {
    SocketAddr ip = IpLiterals.parseSocketAddr(value);
    if (ip != null) {
      return new Ip(ip);
    }
    if (value.indexOf('_') < 0) {
      throw new AddrFormatException("invalid address " + AddrFormatException.quote(value)
          + ": neither a socket address (1.2.3.4:5678, [2001:db8::1]:5678) nor a custom address (<id hex>_<data hex>)");
    }
    return new Custom(CustomAddr.parse(value));
  }

  /** The bare text form of the address (relay URL, socket address or custom address). */
  String value();

  @Override
  default int compareTo(TransportAddr other) {
    int c = Integer.compare(rank(this), rank(other));
    if (c != 0) {
      return c;
    }
    if (this instanceof Relay a && other instanceof Relay b) {
      return a.url().compareTo(b.url());
    }
    if (this instanceof Ip a && other instanceof Ip b) {
      return a.addr().compareTo(b.addr());
    }
    return ((Custom) this).addr().compareTo(((Custom) other).addr());
  }

  private static int rank(TransportAddr a) {
    // The variant index in iroh's enum, which is also the postcard tag.
    if (a instanceof Relay) {
      return 0;
    }
    return a instanceof Ip ? 1 : 2;
  }

  /** The relay URLs among {@code addrs}, in iteration order. */
  static List<RelayUrl> relayUrls(Collection<TransportAddr> addrs) {
    return addrs.stream().filter(Relay.class::isInstance).map(a -> ((Relay) a).url()).toList();
  }

  /** The IP socket addresses among {@code addrs}, in iteration order. */
  static List<SocketAddr> ipAddrs(Collection<TransportAddr> addrs) {
    return addrs.stream().filter(Ip.class::isInstance).map(a -> ((Ip) a).addr()).toList();
  }

  /** The custom transport addresses among {@code addrs}, in iteration order. */
  static List<CustomAddr> customAddrs(Collection<TransportAddr> addrs) {
    return addrs.stream().filter(Custom.class::isInstance).map(a -> ((Custom) a).addr()).toList();
  }
}
