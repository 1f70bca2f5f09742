package dev.keyway.dns.testing;

import dev.keyway.dns.DnsServerConfig;
import dev.keyway.dns.IrohDnsServer;
import java.nio.file.Path;
import java.util.Map;

/**
 * A whole {@link IrohDnsServer} (real H2 store, real sockets) on 127.0.0.1 with ephemeral ports:
 * plain HTTP, DNS for {@code dns.example.}, no PUT rate limit, no metrics listener, data under
 * {@code dir/data}; {@code extraToml} adds tables (such as {@code [https]}).
 */
public final class LoopbackIrohServer {
  private LoopbackIrohServer() {}

  /** Starts it; the caller closes it. */
  public static IrohDnsServer start(Path dir, String extraToml) {
    return start(dir, "", extraToml);
  }

  /** As {@link #start(Path, String)}, with {@code httpKeys} (TOML lines) added to {@code [http]}. */
  public static IrohDnsServer start(Path dir, String httpKeys, String extraToml) {
    return IrohDnsServer.builder(config(dir, httpKeys, extraToml)).build().start();
  }

  /** The configuration {@link #start(Path, String, String)} starts, for a builder of one's own. */
  public static DnsServerConfig config(Path dir, String httpKeys, String extraToml) {
    String toml = """
        pkarr_put_rate_limit = "disabled"
        data_dir = "%s"
        [http]
        port = 0
        bind_addr = "127.0.0.1"
        %s
        [dns]
        port = 0
        bind_addr = "127.0.0.1"
        origins = ["dns.example."]
        [metrics]
        disabled = true
        """.formatted(dir.resolve("data"), httpKeys) + extraToml;
    return DnsServerConfig.fromToml(toml, dir, Map.of());
  }
}
