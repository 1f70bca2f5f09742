package dev.keyway.dns.conformance;

import java.io.IOException;
import java.net.DatagramSocket;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.xbill.DNS.Message;
import org.xbill.DNS.Name;
import org.xbill.DNS.Rcode;
import org.xbill.DNS.Record;
import org.xbill.DNS.Type;

/**
 * NSD ({@code /usr/sbin/nsd}, Debian package nsd) serving one zone file from a private directory
 * on 127.0.0.1, in the foreground ({@code -d}), as the user running the test: no chroot, no
 * privilege drop, no disk database, no remote control, nothing outside {@code dir}. Stopped by
 * its process handle (and its forked children by theirs) on {@link #close}.
 */
final class NsdServer implements AutoCloseable {
  static final Path BINARY = Path.of("/usr/sbin/nsd");

  private final Process process;
  private final int port;
  private final Path dir;

  private NsdServer(Process process, int port, Path dir) {
    this.process = process;
    this.port = port;
    this.dir = dir;
  }

  /**
   * Writes {@code nsd.conf} and the zone file of {@code origin} into {@code dir}, starts NSD on a
   * free port and waits until it answers the apex SOA. {@code extraServerOptions} are added to
   * the {@code server:} clause verbatim (one option a line).
   */
  static NsdServer start(Path dir, String origin, String zoneText, List<String> extraServerOptions)
      throws IOException, InterruptedException {
    Path zone = dir.resolve("zone.db");
    Files.writeString(zone, zoneText, StandardCharsets.UTF_8);
    IOException last = null;
    for (int attempt = 0; attempt < 3; attempt++) {
      int port = freePort();
      Path conf = dir.resolve("nsd.conf");
      Files.writeString(conf, config(dir, port, origin, zone, extraServerOptions), StandardCharsets.UTF_8);
      Path log = dir.resolve("nsd.out");
      Process p = new ProcessBuilder(BINARY.toString(), "-d", "-c", conf.toString())
          .redirectErrorStream(true)
          .redirectOutput(log.toFile())
          .start();
      NsdServer nsd = new NsdServer(p, port, dir);
      if (nsd.awaitAnswering(origin, Duration.ofSeconds(10))) {
        return nsd;
      }
      nsd.close();
      last = new IOException("nsd did not answer on 127.0.0.1:" + port + "; its output:\n"
          + nsd.output());
    }
    throw last;
  }

  private static String config(Path dir, int port, String origin, Path zone, List<String> extra) {
    StringBuilder sb = new StringBuilder();
    sb.append("server:\n");
    for (String line : List.of(
        "ip-address: 127.0.0.1@" + port,
        "do-ip4: yes",
        "do-ip6: no",
        "port: " + port,
        "server-count: 1",
        "reuseport: no",
        "username: \"\"",
        "chroot: \"\"",
        "zonesdir: \"" + dir + "\"",
        "database: \"\"",
        "zonelistfile: \"" + dir.resolve("zone.list") + "\"",
        "xfrdfile: \"" + dir.resolve("xfrd.state") + "\"",
        "xfrdir: \"" + dir + "\"",
        "pidfile: \"" + dir.resolve("nsd.pid") + "\"",
        "logfile: \"" + dir.resolve("nsd.log") + "\"",
        "verbosity: 1")) {
      sb.append("    ").append(line).append('\n');
    }
    for (String line : extra) {
      sb.append("    ").append(line).append('\n');
    }
    sb.append("remote-control:\n    control-enable: no\n");
    sb.append("zone:\n    name: \"").append(origin).append("\"\n    zonefile: \"").append(zone)
        .append("\"\n");
    return sb.toString();
  }

  /** A port free for both TCP and UDP on 127.0.0.1 a moment ago (NSD binds both). */
  private static int freePort() throws IOException {
    for (int i = 0; i < 20; i++) {
      try (ServerSocket tcp = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
        int port = tcp.getLocalPort();
        try (DatagramSocket udp = new DatagramSocket(new InetSocketAddress("127.0.0.1", port))) {
          return port;
        } catch (IOException taken) {
          // the UDP port is in use: try another
        }
      }
    }
    throw new IOException("no port free for both TCP and UDP on 127.0.0.1");
  }

  private boolean awaitAnswering(String origin, Duration within) throws InterruptedException {
    long deadline = System.nanoTime() + within.toNanos();
    byte[] query;
    try {
      query = Message.newQuery(Record.newRecord(Name.fromString(origin), Type.SOA, 1)).toWire();
    } catch (IOException e) {
      throw new IllegalArgumentException(e);
    }
    while (System.nanoTime() < deadline && process.isAlive()) {
      WireClient.Reply r = WireClient.udp(port, query, Duration.ofMillis(300));
      if (r.bytes() != null) {
        try {
          if (new Message(r.bytes()).getRcode() == Rcode.NOERROR) {
            return true;
          }
        } catch (IOException ignored) {
          // keep waiting
        }
      }
      Thread.sleep(50);
    }
    return false;
  }

  int port() {
    return port;
  }

  /** NSD's own output and log file, for failure messages. */
  String output() {
    StringBuilder sb = new StringBuilder();
    for (String f : List.of("nsd.out", "nsd.log")) {
      try {
        sb.append("--- ").append(f).append('\n')
            .append(Files.readString(dir.resolve(f), StandardCharsets.UTF_8));
      } catch (IOException e) {
        sb.append("(").append(f).append(" unreadable: ").append(e.getMessage()).append(")\n");
      }
    }
    return sb.toString();
  }

  /** Terminates NSD (SIGTERM, then SIGKILL after 5 s) and any child it forked. */
  @Override
  public void close() {
    List<ProcessHandle> children = process.descendants().toList();
    process.destroy();
    try {
      if (!process.waitFor(5, TimeUnit.SECONDS)) {
        process.destroyForcibly();
        process.waitFor(5, TimeUnit.SECONDS);
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      process.destroyForcibly();
    }
    // NSD's server children end on their own once the main process has gone (the last one is
    // briefly a zombie until init reaps it); wait for that, and kill any that stays.
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(5);
    for (ProcessHandle child : children) {
      try {
        long left = Math.max(1, deadline - System.nanoTime());
        child.onExit().get(left, TimeUnit.NANOSECONDS);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      } catch (java.util.concurrent.ExecutionException | java.util.concurrent.TimeoutException e) {
        child.destroyForcibly();
      }
    }
  }
}
