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
public final class DnsServerCommand implements Runnable {
  @Spec CommandSpec spec;

  @Option(names = {"-c", "--config"}, paramLabel = "FILE", required = true,
      description = "TOML config file (iroh-dns-server's format).")
  Path config;

  @Option(names = "--data-dir", paramLabel = "DIR",
      description = "Override data_dir (and IROH_DNS_DATA_DIR): where the store and the certificate"
          + " cache live.")
  Path dataDir;

  @Option(names = "--check", description = "Validate the config, print the effective settings,"
      + " check that the data directory and the certificate can be used, and exit.")
  boolean check;

  @Override
  public void run() {
    PrintWriter out = spec.commandLine().getOut();
    DnsServerConfig c = DnsServerConfig.fromFile(config);
    DnsServerConfig effective = dataDir == null ? c : new DnsServerConfig(dataDir, c.putRateLimit(), c.maxFutureSkew(),
        c.http(), c.https(), c.dns(), c.store(), c.metrics());
    if (check) {
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
      return;
    }
    LoggerFactory.getLogger("keyway").info("dns-server config file {}", config.toAbsolutePath());
    IrohDnsServer server;
    try {
      server = IrohDnsServer.builder(effective).build().start();
    } catch (PacketStoreException e) {
      throw new CommandExit(CommandLine.ExitCode.SOFTWARE, "cannot open the store: " + e.getMessage());
    } catch (IllegalStateException e) {
      throw new CommandExit(CommandLine.ExitCode.SOFTWARE, e.getMessage());
    } catch (IllegalArgumentException e) {
      throw new CommandExit(CommandLine.ExitCode.USAGE, e.getMessage());
    }
    StopOnSignal stop = new StopOnSignal("dns", server::close);
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
    stop.await();
    out.println("dns server stopped");
    out.flush();
  }

  /** Waits for the shutdown hook; an interrupt (embedded use, tests) stops like a signal. */
  static String hostForUrl(String address) {
    return address.indexOf(':') >= 0 ? "[" + address + "]" : address;
  }
}
