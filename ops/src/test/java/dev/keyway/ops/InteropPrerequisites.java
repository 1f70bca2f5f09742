package dev.keyway.ops;

import static org.junit.jupiter.api.Assertions.fail;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Assumptions;

/**
 * What the interoperability tests need from the machine: Node.js, the npm packages of
 * {@code interop/<name>} ({@code .ci/install-interop.sh}) and, for network namespaces, root.
 * Without them a test is skipped, unless {@code KEYWAY_INTEROP=required} (as {@code .ci/run}
 * sets it), when it fails: CI must never pass by skipping.
 */
final class InteropPrerequisites {
  private InteropPrerequisites() {}

  /** The folder of one interop client, {@code interop/<name>} at the repository root. */
  static Path dir(String name) {
    return Path.of("..", "interop", name).toAbsolutePath().normalize();
  }

  /** Skips or fails the calling test unless {@code packages} and, if asked, root are there. */
  static void require(String name, List<String> packages, boolean root) {
    List<String> missing = new ArrayList<>();
    for (String pkg : packages) {
      if (!Files.isRegularFile(dir(name).resolve("node_modules").resolve(pkg).resolve("package.json"))) {
        missing.add("npm package " + pkg + " in interop/" + name + " (run .ci/install-interop.sh)");
      }
    }
    if (!succeeds("node", "-e", "process.exit(+process.versions.node.split('.')[0] >= 20 ? 0 : 1)")) {
      missing.add("Node.js >= 20");
    }
    if (root && !succeeds("sh", "-c", "[ \"$(id -u)\" = 0 ] && command -v ip")) {
      missing.add("root and iproute2 (network namespaces)");
    }
    skipOrFail(missing);
  }

  /** Skips or fails the calling test unless every command is on the PATH. */
  static void requireCommands(String... commands) {
    List<String> missing = new ArrayList<>();
    for (String command : commands) {
      if (!succeeds("sh", "-c", "command -v \"$0\"", command)) {
        missing.add(command + " (.ci/packages.txt)");
      }
    }
    skipOrFail(missing);
  }

  private static void skipOrFail(List<String> missing) {
    if (!missing.isEmpty()) {
      String reason = "interop test needs " + String.join(", ", missing);
      if ("required".equals(System.getenv("KEYWAY_INTEROP"))) {
        fail(reason + " (KEYWAY_INTEROP=required)");
      }
      Assumptions.abort(reason);
    }
  }

  private static boolean succeeds(String... command) {
    try {
      Process p = new ProcessBuilder(command).redirectErrorStream(true)
          .redirectOutput(ProcessBuilder.Redirect.DISCARD).start();
      if (!p.waitFor(20, TimeUnit.SECONDS)) {
        p.destroyForcibly();
        return false;
      }
      return p.exitValue() == 0;
    } catch (IOException e) {
      return false;
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return false;
    }
  }
}
