package dev.keyway.dns.conformance;

import static org.junit.jupiter.api.Assertions.fail;

import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Assumptions;

/**
 * What the conformance tests need from the machine: a reference DNS server binary (Debian
 * packages listed in {@code .ci/packages.txt}). Without it a test is skipped, unless
 * {@code KEYWAY_INTEROP=required} (as {@code .ci/run} sets it), when it fails: CI must never pass
 * by skipping. The same convention as ops' {@code InteropPrerequisites}, kept local because
 * dns-server does not depend on ops.
 */
final class ReferencePrerequisites {
  private ReferencePrerequisites() {}

  /** Skips or fails the calling test unless {@code binary} is an executable file. */
  static void requireExecutable(Path binary, String debianPackage) {
    if (Files.isRegularFile(binary) && Files.isExecutable(binary)) {
      return;
    }
    String reason = "conformance test needs " + binary + " (Debian package " + debianPackage
        + ", listed in .ci/packages.txt)";
    if ("required".equals(System.getenv("KEYWAY_INTEROP"))) {
      fail(reason + " (KEYWAY_INTEROP=required)");
    }
    Assumptions.abort(reason);
  }
}
