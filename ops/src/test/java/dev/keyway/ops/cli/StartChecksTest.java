package dev.keyway.ops.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatCode;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.keyway.ops.CommandExit;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code --check}'s data directory test. The writability test is injected: these tests run as
 * root, for whom every file is writable.
 */
class StartChecksTest {
  @TempDir Path dir;

  @Test
  void aDatabaseFileThisUserCannotWriteFailsTheCheckAsItWouldFailTheStart() throws Exception {
    Path database = Files.createFile(dir.resolve("keyway-packets.mv.db"));
    assertThatCode(() -> StartChecks.dataDirectory(dir, p -> true)).doesNotThrowAnyException();
    assertThatThrownBy(() -> StartChecks.dataDirectory(dir, p -> !p.equals(database)))
        .isInstanceOf(CommandExit.class)
        .hasMessage("database file " + database + " is not writable by this user")
        .satisfies(e -> assertThat(((CommandExit) e).code()).isEqualTo(1));
  }

  @Test
  void aDirectoryThisUserCannotWriteFailsTheCheck() throws Exception {
    assertThatThrownBy(() -> StartChecks.dataDirectory(dir, p -> !p.equals(dir)))
        .isInstanceOf(CommandExit.class)
        .hasMessage("data directory " + dir + " is not writable by this user");
    Path missing = dir.resolve("a/b");
    assertThatCode(() -> StartChecks.dataDirectory(missing, p -> true)).doesNotThrowAnyException();
    assertThatThrownBy(() -> StartChecks.dataDirectory(missing, p -> !p.equals(dir)))
        .isInstanceOf(CommandExit.class)
        .hasMessage("data directory " + missing + " does not exist and cannot be created in " + dir);
  }
}
