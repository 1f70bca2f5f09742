package dev.keyway.dns.testing;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Runs the real {@code dig} (dnsutils) and {@code kdig} (knot-dnsutils) against a test server,
 * always with explicit timeouts and retries. A missing tool fails the test with the package to
 * install (CI installs them from .ci/packages.txt); it never skips.
 */
public final class DnsTools {
  private DnsTools() {}

  /** The parsed output of one dig/kdig run. */
  public record Result(int exitCode, String output) {
    /** The RCODE name of the last response shown ({@code NOERROR}, {@code NXDOMAIN}, ...). */
    public String status() {
      Matcher m = Pattern.compile("status: ([A-Z]+)").matcher(output);
      String last = null;
      while (m.find()) {
        last = m.group(1);
      }
      assertThat(last).as("no status in output:%n%s", output).isNotNull();
      return last;
    }

    /** The header flags of the last response ({@code qr aa rd ...}). */
    public List<String> flags() {
      Matcher m = Pattern.compile(";; [Ff]lags: ([a-z ]*);").matcher(output);
      String last = null;
      while (m.find()) {
        last = m.group(1);
      }
      assertThat(last).as("no flags in output:%n%s", output).isNotNull();
      return List.of(last.trim().split(" +"));
    }

    /** The lines of a section ({@code ANSWER}, {@code AUTHORITY}, ...) of the last response. */
    public List<String> section(String name) {
      List<String> lines = new ArrayList<>();
      String[] all = output.split("\n");
      int start = -1;
      for (int i = 0; i < all.length; i++) {
        if (all[i].matches(";; " + name + " SECTION:.*")) {
          start = i;
        }
      }
      if (start < 0) {
        return lines;
      }
      for (int i = start + 1; i < all.length && !all[i].isBlank() && !all[i].startsWith(";;"); i++) {
        lines.add(all[i].trim().replaceAll("\\s+", " "));
      }
      return lines;
    }

    /** The quoted TXT strings in the answer section, concatenated per record. */
    public List<String> txt() {
      List<String> out = new ArrayList<>();
      for (String line : section("ANSWER")) {
        if (!line.contains("TXT")) {
          continue;
        }
        StringBuilder sb = new StringBuilder();
        Matcher m = Pattern.compile("\"((?:[^\"\\\\]|\\\\.)*)\"").matcher(line);
        while (m.find()) {
          sb.append(m.group(1));
        }
        out.add(sb.toString());
      }
      return out;
    }
  }

  /** {@code dig @127.0.0.1 -p PORT +time=5 +tries=2 ARGS...}. */
  public static Result dig(int port, String... args) {
    List<String> cmd = new ArrayList<>(List.of("dig", "@127.0.0.1", "-p", Integer.toString(port),
        "+time=5", "+tries=2"));
    cmd.addAll(List.of(args));
    return run("dig", "dnsutils", cmd);
  }

  /** {@code kdig @127.0.0.1 -p PORT +time=5 +retry=1 ARGS...}. */
  public static Result kdig(int port, String... args) {
    List<String> cmd = new ArrayList<>(List.of("kdig", "@127.0.0.1", "-p", Integer.toString(port),
        "+time=5", "+retry=1"));
    cmd.addAll(List.of(args));
    return run("kdig", "knot-dnsutils", cmd);
  }

  private static Result run(String tool, String pkg, List<String> cmd) {
    Process p;
    try {
      p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
    } catch (IOException e) {
      throw new AssertionError(tool + " is not installed: install the Debian package " + pkg
          + " (listed in .ci/packages.txt; CI installs it). This test needs the real tool.", e);
    }
    try {
      p.getOutputStream().close();
      byte[] out = p.getInputStream().readAllBytes();
      if (!p.waitFor(60, TimeUnit.SECONDS)) {
        p.destroyForcibly();
        throw new AssertionError(tool + " did not finish within 60 s: " + cmd);
      }
      return new Result(p.exitValue(), new String(out, StandardCharsets.UTF_8));
    } catch (IOException e) {
      throw new AssertionError("running " + cmd, e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new AssertionError("interrupted running " + cmd, e);
    }
  }
}
