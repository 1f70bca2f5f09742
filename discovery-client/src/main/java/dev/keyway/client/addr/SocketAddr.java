package dev.keyway.client.addr;

import java.net.Inet6Address;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.UnknownHostException;
import java.util.Arrays;

/**
 * An IP address and port: Rust's {@code SocketAddr}, the value of an iroh {@code TransportAddr::Ip}.
 *
 * <p>IPv4 and IPv6 are kept apart exactly as iroh keeps them: an IPv4-mapped IPv6 address
 * ({@code ::ffff:1.2.3.4}) stays an IPv6 address (Java's {@link InetAddress} would silently turn it
 * into IPv4). An IPv6 address may carry a scope id, which only the text form transports
 * ({@code [fe80::1%3]:80}); tickets drop it. The IPv6 flow label is not represented: neither
 * tickets nor text carry it, so iroh always sees 0.
 *
 * <p>Ordering is Rust's derived order: IPv4 before IPv6, then address bytes (unsigned), then port,
 * then scope id (unsigned).
 */
public final class SocketAddr implements Comparable<SocketAddr> {
  private final byte[] ip;
  private final int port;
  private final int scopeId;

  SocketAddr(byte[] ip, int port, int scopeId) {
    this.ip = ip;
    this.port = port;
    this.scopeId = scopeId;
  }

  /**
   * Returns the address with these 4 (IPv4) or 16 (IPv6) bytes and port, without a scope id.
   *
   * @throws IllegalArgumentException for another address length or a port outside 0..65535
   */
  public static SocketAddr of(byte[] ip, int port) {
    return create(ip, port, 0);
  }

  /**
   * Returns an IPv6 address with a scope id (an unsigned 32-bit interface index, 0 = none).
   *
   * @throws IllegalArgumentException if {@code ip} is not 16 bytes, or port or scope are out of range
   */
  public static SocketAddr ofV6(byte[] ip, int port, long scopeId) {
    if (ip.length != 16) {
      throw new IllegalArgumentException("an IPv6 address has 16 bytes, got " + ip.length);
    }
    if (scopeId < 0 || scopeId > 0xFFFF_FFFFL) {
      throw new IllegalArgumentException("scope id must be an unsigned 32-bit value: " + scopeId);
    }
    return create(ip, port, (int) scopeId);
  }

  private static SocketAddr create(byte[] ip, int port, int scopeId) {
    if (ip.length != 4 && ip.length != 16) {
      throw new IllegalArgumentException("an IP address has 4 or 16 bytes, got " + ip.length);
    }
    if (port < 0 || port > 0xFFFF) {
      throw new IllegalArgumentException("port must be in 0..65535: " + port);
    }
    return new SocketAddr(ip.clone(), port, scopeId);
  }

  /**
   * Parses Rust's {@code SocketAddr} text: {@code 1.2.3.4:5678}, {@code [2001:db8::1]:5678},
   * {@code [fe80::1%3]:5678}. Host names are not accepted and nothing is ever resolved.
   *
   * @throws AddrFormatException if the text is not a socket address literal
   */
  public static SocketAddr parse(String text) {
    SocketAddr addr = IpLiterals.parseSocketAddr(text);
    if (addr == null) {
      throw new AddrFormatException("invalid socket address " + AddrFormatException.quote(text)
          + ": expected <IPv4>:<port> or [<IPv6>]:<port>");
    }
    return addr;
  }

  /**
   * Converts a resolved {@link InetSocketAddress}. An {@link Inet6Address} keeps its scope id.
   *
   * @throws AddrFormatException if the address is unresolved (this method never resolves names)
   */
  public static SocketAddr of(InetSocketAddress address) {
    InetAddress inet = address.getAddress();
    if (inet == null) {
      throw new AddrFormatException("unresolved socket address " + address.getHostString()
          + ": only IP addresses are accepted");
    }
    int scope = inet instanceof Inet6Address v6 ? v6.getScopeId() : 0;
    return new SocketAddr(inet.getAddress(), address.getPort(), scope);
  }

  /**
   * Converts to a (resolved) {@link InetSocketAddress}; no lookup happens. An IPv6 address stays an
   * {@link Inet6Address} even when IPv4-mapped. A scope id above 2^31-1 cannot be represented by
   * Java and is dropped.
   */
  public InetSocketAddress toInetSocketAddress() {
    try {
      InetAddress inet = isIpv4()
          ? InetAddress.getByAddress(ip)
          : Inet6Address.getByAddress(null, ip, scopeId > 0 ? scopeId : -1);
      return new InetSocketAddress(inet, port);
    } catch (UnknownHostException e) {
      throw new IllegalStateException("address length was validated", e);
    }
  }

  /** True for an IPv4 address. */
  public boolean isIpv4() {
    return ip.length == 4;
  }

  /** True for an IPv6 address (including IPv4-mapped ones). */
  public boolean isIpv6() {
    return ip.length == 16;
  }

  /** A copy of the 4 or 16 address bytes. */
  public byte[] ip() {
    return ip.clone();
  }

  /** The port, 0..65535. */
  public int port() {
    return port;
  }

  /** The IPv6 scope id as an unsigned value; 0 for none and for IPv4. */
  public long scopeId() {
    return Integer.toUnsignedLong(scopeId);
  }

  /** The same address without a scope id (what a ticket carries). */
  public SocketAddr withoutScope() {
    return scopeId == 0 ? this : new SocketAddr(ip, port, 0);
  }

  /** The IP address alone, in Rust's display form ({@code 1.2.3.4}, {@code ::ffff:1.2.3.4}). */
  public String ipString() {
    return isIpv4() ? IpLiterals.formatIpv4(ip, 0) : IpLiterals.formatIpv6(ip, true);
  }

  @Override
  public int compareTo(SocketAddr other) {
    int c = Integer.compare(ip.length, other.ip.length);
    if (c == 0) {
      c = Arrays.compareUnsigned(ip, other.ip);
    }
    if (c == 0) {
      c = Integer.compare(port, other.port);
    }
    return c != 0 ? c : Integer.compareUnsigned(scopeId, other.scopeId);
  }

  @Override
  public boolean equals(Object o) {
    return o instanceof SocketAddr other
        && port == other.port && scopeId == other.scopeId && Arrays.equals(ip, other.ip);
  }

  @Override
  public int hashCode() {
    return (Arrays.hashCode(ip) * 31 + port) * 31 + scopeId;
  }

  /** Rust's display form: {@code 1.2.3.4:5678}, {@code [2001:db8::1]:5678}, {@code [fe80::1%3]:5678}. */
  @Override
  public String toString() {
    if (isIpv4()) {
      return ipString() + ":" + port;
    }
    String scope = scopeId == 0 ? "" : "%" + Integer.toUnsignedString(scopeId);
    return "[" + ipString() + scope + "]:" + port;
  }
}
