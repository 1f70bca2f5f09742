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
}
