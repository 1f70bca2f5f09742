package dev.keyway.relay.store;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.List;
import java.util.Objects;
import java.util.Properties;

/**
 * Embedded H2 2.4 (MVStore) in one file, {@code <dataDir>/keyway-packets.mv.db}: the default
 * store of {@code keyway relay} and {@code keyway up}.
 *
 * <h2>When is a commit on disk? (H2 2.4.240, read from its bytecode, proven by a kill -9 test)</h2>
 * <ul>
 *   <li>By default ({@code WRITE_DELAY} 500 ms) a JDBC {@code commit()} only marks the transaction
 *       committed in memory; a background thread writes the change to the file up to about half a
 *       second later, and even an explicit {@code CHECKPOINT} can return while that thread's write
 *       is still queued. A {@code kill -9} in that window loses committed transactions.
 *   <li>With {@code WRITE_DELAY=0} (set in the URL below) there is no background writer: every
 *       transaction that changed data ends with {@code MVStore.tryCommit()}, which serialises the
 *       new chunk and writes it with {@code FileChannel.write} in the committing thread before
 *       {@code commit()} returns. The bytes are then in the OS page cache: a process crash or
 *       {@code kill -9} after {@code commit()} loses nothing. The store has one writer thread, so
 *       no other thread holds the store lock that {@code tryCommit} would skip on.
 *   <li>Nothing in that path calls {@code fsync}; H2 forces the file only on a clean close and
 *       when it moves chunks. {@link #sync} therefore runs {@code CHECKPOINT SYNC} (a
 *       {@code FileChannel.force}) after each group commit when {@link StoreOptions#fsync()} is
 *       on, which makes acknowledged packets survive power loss and OS crashes too.
 *   <li>Without the background thread H2 does no housekeeping, so {@link #maintain} rewrites
 *       sparse chunks the way that thread would (MVStore {@code compact}) to keep the file from
 *       growing under updates.
 * </ul>
 * {@code DB_CLOSE_ON_EXIT=FALSE} stops H2's own shutdown hook from closing the database before
 * the store's writer has flushed; the store closes it. The file lock is H2's default (an OS file
 * lock), which a killed process releases, so a restart after {@code kill -9} opens cleanly.
 */
public final class H2Dialect extends SqlDialect {
  /** File name of the database inside the data directory (H2 appends {@code .mv.db}). */
  public static final String DATABASE_NAME = "keyway-packets";
  /** Fill rate under which housekeeping rewrites chunks (MVStore's own default is 90). */
  static final int COMPACT_TARGET_FILL_RATE = 80;
  /** Most bytes one housekeeping run rewrites, so it never stalls the writer long (guess). */
  static final int COMPACT_MAX_WRITE_BYTES = 4 << 20;

  private final Path dataDir;
  private final String url;

  private H2Dialect(Path dataDir) {
    this.dataDir = dataDir.toAbsolutePath().normalize();
    this.url = "jdbc:h2:file:" + this.dataDir.resolve(DATABASE_NAME)
        + ";WRITE_DELAY=0;DB_CLOSE_ON_EXIT=FALSE";
  }

  /** A database under {@code dataDir}, which is created if missing. */
  public static H2Dialect file(Path dataDir) {
    Objects.requireNonNull(dataDir, "dataDir");
    try {
      Files.createDirectories(dataDir);
    } catch (IOException e) {
      throw new UncheckedIOException("cannot create data directory " + dataDir, e);
    }
    return new H2Dialect(dataDir);
  }

  /** The data directory. */
  public Path dataDir() {
    return dataDir;
  }

  /** The database file. */
  public Path databaseFile() {
    return dataDir.resolve(DATABASE_NAME + ".mv.db");
  }

  @Override
  public String name() {
    return "h2";
  }

  @Override
  public String describe() {
    return "h2 " + databaseFile();
  }

  @Override
  public Connection connect() throws SQLException {
    Properties props = new Properties();
    props.setProperty("user", "sa");
    props.setProperty("password", "");
    return new org.h2.Driver().connect(url, props);
  }

  @Override
  public List<String> createSchema() {
    return List.of(
        "CREATE TABLE IF NOT EXISTS keyway_schema (version INT NOT NULL)",
        "CREATE TABLE IF NOT EXISTS signed_packets ("
            + "k BINARY(32) NOT NULL PRIMARY KEY, "
            + "packet VARBINARY(1104) NOT NULL, "
            + "ts BIGINT NOT NULL, "
            + "last_seen BIGINT NOT NULL, "
            + "last_access BIGINT NOT NULL)",
        "CREATE INDEX IF NOT EXISTS signed_packets_ts ON signed_packets (ts)",
        "CREATE INDEX IF NOT EXISTS signed_packets_last_access ON signed_packets (last_access)");
  }

  @Override
  public void sync(Connection connection) throws SQLException {
    try (Statement s = connection.createStatement()) {
      s.execute("CHECKPOINT SYNC");
    }
  }

  @Override
  public void maintain(Connection connection) throws SQLException {
    // H2 has no SQL for online compaction; reach the MVStore the way its background thread does.
    org.h2.engine.Session session = connection.unwrap(org.h2.jdbc.JdbcConnection.class).getSession();
    if (session instanceof org.h2.engine.SessionLocal local) {
      org.h2.mvstore.MVStore mv = local.getDatabase().getStore().getMvStore();
      if (mv.compact(COMPACT_TARGET_FILL_RATE, COMPACT_MAX_WRITE_BYTES)) {
        mv.commit();
      }
    }
  }

  @Override
  public long storageBytes() {
    try {
      return Files.size(databaseFile());
    } catch (IOException e) {
      return -1;
    }
  }
}
