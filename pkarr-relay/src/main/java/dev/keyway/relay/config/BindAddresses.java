package dev.keyway.relay.config;

import java.net.InetAddress;
import java.net.UnknownHostException;

/**
 * Listen addresses in config files ({@code bind_addr}, {@code port}): the checks and the
 * {@code ip:port} parsing that the relay's and the DNS server's configs share, with the config key
 * in every message.
 */
public final class BindAddresses {
  private BindAddresses() {}

  /**
   * An {@code ip:port} value split at its last colon, as {@link #parseHostPort} returns it.
   *
   * @param host the part before the colon, without the brackets of {@code [::1]}; not checked
   *     (see {@link #checkAddress})
   * @param port the part after the colon as written, possibly negative or above 65535; not checked
   *     (see {@link #checkPort})
   */
  public record HostPort(String host, int port) {}

  /**
   * Checks an address to listen on: an IP literal ({@code 127.0.0.1}, {@code ::}), never a host
   * name, so reading a config does no name lookup.
   *
   * @param key the config key as written in the file ({@code http.bind_addr}), for the message
   * @param address the value, null or blank counting as wrong
   * @throws ConfigException {@code KEY must be an IP address such as 127.0.0.1 or ::, got VALUE}
   */
  public static void checkAddress(String key, String address) {
    if (address == null || address.isBlank()
        || !address.chars().allMatch(c -> Character.digit(c, 16) >= 0 || c == '.' || c == ':')) {
      throw notAnAddress(key, address);
    }
    try {
      InetAddress.getByName(address);
    } catch (UnknownHostException e) {
      throw notAnAddress(key, address);
    }
  }

  /**
   * Checks a port to listen on: 0..65535, 0 meaning any free one.
   *
   * @param key the config key as written in the file ({@code http.port}), for the message
   * @param port the value
   * @throws ConfigException {@code KEY must be 0..65535, got PORT}
   */
  public static void checkPort(String key, int port) {
    if (port < 0 || port > 65_535) {
      throw new ConfigException(key + " must be 0..65535, got " + port);
    }
  }

  /**
   * Splits an {@code ip:port} value ({@code "127.0.0.1:9117"}, {@code "[::1]:9117"}) at its last
   * colon. Only the shape is checked here: a colon with something before it and an integer after
   * it. The host and the port's range are left to {@link #checkAddress} and {@link #checkPort}.
   *
   * @param key the config key as written in the file ({@code metrics.bind_addr}), for the message
   * @param text the value
   * @param example a well-formed value for the message ({@code "127.0.0.1:9117"})
   * @throws ConfigException {@linkplain #notHostPort the ip:port error} when the shape is wrong
   */
  public static HostPort parseHostPort(String key, String text, String example) {
    int colon = text.lastIndexOf(':');
    if (colon <= 0) {
      throw notHostPort(key, text, example);
    }
    int port;
    try {
      port = Integer.parseInt(text.substring(colon + 1));
    } catch (NumberFormatException e) {
      throw notHostPort(key, text, example);
    }
    String host = text.substring(0, colon);
    if (host.startsWith("[") && host.endsWith("]")) {
      host = host.substring(1, host.length() - 1);
    }
    return new HostPort(host, port);
  }

  /**
   * The error for a value that is not {@code ip:port}.
   *
   * @param key the config key as written in the file
   * @param text the value
   * @param example a well-formed value
   * @return {@code KEY must be ip:port, e.g. "EXAMPLE", got "TEXT"}
   */
  public static ConfigException notHostPort(String key, String text, String example) {
    return new ConfigException(key + " must be ip:port, e.g. \"" + example + "\", got "
        + TomlFiles.describe(text));
  }

  private static ConfigException notAnAddress(String key, String address) {
    return new ConfigException(key + " must be an IP address such as 127.0.0.1 or ::,"
        + " got " + TomlFiles.describe(address == null ? "" : address));
  }

  /**
   * A TCP listener of one process, for {@link #checkDistinct}.
   *
   * @param name the listener as the config or command line names it ({@code [http]},
   *     {@code --relay-port})
   * @param host its IP literal (already checked)
   * @param port its port; 0 (any free port) never clashes
   */
  public record Listener(String name, String host, int port) {}

  /**
   * Refuses two TCP listeners of one process on one port and overlapping addresses (the same
   * address, or one of them a wildcard). Vert.x does not fail such a bind: it shares the first
   * socket, and each connection then reaches either server, so half the requests would get the
   * other server's answers.
   *
   * @throws ConfigException naming both listeners and the port
   */
  public static void checkDistinct(java.util.List<Listener> listeners) {
    for (int i = 0; i < listeners.size(); i++) {
      for (int j = i + 1; j < listeners.size(); j++) {
        Listener a = listeners.get(i);
        Listener b = listeners.get(j);
        if (a.port() != 0 && a.port() == b.port() && overlap(a.host(), b.host())) {
          throw new ConfigException(a.name() + " (" + a.host() + ") and " + b.name() + " ("
              + b.host() + ") both listen on TCP port " + a.port() + "; give each its own port");
        }
      }
    }
  }

  private static boolean overlap(String a, String b) {
    try {
      InetAddress x = InetAddress.getByName(a);
      InetAddress y = InetAddress.getByName(b);
      return x.equals(y) || x.isAnyLocalAddress() || y.isAnyLocalAddress();
    } catch (UnknownHostException e) {
      return a.equals(b); // not an IP literal: checkAddress reports it
    }
  }
}
