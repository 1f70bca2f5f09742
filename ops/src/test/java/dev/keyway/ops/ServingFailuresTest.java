package dev.keyway.ops;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeFalse;

import java.io.IOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * What an operator sees when a server cannot start, and how it ends on a signal: one line naming
 * what failed and why (never a stack trace), and exit code 0 after SIGTERM or SIGINT, as the
 * commands' help promises (service managers count 143 and 130 as failures).
 */
class ServingFailuresTest {

  @Test
  void aDataDirectoryThatIsAFileIsNamedAsSuch(@TempDir Path dir) throws Exception {
    Path file = Files.writeString(dir.resolve("afile"), "x");
    CliTest.Run run = CliTest.run("relay", "--port", "0", "--data-dir", file.toString());
    assertThat(run.code()).isEqualTo(1);
    assertThat(run.err()).isEqualTo("keyway: cannot use data directory " + file + " (" + file
        + ": not a directory)" + System.lineSeparator());
  }

  @Test
  void aBusyPortIsNamedWithItsAddress(@TempDir Path dir) throws Exception {
    try (ServerSocket taken = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
      int port = taken.getLocalPort();
      CliTest.Run run = CliTest.run("relay", "--port", Integer.toString(port),
          "--data-dir", dir.resolve("data").toString());
      assertThat(run.code()).isEqualTo(1);
      assertThat(run.err()).startsWith("keyway: relay cannot listen on 127.0.0.1:" + port + ": ")
          .contains("Address already in use").doesNotContain("Exception").hasLineCount(1);
    }
  }

  /**
   * Under systemd's journal every line carries its priority, the one-line reason a command fails
   * with too: written to stderr directly, it was filed at "info", and {@code journalctl -p warning}
   * did not show why a unit failed to start.
   */
  @Test
  void underTheJournalTheReasonForFailingIsFiledAsAnError(@TempDir Path dir) throws Exception {
    java.util.Map<String, String> journal = java.util.Map.of("KEYWAY_LOG_JOURNAL", "true");
    try (ServerSocket taken = new ServerSocket(0, 1, InetAddress.getLoopbackAddress());
        KeywayProcess busy = KeywayProcess.start(dir, journal, "relay", "--port",
            Integer.toString(taken.getLocalPort()), "--data-dir", dir.resolve("data").toString())) {
      assertThat(busy.waitFor()).isEqualTo(1);
      List<String> lines = busy.output().lines().filter(l -> !l.isBlank()).toList();
      assertThat(lines).isNotEmpty().allMatch(l -> l.matches("<[0-7]>.*"), "every line has a priority");
      assertThat(lines.get(lines.size() - 1)).startsWith("<3>keyway: relay cannot listen on 127.0.0.1:");
    }
    try (KeywayProcess usage = KeywayProcess.start(dir, journal, "relay", "--no-such-flag")) {
      assertThat(usage.waitFor()).isEqualTo(2);
      assertThat(usage.output()).startsWith("<3>keyway: Unknown option: '--no-such-flag'");
    }
  }

  /**
   * The gossip demo's own report lines (a bootstrap peer it cannot join, a missing --key) carry
   * their priority under the journal too: they are written to stderr directly, not logged, and
   * were filed at "info".
   */
  @Test
  void underTheJournalTheGossipDemosWarningsAreFiledAsWarnings(@TempDir Path dir) throws Exception {
    int closedPort;
    try (ServerSocket s = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
      closedPort = s.getLocalPort();
    }
    String nobody = dev.keyway.client.keys.SecretKey.generate(new java.security.SecureRandom())
        .publicKey().toBase32();
    try (KeywayProcess demo = KeywayProcess.start(dir, java.util.Map.of("KEYWAY_LOG_JOURNAL", "true"),
        "gossip", "demo", "lonely", "--quiet", "--transport", "tcp",
        "--bootstrap", nobody + "@127.0.0.1:" + closedPort)) {
      demo.awaitOutput("cannot join through bootstrap peer");
      List<String> lines = demo.output().lines().toList();
      assertThat(lines).anyMatch(l -> l.startsWith("<4>keyway: warning: no --key"));
      assertThat(lines).anyMatch(l -> l.startsWith("<4>warning: node lonely cannot join"));
      assertThat(lines).noneMatch(l -> l.startsWith("warning: ") || l.startsWith("keyway: warning: "));
      demo.signal("TERM");
      assertThat(demo.waitFor()).isZero();
    }
  }

  @Test
  void aDataDirectoryInUseSaysByWhom(@TempDir Path dir) throws Exception {
    Path data = dir.resolve("data");
    try (KeywayProcess first = KeywayProcess.relay(dir, data)) {
      first.awaitOutput("relay listening on");
      CliTest.Run second = CliTest.run("relay", "--port", "0", "--data-dir", data.toString());
      assertThat(second.code()).isEqualTo(1);
      assertThat(second.err()).contains("cannot open the store", "in use by another process",
          data.toAbsolutePath().normalize().toString()).doesNotContain("server mode").hasLineCount(1);
      // and leaves nothing behind in the running instance's directory (H2's trace file)
      try (var files = java.nio.file.Files.list(data)) {
        assertThat(files.map(f -> f.getFileName().toString())).noneMatch(n -> n.endsWith(".trace.db"));
      }
    }
  }

  @Test
  void sigtermStopsGracefullyWithExitCodeZero(@TempDir Path dir) throws Exception {
    stopsWithExitCodeZero(dir, "TERM");
  }

  @Test
  void sigintStopsGracefullyWithExitCodeZero(@TempDir Path dir) throws Exception {
    // A build started in the background by a non-interactive shell ignores SIGINT, and so does
    // every process it starts, the relay too (rightly: a daemon's Ctrl-C is not its shell's).
    assumeFalse(sigintIgnored(), "SIGINT is ignored in this process tree (started in the background)");
    stopsWithExitCodeZero(dir, "INT");
  }

  @Test
  void sighupStopsGracefullyWithExitCodeZero(@TempDir Path dir) throws Exception {
    // its terminal went away: stop as for SIGTERM, not with the JVM's 129 (nohup ignores it)
    assumeFalse(ignored(1), "SIGHUP is ignored in this process tree (nohup)");
    stopsWithExitCodeZero(dir, "HUP");
  }

  private static boolean ignored(int signal) throws IOException {
    for (String line : Files.readAllLines(Path.of("/proc/self/status"))) {
      if (line.startsWith("SigIgn:")) {
        return new java.math.BigInteger(line.substring(7).trim(), 16).testBit(signal - 1);
      }
    }
    return false;
  }

  /** Whether SIGINT (2) is ignored here, which the JVMs this test starts inherit. */
  private static boolean sigintIgnored() throws IOException {
    for (String line : Files.readAllLines(Path.of("/proc/self/status"))) {
      if (line.startsWith("SigIgn:")) {
        return new java.math.BigInteger(line.substring(7).trim(), 16).testBit(1);
      }
    }
    return false;
  }

  @Test
  void upNamesTheReasonToo(@TempDir Path dir) throws Exception {
    Path file = Files.writeString(dir.resolve("afile"), "x");
    CliTest.Run run = CliTest.run("up", "--data-dir", file.toString(), "--dns-port", "0",
        "--http-port", "0", "--relay-port", "0", "--metrics-port", "0");
    assertThat(run.code()).isEqualTo(1);
    assertThat(run.err()).isEqualTo("keyway: cannot use data directory " + file + " (" + file
        + ": not a directory)" + System.lineSeparator());
  }

  private static void stopsWithExitCodeZero(Path dir, String signal) throws Exception {
    try (KeywayProcess relay = KeywayProcess.relay(dir, dir.resolve("data"))) {
      relay.awaitOutput("relay listening on");
      relay.signal(signal);
      assertThat(relay.waitFor()).as("exit code after SIG%s; output:%n%s", signal, relay.output())
          .isZero();
      assertThat(relay.output()).contains("SIG" + signal + ": stopping gracefully", "relay stopped");
    }
  }

  /**
   * A signal while the server starts stops it as well: exit 0, one line saying so, and nothing
   * left open. The config file is a FIFO, so the relay is held in the middle of its start-up (its
   * signal handlers installed, its config not yet read) until the test writes the config.
   */
  @Test
  void sigtermWhileTheRelayStartsStopsItWithExitCodeZero(@TempDir Path dir) throws Exception {
    Path fifo = fifo(dir.resolve("relay.toml"));
    try (KeywayProcess relay = KeywayProcess.start(dir, "relay", "-c", fifo.toString(),
        "--data-dir", dir.resolve("data").toString())) {
      signalWhileReadingConfig(relay, fifo, "[http]\nport = 0\n[metrics]\ndisabled = true\n");
      assertThat(relay.waitFor()).as("exit code; output:%n%s", relay.output()).isZero();
      assertThat(relay.output()).contains("SIGTERM during start-up", "stopped during start-up",
          "relay stopped during start-up").doesNotContain("relay listening on", "Exception");
    }
  }

  @Test
  void sigtermWhileTheDnsServerStartsStopsItWithExitCodeZero(@TempDir Path dir) throws Exception {
    Path fifo = fifo(dir.resolve("dns.toml"));
    try (KeywayProcess dns = KeywayProcess.start(dir, "dns-server", "-c", fifo.toString(),
        "--data-dir", dir.resolve("data").toString())) {
      signalWhileReadingConfig(dns, fifo, "[http]\nport = 0\nbind_addr = \"127.0.0.1\"\n"
          + "[dns]\nport = 0\nbind_addr = \"127.0.0.1\"\n"
          + "default_soa = \"ns.example. hostmaster.example. 0 10800 3600 604800 3600\"\n"
          + "default_ttl = 30\norigins = [\"example.\"]\n[metrics]\ndisabled = true\n");
      assertThat(dns.waitFor()).as("exit code; output:%n%s", dns.output()).isZero();
      assertThat(dns.output()).contains("SIGTERM during start-up", "dns server stopped during start-up")
          .doesNotContain("dns listening on", "Exception");
    }
  }

  /**
   * {@code up} signalled once its store is open and while its listeners start: the store is
   * closed (flushed) before it exits 0. Should the rest of the start-up win the race with the
   * signal, it stops as a running server does, with the same outcome.
   */
  @Test
  void sigtermWhileUpStartsClosesTheStoreAndExitsZero(@TempDir Path dir) throws Exception {
    try (KeywayProcess up = KeywayProcess.start(dir, "up", "--data-dir", dir.resolve("data").toString(),
        "--dns-port", "0", "--http-port", "0", "--relay-port", "0", "--metrics-port", "0")) {
      up.awaitOutput("packet store open");
      up.signal("TERM");
      assertThat(up.waitFor()).as("exit code; output:%n%s", up.output()).isZero();
      String output = up.output();
      assertThat(output).contains("packet store closed").doesNotContain("Exception");
      if (!output.contains("keyway up: serving")) {
        assertThat(output).contains("SIGTERM during start-up", "keyway up: stopped during start-up");
      }
    }
  }

  private static Path fifo(Path path) throws Exception {
    Process mkfifo = new ProcessBuilder("mkfifo", path.toString()).redirectErrorStream(true).start();
    assertThat(mkfifo.waitFor(10, TimeUnit.SECONDS)).isTrue();
    assertThat(mkfifo.exitValue()).as("mkfifo").isZero();
    return path;
  }

  /**
   * Waits until {@code process} opens {@code fifo} to read its config (opening it to write
   * blocks until then), signals it, waits until it has taken the signal, then lets it go on.
   */
  private static void signalWhileReadingConfig(KeywayProcess process, Path fifo, String config)
      throws Exception {
    java.util.concurrent.CompletableFuture<java.io.OutputStream> opened =
        java.util.concurrent.CompletableFuture.supplyAsync(() -> {
          try {
            return Files.newOutputStream(fifo);
          } catch (IOException e) {
            throw new java.io.UncheckedIOException(e);
          }
        });
    java.io.OutputStream writer;
    try {
      writer = opened.get(60, TimeUnit.SECONDS);
    } catch (java.util.concurrent.TimeoutException e) {
      Files.newInputStream(fifo).close(); // unblocks the opening thread
      throw new AssertionError("the config was not opened within 60 s; output:\n" + process.output());
    }
    try (writer) {
      process.signal("TERM");
      process.awaitOutput("SIGTERM during start-up");
      writer.write(config.getBytes(StandardCharsets.UTF_8));
    }
  }

  /** {@code keyway} in a JVM of its own (the test's classpath), stdout and stderr in one file. */
  static final class KeywayProcess implements AutoCloseable {
    private final Process process;
    private final Path log;

    private KeywayProcess(Process process, Path log) {
      this.process = process;
      this.log = log;
    }

    static KeywayProcess relay(Path dir, Path data) throws IOException {
      Path config = Files.writeString(Files.createTempFile(dir, "relay", ".toml"),
          "[http]\nport = 0\n[metrics]\ndisabled = true\n");
      return start(dir, "relay", "-c", config.toString(), "--data-dir", data.toString());
    }

    static KeywayProcess start(Path dir, String... args) throws IOException {
      return start(dir, java.util.Map.of(), args);
    }

    /** As above, with {@code env} added to the environment. */
    static KeywayProcess start(Path dir, java.util.Map<String, String> env, String... args) throws IOException {
      Path log = Files.createTempFile(dir, args[0], ".log");
      List<String> command = new ArrayList<>(List.of(
          ProcessHandle.current().info().command().orElse("java"), "-Xmx128m",
          "-cp", System.getProperty("java.class.path"), Main.class.getName()));
      command.addAll(List.of(args));
      ProcessBuilder b = new ProcessBuilder(command).redirectErrorStream(true).redirectOutput(log.toFile());
      b.environment().putAll(env);
      Process p = b.start();
      return new KeywayProcess(p, log);
    }

    String output() throws IOException {
      return Files.readString(log, StandardCharsets.UTF_8);
    }

    void awaitOutput(String text) throws Exception {
      long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
      while (!output().contains(text)) {
        assertThat(process.isAlive()).as("still running; output:%n%s", output()).isTrue();
        assertThat(System.nanoTime()).as("'%s' within 60 s; output:%n%s", text, output())
            .isLessThan(deadline);
        Thread.sleep(50); // polling for readiness, not a timing assertion
      }
    }

    void signal(String name) throws Exception {
      Process kill = new ProcessBuilder("kill", "-" + name, Long.toString(process.pid())).start();
      assertThat(kill.waitFor(10, TimeUnit.SECONDS)).isTrue();
      assertThat(kill.exitValue()).isZero();
    }

    int waitFor() throws InterruptedException {
      assertThat(process.waitFor(60, TimeUnit.SECONDS)).as("stopped within 60 s").isTrue();
      return process.exitValue();
    }

    @Override
    public void close() {
      if (process.isAlive()) {
        process.destroyForcibly();
        try {
          process.waitFor(30, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
          Thread.currentThread().interrupt();
        }
      }
    }
  }
}
