package dev.keyway.relay.http;

import io.vertx.core.net.SocketAddress;
import java.net.Inet6Address;
import java.net.InetAddress;
import java.net.InetSocketAddress;

/**
 * A client's address as every structured event writes it ({@code client="…"}): {@code ip:port},
 * {@code [ipv6]:port} for IPv6, without the leading {@code /} of {@link InetSocketAddress} or a
 * host name; empty when unknown.
 */
public final class ClientAddresses {
  private ClientAddresses() {}

  /** {@code 127.0.0.1:5300} or {@code [::1]:5300}. */
  public static String format(InetSocketAddress address) {
    if (address == null) {
      return "";
    }
    InetAddress ip = address.getAddress();
    return ip == null ? address.getHostString() + ":" + address.getPort()
        : format(ip.getHostAddress(), ip instanceof Inet6Address, address.getPort());
  }

  /** The same for a Vert.x address (a domain socket's path as it is). */
  public static String format(SocketAddress address) {
    if (address == null) {
      return "";
    }
    if (!address.isInetSocket()) {
      return String.valueOf(address.path());
    }
    String ip = address.hostAddress();
    if (ip == null || ip.isEmpty()) {
      ip = address.host();
    }
    return format(ip, ip != null && ip.indexOf(':') >= 0, address.port());
  }

  private static String format(String ip, boolean v6, int port) {
    return v6 ? "[" + ip + "]:" + port : ip + ":" + port;
  }
}
