package dev.keyway.ops;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import picocli.CommandLine;

/**
 * Runs a serving command ({@code up}, {@code dns-server}) in-process on its own thread, waits for
 * its "ready" line, and stops it with an interrupt, as a signal would.
 */
final class ServingCommand implements AutoCloseable {
  private final StringWriter out = new StringWriter();
  private final StringWriter err = new StringWriter();
  private final Thread thread;
  private volatile int code = -1;

  ServingCommand(String ready, String... args) {
    CommandLine cli = Main.commandLine();
    cli.setOut(new PrintWriter(out, true));
    cli.setErr(new PrintWriter(err, true));
    thread = new Thread(() -> code = cli.execute(args), "serving-" + args[0]);
    thread.start();
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
    while (!out().contains(ready)) {
      if (!thread.isAlive()) {
        throw new AssertionError("command ended with " + code + " before it was ready:\n" + out() + err());
      }
      if (System.nanoTime() > deadline) {
        throw new AssertionError("not ready after 60 s:\n" + out() + err());
      }
      try {
        Thread.sleep(50); // polling for readiness, not a timing assertion
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        throw new AssertionError(e);
      }
    }
  }

  String out() {
    synchronized (out) {
      return out.toString();
    }
  }

  String err() {
    return err.toString();
  }

  /** The first number captured by {@code regex} in the output. */
  int port(String regex) {
    Matcher m = Pattern.compile(regex).matcher(out());
    assertThat(m.find()).as("%s in:%n%s", regex, out()).isTrue();
    return Integer.parseInt(m.group(1));
  }

  /** Stops the command and returns its exit code. */
  int stop() throws InterruptedException {
    thread.interrupt();
    thread.join(TimeUnit.SECONDS.toMillis(60));
    assertThat(thread.isAlive()).as("command still running after interrupt").isFalse();
    return code;
  }

  @Override
  public void close() throws InterruptedException {
    if (thread.isAlive()) {
      stop();
    }
  }

  /** Runs dig with explicit timeouts; a missing dig fails (CI installs dnsutils). */
  static String dig(int port, String... args) throws IOException, InterruptedException {
    List<String> cmd = new ArrayList<>(List.of("dig", "@127.0.0.1", "-p", Integer.toString(port),
        "+time=5", "+tries=2"));
    cmd.addAll(List.of(args));
    Process p;
    try {
      p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
    } catch (IOException e) {
      throw new AssertionError("dig is not installed: install dnsutils (.ci/packages.txt)", e);
    }
    String text = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    assertThat(p.waitFor(60, TimeUnit.SECONDS)).isTrue();
    return text;
  }
}
