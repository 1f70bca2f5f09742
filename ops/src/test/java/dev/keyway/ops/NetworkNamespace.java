package dev.keyway.ops;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * A network namespace joined to this host by a veth pair, for running a real third-party
 * program whose network the test must control: inside it the program sees only the namespace's
 * loopback and {@link #insideAddress()}, and reaches the host (where the test's servers listen)
 * only at {@link #hostAddress()}. Needs root ({@code ip netns add}); {@link #close} removes it.
 */
final class NetworkNamespace implements AutoCloseable {
  private final String name;
  private final String hostInterface;
  private final String hostAddress;
  private final String insideAddress;

  private NetworkNamespace(long tag) {
    // Interface names are at most 15 characters; the /30 is one of 250 in 10.213/16.
    this.name = "kw-iroh-" + tag;
    this.hostInterface = "kwh" + (tag % 100_000);
    int subnet = (int) (tag % 250) + 1;
    this.hostAddress = "10.213." + subnet + ".1";
    this.insideAddress = "10.213." + subnet + ".2";
  }

  /** Creates the namespace and its link, or throws with the failing command's output. */
  static NetworkNamespace create() throws IOException, InterruptedException {
    long tag = ProcessHandle.current().pid();
    NetworkNamespace ns = new NetworkNamespace(tag);
    String inside = "kwn" + (tag % 100_000);
    try {
      run("ip", "netns", "add", ns.name);
      run("ip", "link", "add", ns.hostInterface, "type", "veth", "peer", "name", inside);
      run("ip", "link", "set", inside, "netns", ns.name);
      run("ip", "addr", "add", ns.hostAddress + "/30", "dev", ns.hostInterface);
      run("ip", "link", "set", ns.hostInterface, "up");
      run("ip", "netns", "exec", ns.name, "ip", "link", "set", "lo", "up");
      run("ip", "netns", "exec", ns.name, "ip", "addr", "add", ns.insideAddress + "/30", "dev", inside);
      run("ip", "netns", "exec", ns.name, "ip", "link", "set", inside, "up");
    } catch (IOException | RuntimeException e) {
      ns.close();
      throw e;
    }
    return ns;
  }

  /** The host's end of the link: where servers for the namespace listen. */
  String hostAddress() {
    return hostAddress;
  }

  /** The namespace's end of the link. */
  String insideAddress() {
    return insideAddress;
  }

  /** A command line that runs {@code command} inside the namespace. */
  List<String> exec(List<String> command) {
    List<String> line = new ArrayList<>(List.of("ip", "netns", "exec", name));
    line.addAll(command);
    return line;
  }

  @Override
  public void close() {
    // Deleting the namespace destroys its end of the veth pair, and with it the host's end.
    quietly("ip", "netns", "del", name);
    quietly("ip", "link", "del", hostInterface);
  }

  private static void quietly(String... command) {
    try {
      new ProcessBuilder(command).redirectErrorStream(true)
          .redirectOutput(ProcessBuilder.Redirect.DISCARD).start().waitFor(10, TimeUnit.SECONDS);
    } catch (IOException e) {
      // nothing to undo
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }

  static void run(String... command) throws IOException, InterruptedException {
    Process p = new ProcessBuilder(command).redirectErrorStream(true).start();
    String output = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    if (!p.waitFor(10, TimeUnit.SECONDS) || p.exitValue() != 0) {
      p.destroyForcibly();
      throw new IOException(String.join(" ", command) + " failed: " + output.strip());
    }
  }
}
