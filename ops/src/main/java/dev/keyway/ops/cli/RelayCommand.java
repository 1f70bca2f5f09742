package dev.keyway.ops.cli;

import dev.keyway.ops.CommandExit;
import dev.keyway.relay.RelayConfig;
import dev.keyway.relay.RelayServer;
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
 * {@code keyway relay [-c relay.toml]}: a standalone pkarr v7 relay with its H2 store and
 * Prometheus endpoint, until SIGTERM or SIGINT, which stop it gracefully (requests in flight
 * finish, the store's writer flushes).
 */
@Command(
    name = "relay",
    mixinStandardHelpOptions = true,
    description = {
      "Run a pkarr v7 relay (PUT/GET /<z32-key>) with a durable embedded store.",
      "Defaults: HTTP on 127.0.0.1:6881, data in ./data, metrics on 127.0.0.1:9117, no rate limit."
          + " The config file takes pkarr-relay's keys plus keyway's; config/relay.toml of the"
          + " distribution (ops/config/ in the sources) lists them all. SIGTERM stops it gracefully.",
      "Exit codes: 0 stopped by a signal or --check passed; 1 could not start; 2 bad config."
    })
public final class RelayCommand implements Runnable, StopOnSignal.Serving {
  @Spec CommandSpec spec;

  @Option(names = {"-c", "--config"}, paramLabel = "FILE", description = "TOML config file.")
  Path config;

  @Option(names = "--port", paramLabel = "PORT", description = "Override [http] port (0 = any free port).")
  Integer port;

  @Option(names = "--data-dir", paramLabel = "DIR", converter = StartChecks.DataDirConverter.class,
      description = "Override [cache] path.")
  Path dataDir;

  @Option(names = "--check", description = "Validate the config, print the effective settings,"
      + " check that the data directory can be used, and exit.")
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
    StopOnSignal stop = new StopOnSignal("relay");
    RelayConfig effective;
    RelayServer server = null;
    try {
      effective = effectiveConfig();
      if (!stop.requested()) {
        LoggerFactory.getLogger("keyway").info("relay config file {}",
            config == null ? "none (defaults)" : config.toAbsolutePath());
        server = RelayServer.builder(effective).build().start();
      }
    } catch (PacketStoreException e) {
      stop.abandon();
      throw new CommandExit(CommandLine.ExitCode.SOFTWARE, "cannot open the store: " + e.getMessage());
    } catch (IllegalStateException e) {
      stop.abandon();
      throw new CommandExit(CommandLine.ExitCode.SOFTWARE, e.getMessage());
    } catch (RuntimeException | Error e) {
      stop.abandon();
      throw e;
    }
    RelayServer started = server;
    if (!stop.started(started == null ? () -> { } : started::close)) {
      out.println("relay stopped during start-up");
      out.flush();
      return;
    }
    out.println("relay listening on " + started.url()
        + (started.metricsPort() > 0 ? ", metrics on http://" + effective.metrics().bindAddress()
            + ":" + started.metricsPort() + "/metrics" : ""));
    out.flush();
    stop.await();
    out.println("relay stopped");
    out.flush();
  }

  private void check(PrintWriter out, RelayConfig effective) {
    StartChecks.dataDirectory(effective.dataDir());
    out.println("config ok" + (config == null ? " (defaults)" : ": " + config));
    effective.describe().forEach(line -> out.println("  " + line));
    out.flush();
  }

  private RelayConfig effectiveConfig() {
    RelayConfig c = config == null ? RelayConfig.defaults() : RelayConfig.fromFile(config);
    RelayConfig.Builder b = c.toBuilder();
    if (port != null) {
      b.port(port);
    }
    if (dataDir != null) {
      b.dataDir(dataDir);
    }
    return b.build();
  }
}
