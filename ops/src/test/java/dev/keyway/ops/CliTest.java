package dev.keyway.ops;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.keyway.client.keys.KeyFiles;
import dev.keyway.client.keys.SecretKey;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

/** The CLI run in-process, as a user would run it, checking output and exit codes. */
class CliTest {
  /** Result of one in-process run. */
  record Run(int code, String out, String err) {
    JsonNode json() throws Exception {
      return new ObjectMapper().readTree(out);
    }
  }

  static Run run(String... args) {
    StringWriter out = new StringWriter();
    StringWriter err = new StringWriter();
    CommandLine cli = Main.commandLine();
    cli.setOut(new PrintWriter(out, true));
    cli.setErr(new PrintWriter(err, true));
    int code = cli.execute(args);
    return new Run(code, out.toString(), err.toString());
  }

  @Test
  void versionAndHelp() {
    Run version = run("--version");
    assertThat(version.code()).isZero();
    assertThat(version.out()).startsWith("keyway ").doesNotContain("${project.version}");
    Run help = run("--help");
    assertThat(help.code()).isZero();
    assertThat(help.out()).contains("Usage: keyway", "key", "up");
  }

  @Test
  void wrongArgumentsPrintUsageAndExit2() {
    assertThat(run().code()).isEqualTo(2);
    Run unknown = run("frobnicate");
    assertThat(unknown.code()).isEqualTo(2);
    assertThat(unknown.err()).contains("Usage:");
    assertThat(run("key", "show").code()).isEqualTo(2);
    assertThat(run("key", "generate", "--bogus").code()).isEqualTo(2);
  }

  @Test
  void keyGenerateWritesOwnerOnlyFileAndShowReadsIt(@TempDir Path dir) throws Exception {
    Path file = dir.resolve("node.key");
    Run gen = run("key", "generate", "--out", file.toString(), "--json");
    assertThat(gen.code()).isZero();
    SecretKey key = KeyFiles.read(file);
    assertThat(gen.json().get("id").asText()).isEqualTo(key.publicKey().toString());
    assertThat(gen.out()).doesNotContain(key.toHex());
    if (Files.getFileStore(file).supportsFileAttributeView("posix")) {
      assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(file))).isEqualTo("rw-------");
    }
    Run show = run("key", "show", file.toString(), "--json");
    assertThat(show.code()).isZero();
    assertThat(show.json().get("z32").asText()).isEqualTo(key.publicKey().toZ32());
    Run text = run("key", "show", file.toString());
    assertThat(text.out()).contains("id:", key.publicKey().toString(), key.publicKey().toZ32());

    Run again = run("key", "generate", "--out", file.toString());
    assertThat(again.code()).as("a wrong argument").isEqualTo(2);
    assertThat(again.err()).isEqualTo("keyway: --out " + file + " already exists; refusing to"
        + " overwrite it (a key file is a node's identity): give another path" + System.lineSeparator());
    assertThat(KeyFiles.read(file)).isEqualTo(key);
  }

  @Test
  void keyMistakesAreExplainedAsUsageErrors(@TempDir Path dir) throws Exception {
    // a raw 32-byte binary key, as other tools write it
    Path raw = Files.write(dir.resolve("raw.key"), new byte[] {
        (byte) 0xff, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15,
        16, 17, 18, 19, 20, 21, 22, 23, 24, 25, 26, 27, 28, 29, 30, (byte) 0x80});
    Run binary = run("publish", "--secret", raw.toString(), "--addr", "192.0.2.1:1");
    assertThat(binary.code()).isEqualTo(2);
    assertThat(binary.err()).contains("not a key file (binary content)", "64 hex characters", "xxd -p");
    // a mistyped file name is not silently taken for a key
    Run typo = run("key", "show", dir.resolve("nosuch.key").toString());
    assertThat(typo.code()).isEqualTo(2);
    assertThat(typo.err()).contains("neither a key file (no such file) nor a secret key");
    // --public with a key file
    Path file = dir.resolve("node.key");
    assertThat(run("key", "generate", "--out", file.toString()).code()).isZero();
    Run pub = run("key", "show", file.toString(), "--public");
    assertThat(pub.code()).isEqualTo(2);
    assertThat(pub.err()).contains("is a file", "leave --public out");
  }

  @Test
  void anEmptyDataDirIsAUsageErrorNotTheWorkingDirectory(@TempDir Path dir) throws Exception {
    Path dns = Files.writeString(dir.resolve("dns.toml"), "[http]\nport = 0\n[dns]\nport = 0\n"
        + "origins = [\"example.\"]\ndefault_soa = \"ns.example. h.example. 0 10800 3600 604800 3600\"\n"
        + "default_ttl = 30\n");
    String[][] commands = {
        {"relay", "--check", "--data-dir="},
        {"relay", "--data-dir", ""},
        {"dns-server", "-c", dns.toString(), "--check", "--data-dir="},
        {"up", "--data-dir=", "--dns-port", "0"},
    };
    for (String[] command : commands) {
      Run r = run(command);
      assertThat(r.code()).as(String.join(" ", command)).isEqualTo(2);
      assertThat(r.err()).as(String.join(" ", command))
          .contains("--data-dir", "must not be empty", "write . if that is meant", "Usage:");
      assertThat(r.out()).as(String.join(" ", command)).isEmpty();
    }
  }

  @Test
  void keyShowFromHexAndPublicForms() throws Exception {
    // zero seed -> the pkarr JS test key (public-vectors.json keys[0])
    String zeroSeed = "0".repeat(64);
    Run show = run("key", "show", zeroSeed, "--json");
    assertThat(show.code()).isZero();
    assertThat(show.json().get("z32").asText()).isEqualTo("8pinxxgqs41n4aididenw5apqp1urfmzdztr8jt4abrkdn435ewo");
    for (String form : new String[] {
        "3b6a27bcceb6a42d62a3a8d02a6f0d73653215771de243a63ac048a18b59da29",
        "8pinxxgqs41n4aididenw5apqp1urfmzdztr8jt4abrkdn435ewo",
        "pk:8pinxxgqs41n4aididenw5apqp1urfmzdztr8jt4abrkdn435ewo"}) {
      Run pub = run("key", "show", "--public", form, "--json");
      assertThat(pub.code()).as(form).isZero();
      assertThat(pub.json().get("id").asText())
          .isEqualTo("3b6a27bcceb6a42d62a3a8d02a6f0d73653215771de243a63ac048a18b59da29");
    }
  }

  @Test
  void badKeysAreUsageErrorsWithReason() {
    Run bad = run("key", "show", "--public", "c1bkg8tfsyy8wcedtmw4fwhdmm7bbzhgg3z58tf43m5ow8w9mbus");
    assertThat(bad.code()).isEqualTo(2);
    assertThat(bad.err()).contains("keyway:", "curve point");
    Run badSecret = run("key", "show", "not-a-key");
    assertThat(badSecret.code()).isEqualTo(2);
    assertThat(badSecret.err()).contains("invalid secret key");
  }

  @Test
  void upAndDnsServerAreListed() {
    Run help = run("--help");
    assertThat(help.out()).contains("up", "dns-server");
    assertThat(run("up", "--help").out()).contains("127.0.0.1:5300", "keyway.localhost.");
    // `up` itself serves until stopped: UpCommandTest runs it.
  }
}
