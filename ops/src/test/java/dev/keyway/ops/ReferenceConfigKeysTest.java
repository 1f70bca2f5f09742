package dev.keyway.ops;

import static org.assertj.core.api.Assertions.assertThat;

import dev.keyway.dns.DnsServerConfig;
import dev.keyway.relay.RelayConfig;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;

/**
 * The reference configs say "every key is listed": each key a config file may hold appears in
 * its reference file as a {@code key = value} line (commented out or not) under its table, once,
 * and nothing else does. (RelayCliTest and DnsServerCommandTest check the values are the defaults.)
 */
class ReferenceConfigKeysTest {
  private static final Pattern TABLE = Pattern.compile("^(?:# )?\\[([a-z_.]+)\\]\\s*$");
  private static final Pattern KEY = Pattern.compile("^(?:# )?([a-z_][a-z_0-9]*) = ");

  /** The dotted keys of the {@code key = value} lines of a reference file, in file order. */
  static List<String> documentedKeys(Path file) throws Exception {
    List<String> keys = new ArrayList<>();
    String table = "";
    for (String line : Files.readAllLines(file)) {
      Matcher t = TABLE.matcher(line);
      Matcher k = KEY.matcher(line);
      if (t.find()) {
        table = t.group(1) + ".";
      } else if (k.find()) {
        keys.add(table + k.group(1));
      }
    }
    return keys;
  }

  @Test
  void relayTomlListsEveryKeyOnce() throws Exception {
    assertThat(documentedKeys(Path.of("config/relay.toml")))
        .containsExactlyInAnyOrderElementsOf(RelayConfig.fileKeys());
  }

  @Test
  void dnsTomlListsEveryKeyOnce() throws Exception {
    assertThat(documentedKeys(Path.of("config/dns.toml")))
        .containsExactlyInAnyOrderElementsOf(DnsServerConfig.fileKeys());
  }
}
