package dev.keyway.ops.cli;

import dev.keyway.dns.DnsServerConfig;
import dev.keyway.dns.IrohDnsServer;
import dev.keyway.dns.http.TlsCertificates;
import dev.keyway.ops.CommandExit;
import dev.keyway.relay.store.PacketStoreException;
import java.io.PrintWriter;
import java.nio.file.Path;
import org.slf4j.LoggerFactory;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/**
 * {@code keyway dns-server -c dns.toml}: the authoritative DNS server of a discovery zone with
 * iroh-dns-server's HTTP API, until SIGTERM or SIGINT, which stop it gracefully.
 */
@Command(
    name = "dns-server",
    mixinStandardHelpOptions = true,
    description = {
      "Run the authoritative DNS server of a discovery zone (UDP+TCP) with iroh-dns-server's HTTP"
          + " API (PUT/GET /pkarr/<z32>, /dns-query, /healthz) over a durable embedded store.",
      "The config file takes iroh-dns-server's keys plus keyway's; config/dns.toml of the"
          + " distribution (ops/config/ in the sources) lists them all. SIGTERM stops it gracefully.",
      "Exit codes: 0 stopped by a signal or --check passed; 1 could not start; 2 bad config."
    })
public final class DnsServerCommand implements Runnable, StopOnSignal.Serving {
  @Spec CommandSpec spec;

  @Option(names = {"-c", "--config"}, paramLabel = "FILE", required = true,
      description = "TOML config file (iroh-dns-server's format).")
  Path config;

  @Option(names = "--data-dir", paramLabel = "DIR", converter = StartChecks.DataDirConverter.class,
      description = "Override data_dir (and IROH_DNS_DATA_DIR): where the store and the certificate"
          + " cache live.")
  Path dataDir;

  @Option(names = "--check", description = "Validate the config, print the effective settings,"
      + " check that the data directory and the certificate can be used, and exit.")
  boolean check;

  @Override
  public boolean serves() {
    return !check;
  }

  @Override
  public void run() {
    PrintWriter out = spec.commandLine().getOut();
    if (check) {
      check(out, effectiveConfig());
      return;
    }
    // Listening from here (signals since main are held for it): a signal while the config is read
    // or the server starts stops it once what has started can be closed, and it exits 0.
    StopOnSignal stop = new StopOnSignal("dns");
    DnsServerConfig effective;
    IrohDnsServer server = null;
    try {
      effective = effectiveConfig();
      if (!stop.requested()) {
        LoggerFactory.getLogger("keyway").info("dns-server config file {}", config.toAbsolutePath());
        server = IrohDnsServer.builder(effective).build().start();
      }
    } catch (PacketStoreException e) {
      stop.abandon();
      throw new CommandExit(CommandLine.ExitCode.SOFTWARE, "cannot open the store: " + e.getMessage());
    } catch (IllegalStateException e) {
      stop.abandon();
      throw new CommandExit(CommandLine.ExitCode.SOFTWARE, e.getMessage());
    } catch (IllegalArgumentException e) { // the config file's problems among them
      stop.abandon();
      throw new CommandExit(CommandLine.ExitCode.USAGE, e.getMessage());
    } catch (RuntimeException | Error e) {
      stop.abandon();
      throw e;
    }
    IrohDnsServer started = server;
    if (!stop.started(started == null ? () -> { } : started::close)) {
      out.println("dns server stopped during start-up");
      out.flush();
      return;
    }
    serving(out, effective, started);
    stop.await();
    out.println("dns server stopped");
    out.flush();
  }

  private DnsServerConfig effectiveConfig() {
    DnsServerConfig c = DnsServerConfig.fromFile(config);
    return dataDir == null ? c : new DnsServerConfig(dataDir, c.putRateLimit(), c.maxFutureSkew(),
        c.http(), c.https(), c.dns(), c.store(), c.metrics());
  }

  private void check(PrintWriter out, DnsServerConfig effective) {
    StartChecks.dataDirectory(effective.dataDir());
    effective.https().ifPresent(h -> {
      try {
        TlsCertificates.check(h.certMode(), h.domains(), effective.dataDir());
      } catch (IllegalArgumentException e) {
        throw new CommandExit(CommandLine.ExitCode.USAGE, e.getMessage());
      }
    });
    out.println("config ok: " + config);
    effective.describe().forEach(line -> out.println("  " + line));
    out.flush();
  }

  /** Says where it listens. */
  private static void serving(PrintWriter out, DnsServerConfig effective, IrohDnsServer server) {
    String dnsHost = hostForUrl(server.dnsAddress().getAddress().getHostAddress());
    out.println("dns listening on " + dnsHost + ":" + server.dnsPort() + " (udp+tcp), origins "
        + effective.dns().zone().origins());
    if (server.httpPort() > 0) {
      out.println("iroh api on http://" + hostForUrl(effective.http().get().bindAddress()) + ":"
          + server.httpPort() + " (pkarr relay URL: .../pkarr)");
    }
    if (server.httpsPort() > 0) {
      out.println("iroh api on https://" + hostForUrl(effective.https().get().bindAddress()) + ":"
          + server.httpsPort());
    }
    if (server.metricsPort() > 0) {
      out.println("metrics on http://" + hostForUrl(effective.metrics().bindAddress()) + ":"
          + server.metricsPort() + "/metrics");
    }
    out.flush();
  }

  /** An address as the host of a URL: an IPv6 address in brackets. */
  static String hostForUrl(String address) {
    return address.indexOf(':') >= 0 ? "[" + address + "]" : address;
  }
}
