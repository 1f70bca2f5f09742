package dev.keyway.ops;

import static dev.keyway.ops.CliTest.run;
import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.keyway.client.keys.SecretKey;
import dev.keyway.client.packet.MicrosClock;
import dev.keyway.client.packet.SignedPacket;
import dev.keyway.relay.store.BackupOptions;
import dev.keyway.relay.store.H2Dialect;
import dev.keyway.relay.store.JdbcPacketStore;
import dev.keyway.relay.store.StoreOptions;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.time.Duration;
import java.util.HexFormat;
import java.util.Random;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code keyway store verify}: a backup is checked, packet by packet, without being written. */
class StoreCliTest {
  @TempDir Path dir;

  static SecretKey key(int seed) {
    byte[] b = new byte[32];
    new Random(seed).nextBytes(b);
    return SecretKey.fromBytes(b);
  }

  /** A backup of a store holding {@code n} packets, made the way a server makes them. */
  Path backupOf(int n) throws Exception {
    StoreOptions options = StoreOptions.builder()
        .backup(new BackupOptions(BackupOptions.DEFAULT_DIR, Duration.ofDays(1), 2)).build();
    long now = System.currentTimeMillis() * 1_000;
    try (JdbcPacketStore store = JdbcPacketStore.openH2(dir.resolve("data"), options, MicrosClock.system())) {
      for (int i = 0; i < n; i++) {
        store.upsert(SignedPacket.builder().txt("_t", 60, "v" + i).sign(key(i), now - i))
            .get(30, TimeUnit.SECONDS);
      }
      return store.backups().orElseThrow().backupNow();
    }
  }

  static String sha256(Path f) throws Exception {
    return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(Files.readAllBytes(f)));
  }

  @Test
  void aGoodBackupVerifiesAndIsNotWritten() throws Exception {
    Path copy = backupOf(40);
    String before = sha256(copy);
    CliTest.Run r = run("store", "verify", copy.toString(), "--json", "--scratch", dir.toString());
    assertThat(r.code()).as(r.err()).isZero();
    JsonNode j = r.json();
    assertThat(j.get("packets").asLong()).isEqualTo(40);
    assertThat(j.get("invalid").asLong()).isZero();
    assertThat(j.get("schema_version").asInt()).isEqualTo(1);
    assertThat(j.get("result").asText()).startsWith("ok");
    assertThat(j.get("newest_signed").asText()).endsWith("Z");
    assertThat(sha256(copy)).as("the file checked is never written").isEqualTo(before);
    try (var left = Files.list(dir)) {
      assertThat(left).as("the scratch copy is removed").noneMatch(p -> p.getFileName().toString().startsWith("keyway-verify-"));
    }
    assertThat(run("store", "verify", copy.toString()).out()).contains("packets:", "40", "ok: a server can serve this file");
  }

  @Test
  void aDamagedBackupIsReportedPacketByPacket() throws Exception {
    Path copy = backupOf(10);
    // Damage it as a bad disk or a bug would: one row holds another key's packet, one garbage.
    Path work = dir.resolve("work");
    Files.createDirectories(work);
    H2Dialect h2 = H2Dialect.file(work);
    Files.copy(copy, h2.databaseFile());
    try (Connection c = h2.connect();
        PreparedStatement p = c.prepareStatement("UPDATE signed_packets SET packet = ? WHERE k = ?")) {
      byte[] other = SignedPacket.builder().txt("_t", 60, "x").sign(key(99), 5).toBytes();
      p.setBytes(1, other);
      p.setBytes(2, key(3).publicKey().toBytes());
      p.executeUpdate();
      p.setBytes(1, new byte[] {1, 2, 3});
      p.setBytes(2, key(4).publicKey().toBytes());
      p.executeUpdate();
    }
    CliTest.Run r = run("store", "verify", h2.databaseFile().toString(), "--json");
    assertThat(r.code()).isEqualTo(1);
    JsonNode j = r.json();
    assertThat(j.get("packets").asLong()).isEqualTo(10);
    assertThat(j.get("invalid").asLong()).isEqualTo(2);
    assertThat(j.get("problems").toString())
        .contains(key(3).publicKey().toZ32() + ": holds the packet of " + key(99).publicKey().toZ32())
        .contains(key(4).publicKey().toZ32() + ": ");
    assertThat(j.get("result").asText()).startsWith("damaged: 2 packets do not verify");
  }

  @Test
  void whatIsNotAStoreOrNotThereIsRefused() throws Exception {
    Path text = Files.writeString(dir.resolve("notes.mv.db"), "not a database");
    CliTest.Run r = run("store", "verify", text.toString());
    assertThat(r.code()).isEqualTo(1);
    assertThat(r.err()).contains(text + " does not open as a database (is it a keyway database file, and whole?)");
    // An H2 database of something else.
    H2Dialect other = H2Dialect.file(dir.resolve("other"));
    try (Connection c = other.connect(); var st = c.createStatement()) {
      st.execute("CREATE TABLE notes (id INT)");
    }
    CliTest.Run foreign = run("store", "verify", other.databaseFile().toString());
    assertThat(foreign.code()).isEqualTo(1);
    assertThat(foreign.err()).contains("does not open as a keyway store: no keyway schema in it");
    CliTest.Run missing = run("store", "verify", dir.resolve("nothing.mv.db").toString());
    assertThat(missing.code()).isEqualTo(2);
    assertThat(missing.err()).contains("no such file");
  }
}
