package dev.keyway.ops.cli;

import dev.keyway.client.packet.MicrosClock;
import dev.keyway.client.store.PacketStore;
import dev.keyway.dns.DnsServerConfig;
import dev.keyway.dns.IrohDnsServer;
import dev.keyway.ops.CommandExit;
import dev.keyway.relay.RelayConfig;
import dev.keyway.relay.RelayServer;
import dev.keyway.relay.config.BindAddresses;
import dev.keyway.relay.config.ConfigException;
import dev.keyway.relay.metrics.MetricsServer;
import dev.keyway.relay.metrics.MicrometerStoreMetrics;
import dev.keyway.relay.metrics.ProcessMeters;
import dev.keyway.relay.store.H2Dialect;
import dev.keyway.relay.store.JdbcPacketStore;
import dev.keyway.relay.store.PacketStoreException;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import io.vertx.core.Vertx;
import io.vertx.core.VertxOptions;
import java.io.PrintWriter;
import java.io.UncheckedIOException;
import java.nio.file.Path;
import java.time.Clock;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/**
 * {@code keyway up}: the embedded default deployment (DESIGN.md "Runtime picture"). One process,
 * one Vert.x, one meter registry and one H2 store under {@code ./data}, shared by:
 * <ul>
 *   <li>DNS on 127.0.0.1:5300 UDP+TCP, origin {@code keyway.localhost.};
 *   <li>the iroh API on 127.0.0.1:8080 ({@code PUT/GET /pkarr/<z32>}, {@code /dns-query},
 *       {@code /healthz});
 *   <li>the pkarr relay API on 127.0.0.1:6881 ({@code PUT/GET /<z32>}, status page at /);
 *   <li>metrics (Prometheus text) on 127.0.0.1:9117.
 * </ul>
 * Both HTTP APIs write through the DNS zone cache, so a packet PUT on either port is answerable
 * over DNS at once. SIGINT (Ctrl-C) or SIGTERM stops everything gracefully.
 */
@Command(
    name = "up",
    mixinStandardHelpOptions = true,
    description = {
      "Run the embedded default deployment.",
      "DNS on 127.0.0.1:5300 (origin keyway.localhost.), the iroh API on 127.0.0.1:8080, the pkarr"
          + " relay on 127.0.0.1:6881 and metrics on 127.0.0.1:9117, sharing one H2 store under ./data."
          + " Ctrl-C, SIGTERM or SIGHUP stops it gracefully.",
      "Exit codes: 0 stopped by a signal; 1 could not start (e.g. a port is taken); 2 bad"
          + " arguments."
    })
public final class UpCommand implements Runnable, StopOnSignal.Serving {
  /** Where every listener of {@code up} binds. */
  private static final String LOOPBACK = "127.0.0.1";

  @Spec CommandSpec spec;

  @Option(names = "--data-dir", paramLabel = "DIR", converter = StartChecks.DataDirConverter.class,
      description = "Store directory (default: ${DEFAULT-VALUE}).")
  Path dataDir = Path.of("data");

  @Option(names = "--dns-port", paramLabel = "PORT", description = "DNS port, UDP and TCP (default: ${DEFAULT-VALUE}; 0 = any free).")
  int dnsPort = 5300;

  @Option(names = "--http-port", paramLabel = "PORT", description = "iroh API port (default: ${DEFAULT-VALUE}; 0 = any free).")
  int httpPort = 8080;

  @Option(names = "--relay-port", paramLabel = "PORT", description = "pkarr relay port (default: ${DEFAULT-VALUE}; 0 = any free).")
  int relayPort = RelayConfig.DEFAULT_PORT;

  @Option(names = "--metrics-port", paramLabel = "PORT", description = "Metrics port (default: ${DEFAULT-VALUE}; 0 = any free).")
  int metricsPort = RelayConfig.DEFAULT_METRICS_PORT;

  @Override
  public void run() {
    // Checked before anything is opened or created, and named as the user wrote them.
    port("--dns-port", dnsPort);
    port("--http-port", httpPort);
    port("--relay-port", relayPort);
    port("--metrics-port", metricsPort);
    try {
      BindAddresses.checkDistinct(List.of(
          new BindAddresses.Listener("--dns-port", LOOPBACK, dnsPort),
          new BindAddresses.Listener("--http-port", LOOPBACK, httpPort),
          new BindAddresses.Listener("--relay-port", LOOPBACK, relayPort),
          new BindAddresses.Listener("--metrics-port", LOOPBACK, metricsPort)));
    } catch (ConfigException e) {
      throw new dev.keyway.client.InvalidInputException(e.getMessage());
    }
    PrintWriter out = spec.commandLine().getOut();
    // Listening before anything is opened: a signal while it starts closes what has started.
    StopOnSignal stop = new StopOnSignal("up");
    Deployment d = new Deployment();
    try {
      d.start(stop);
    } catch (PacketStoreException e) {
      abandon(stop, d);
      throw new CommandExit(CommandLine.ExitCode.SOFTWARE, "cannot open the store in " + dataDir
          + ": " + e.getMessage());
    } catch (UncheckedIOException e) {
      abandon(stop, d);
      throw e; // the error handler words it with its reason
    } catch (IllegalStateException e) {
      abandon(stop, d);
      throw new CommandExit(CommandLine.ExitCode.SOFTWARE, e.getMessage());
    } catch (RuntimeException | Error e) {
      abandon(stop, d);
      throw e;
    }
    if (!stop.started(d::close)) {
      out.println("keyway up: stopped during start-up");
      out.flush();
      return;
    }
    d.describe().forEach(out::println);
    out.flush();
    stop.await();
    out.println("keyway up: stopped");
    out.flush();
  }

  private static void abandon(StopOnSignal stop, Deployment d) {
    stop.abandon();
    d.close();
  }

  private static void port(String option, int port) {
    if (port < 0 || port > 65_535) {
      throw new dev.keyway.client.InvalidInputException(option + " must be 0..65535 (0 = any free"
          + " port), got " + port);
    }
  }

  /** Everything {@code up} runs, opened in order and closed in reverse. */
  private final class Deployment {
    private Vertx vertx;
    private PrometheusMeterRegistry registry;
    private ProcessMeters processMeters;
    private JdbcPacketStore store;
    private IrohDnsServer dns;
    private RelayServer relay;
    private MetricsServer metrics;
    private boolean closed;

    /** Starts everything in order; skips the rest once {@code stop} is requested. */
    void start(StopOnSignal stop) {
      int cpus = Runtime.getRuntime().availableProcessors();
      vertx = Vertx.vertx(new VertxOptions().setEventLoopPoolSize(Math.max(2, cpus))
          .setPreferNativeTransport(false));
      if (stop.requested()) {
        return;
      }
      registry = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
      processMeters = ProcessMeters.bind(registry, RelayServer.version());
      MicrometerStoreMetrics storeMetrics = new MicrometerStoreMetrics(registry, "");
      // No capacity limit (iroh's rule; packets expire after 7 days): see DnsServerConfig.
      store = JdbcPacketStore.open(H2Dialect.file(dataDir), DnsServerConfig.defaultStore(),
          MicrosClock.of(Clock.systemUTC()), storeMetrics);
      storeMetrics.bindGauges(store);
      if (stop.requested()) {
        return;
      }
      dns = IrohDnsServer.builder(DnsServerConfig.embedded(dataDir, dnsPort, httpPort, metricsPort))
          .vertx(vertx).meterRegistry(registry).store(store).build().start();
      // The relay writes through the DNS zone cache: a PUT there is answerable over DNS at once.
      PacketStore shared = dns.publishingStore();
      if (stop.requested()) {
        return;
      }
      metrics = MetricsServer.start(vertx, registry, "127.0.0.1", metricsPort);
      // Described as it runs: the shared store's options, metrics on up's own (bound) port.
      RelayConfig relayConfig = RelayConfig.builder().port(relayPort).dataDir(dataDir)
          .store(DnsServerConfig.defaultStore())
          .metrics(new RelayConfig.Metrics(true, "127.0.0.1", metrics.port())).build();
      if (stop.requested()) {
        return;
      }
      relay = RelayServer.builder(relayConfig)
          .vertx(vertx).meterRegistry(registry).store(shared, store).build().start();
    }

    List<String> describe() {
      String origin = DnsServerConfig.EMBEDDED_ORIGIN;
      String iroh = "http://127.0.0.1:" + dns.httpPort();
      List<String> lines = new ArrayList<>();
      lines.add("keyway up: serving one store in " + dataDir.toAbsolutePath().normalize());
      lines.add("  dns          127.0.0.1:" + dns.dnsPort() + " udp+tcp, origin " + origin);
      lines.add("  iroh api     " + iroh + "  (PUT/GET /pkarr/<z32>, /dns-query, /healthz)");
      lines.add("  pkarr relay  " + relay.url() + "  (PUT/GET /<z32>, status page at /)");
      lines.add("  metrics      http://127.0.0.1:" + metrics.port() + "/metrics");
      lines.add("query it:");
      lines.add("  dig @127.0.0.1 -p " + dns.dnsPort() + " " + origin + " SOA");
      lines.add("  dig @127.0.0.1 -p " + dns.dnsPort() + " _iroh.<z32-endpoint-id>." + origin + " TXT");
      lines.add("  curl -H 'accept: application/dns-json' '" + iroh
          + "/dns-query?name=_iroh.<z32-endpoint-id>." + origin + "&type=TXT'");
      lines.add("iroh endpoints: pkarr relay URL " + iroh + "/pkarr, DNS origin " + origin
          + " (resolver 127.0.0.1:" + dns.dnsPort() + ")");
      lines.add("Ctrl-C stops.");
      return lines;
    }

    synchronized void close() {
      if (closed) {
        return;
      }
      closed = true;
      // The relay and the DNS server drain their requests in flight at the same time: one after
      // the other, a slow client of each would add up their shutdown timeouts.
      java.util.concurrent.CompletableFuture<Void> relayClosed = relay == null
          ? java.util.concurrent.CompletableFuture.completedFuture(null)
          : java.util.concurrent.CompletableFuture.runAsync(relay::close,
              r -> new Thread(r, "keyway-up-relay-close").start());
      if (dns != null) {
        dns.close();
      }
      try {
        relayClosed.join();
      } catch (java.util.concurrent.CompletionException e) {
        org.slf4j.LoggerFactory.getLogger("keyway").warn("closing the relay failed", e.getCause());
      }
      if (metrics != null) {
        metrics.close();
      }
      if (store != null) {
        store.close();
      }
      if (processMeters != null) {
        processMeters.close();
      }
      if (registry != null) {
        registry.close();
      }
      if (vertx != null) {
        try {
          vertx.close().toCompletionStage().toCompletableFuture().get(10, TimeUnit.SECONDS);
        } catch (Exception e) {
          if (e instanceof InterruptedException) {
            Thread.currentThread().interrupt();
          }
        }
      }
    }
  }
}
