package dev.keyway.relay.config;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.math.BigDecimal;
import java.nio.charset.MalformedInputException;
import java.nio.file.AccessDeniedException;
import java.nio.file.FileSystemException;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** The strict reader on a small format of its own; RelayConfigTest covers the relay's file. */
class TomlFilesTest {
  record Inner(Integer count, Long size, Boolean on, String name, List<String> names, Object any) {}

  record Format(Inner table, String title) {}

  private static void assertError(String toml, String message) {
    assertThatThrownBy(() -> TomlFiles.parse(toml, Format.class, "f.toml"))
        .as(toml)
        .isInstanceOf(ConfigException.class)
        .hasMessage(message);
  }

  @Test
  void nothingIsCoercedSilently() {
    assertError("[table]\ncount = 1.5", "f.toml: table.count: expected an integer, got 1.5");
    assertError("[table]\nsize = 2.0", "f.toml: table.size: expected an integer, got 2.0");
    assertError("[table]\ncount = \"1\"", "f.toml: table.count: expected an integer, got \"1\"");
    assertError("[table]\ncount = \"\"", "f.toml: table.count: expected an integer, got \"\"");
    assertError("[table]\ncount = true", "f.toml: table.count: expected an integer, got true");
    assertError("[table]\non = \"true\"", "f.toml: table.on: expected true or false, got \"true\"");
    assertError("[table]\non = 0", "f.toml: table.on: expected true or false, got 0");
    assertError("[table]\non = \"\"", "f.toml: table.on: expected true or false, got \"\"");
    assertError("[table]\nname = 5", "f.toml: table.name: expected a string, got 5");
    assertError("[table]\nname = 0.5", "f.toml: table.name: expected a string, got 0.5");
    assertError("[table]\nname = false", "f.toml: table.name: expected a string, got false");
    assertError("title = {a = 1}", "f.toml: title: expected a string, got a table");
    assertError("[table]\nnames = [\"a\", 2]",
        "f.toml: table.names[1]: expected a string, got 2");
    assertError("[table]\nnames = \"a\"",
        "f.toml: table.names: expected an array of strings, e.g. [\"a\", \"b\"], got \"a\"");
    assertError("[table]\nnames = [\"a\", [\"b\"]]", "f.toml: table.names[1]: expected a string, got an array");
    assertError("table = \"\"", "f.toml: table: expected a table ([table]), got \"\"");
    assertError("[table]\nsize = 99999999999999999999",
        "f.toml: table.size: expected an integer from -9223372036854775808 to 9223372036854775807,"
            + " got 99999999999999999999");
  }

  @Test
  void rightTypesRead() {
    Format f = TomlFiles.parse("title = \"\"\n[table]\ncount = 0x10\nsize = 1_000\non = false\n"
        + "names = []\nany = 0.5\n", Format.class, "f.toml");
    assertThat(f.title()).isEmpty();
    assertThat(f.table()).isEqualTo(new Inner(16, 1000L, false, null, List.of(), new BigDecimal("0.5")));
  }

  @Test
  void syntaxErrorsHaveALocation() {
    assertError("title = \"x\"\n[table\n", "f.toml:2:7: not valid TOML: newline not permitted here");
    assertError("title = \"x\"\ntitle = \"y\"", "f.toml:2:1: not valid TOML: duplicate key 'title'");
    assertError("[table]\n\"quoted key\" = 1\n\"quoted key\" = 2",
        "f.toml:3:1: not valid TOML: duplicate key '\"quoted key\"'");
    assertError("[table]\na.b = 1\na.b = 2", "f.toml:3:1: not valid TOML: duplicate key 'a.b'");
    assertError("[ table ]\n[ table ]", "f.toml:2:1: not valid TOML: table [table] defined twice");
    assertError("title = \"\"\"\nxx\n", "f.toml:3:1: not valid TOML: premature end of file");
  }

  @Test
  void keysAreDottedAndComplete() {
    assertThat(TomlFiles.keys(Format.class)).containsExactly("table.count", "table.size", "table.on",
        "table.name", "table.names", "table.any", "title");
  }

  @Test
  void readFailuresAreSaidInWords() {
    assertThat(TomlFiles.reason(new AccessDeniedException("/etc/keyway/relay.toml")))
        .isEqualTo("permission denied");
    assertThat(TomlFiles.reason(new MalformedInputException(1)))
        .isEqualTo("not UTF-8 text (TOML files are UTF-8)");
    assertThat(TomlFiles.reason(new FileSystemException("/x", null, "Too many levels of symbolic links")))
        .isEqualTo("too many levels of symbolic links");
    assertThat(TomlFiles.reason(new IOException("Input/output error"))).isEqualTo("input/output error");
    assertThat(TomlFiles.reason(new IOException())).isEqualTo("IOException");
  }

  @Test
  void valuesAreShownAsTomlWritesThem() {
    assertThat(TomlFiles.describe((Object) "a \"b\"\n")).isEqualTo("\"a \\\"b\\\"\\n\"");
    assertThat(TomlFiles.describe(new BigDecimal("1E+3"))).isEqualTo("1000.0");
    assertThat(TomlFiles.describe(Double.NEGATIVE_INFINITY)).isEqualTo("-inf");
    assertThat(TomlFiles.describe(Map.of())).isEqualTo("a table");
    assertThat(TomlFiles.describe(List.of(1))).isEqualTo("an array");
    assertThat(TomlFiles.describe(7L)).isEqualTo("7");
  }

  @Test
  void renamingReplacesWholeWordsOnly() {
    ConfigException e = ConfigException.renaming(
        new IllegalArgumentException("queueCapacity must be at least maxBatchSize (8), got 1; capacity"),
        Map.of("queueCapacity", "store.queue_capacity", "maxBatchSize", "store.max_batch_size",
            "capacity", "cache.size"));
    assertThat(e).hasMessage("store.queue_capacity must be at least store.max_batch_size (8), got 1;"
        + " cache.size");
  }
}
