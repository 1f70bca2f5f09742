package dev.keyway.relay;

import dev.keyway.relay.store.StoreOptions;
import java.nio.file.Path;
import java.time.Duration;

/**
 * A relay in its own JVM for tests that kill it: {@code RelayProcessMain <dataDir> <fsync>}.
 * Listens on 127.0.0.1 with a free port, prints {@code PORT <n>} on stdout once it serves, and
 * runs until killed (SIGTERM stops it gracefully) or stdin closes.
 */
public final class RelayProcessMain {
  private RelayProcessMain() {}

  public static void main(String[] args) throws Exception {
    Path dir = Path.of(args[0]);
    boolean fsync = Boolean.parseBoolean(args[1]);
    RelayConfig config = RelayConfig.builder()
        .http(new RelayConfig.Http("127.0.0.1", 0, "/", RelayConfig.DEFAULT_MAX_FUTURE_SKEW, 1,
            Duration.ofSeconds(1)))
        .metrics(new RelayConfig.Metrics(false, "127.0.0.1", 0))
        .dataDir(dir)
        .store(StoreOptions.builder().fsync(fsync).build())
        .build();
    RelayServer server = RelayServer.builder(config).build().start();
    Runtime.getRuntime().addShutdownHook(new Thread(server::close)); // SIGTERM: graceful
    System.out.println("PORT " + server.port());
    System.out.flush();
    // Exit when the parent goes away without killing us.
    while (System.in.read() >= 0) {
      Thread.onSpinWait();
    }
    server.close();
  }
}
