package dev.keyway.relay.store;

import java.sql.Connection;
import java.sql.SQLException;
import java.util.List;

/**
 * Everything database-specific about a {@link JdbcPacketStore}: how to connect, the DDL, how to
 * make a commit survive power loss, housekeeping, and any statement that standard SQL does not
 * cover. The statements here are standard SQL (they run unchanged on H2 and PostgreSQL); a
 * dialect overrides what its database spells differently.
 *
 * <h2>Schema (version {@value #SCHEMA_VERSION})</h2>
 * <pre>
 * signed_packets(
 *   k           32 bytes, primary key      -- the Ed25519 public key
 *   packet      up to 1104 bytes           -- canonical form key|sig|ts|dns, as verified on PUT
 *   ts          64-bit                     -- for age eviction (µs): the later of the packet's
 *                                          --   signed timestamp and when it was last PUT
 *   last_seen   64-bit                     -- when these bytes were last received (µs)
 *   last_access 64-bit                     -- last read or write (µs), for LRU eviction
 * )
 * index on ts, index on last_access
 * keyway_schema(version)                   -- one row
 * </pre>
 * Binary columns are variable-length binary strings ({@code VARBINARY} / {@code bytea}), never
 * large objects: a BLOB is about twice as slow in H2 for values of this size.
 */
public abstract class SqlDialect {
  /** The schema version this code reads and writes. */
  public static final int SCHEMA_VERSION = 1;

  /** A short name for logs and the status page, such as {@code "h2"}. */
  public abstract String name();

  /** Where the data lives, for logs (never contains a password). */
  public abstract String describe();

  /** Opens a new connection. The store sets auto-commit itself. */
  public abstract Connection connect() throws SQLException;

  /** Idempotent DDL that creates the schema when it is missing, in order. */
  public abstract List<String> createSchema();

  /**
   * Statements run once on the writer's connection when a store opens, for database settings that
   * depend on the store's options. Default none.
   */
  public List<String> configure(StoreOptions options) {
    return List.of();
  }

  /**
   * Makes everything committed so far survive power loss and OS crashes (an {@code fsync}), when
   * {@link StoreOptions#fsync()} asks for it. The default does nothing, for databases whose commit
   * already syncs.
   */
  public void sync(Connection connection) throws SQLException {}

  /** Periodic housekeeping on the writer's connection (compaction, vacuum); default none. */
  public void maintain(Connection connection) throws SQLException {}

  /**
   * Rows written after which the writer runs {@link #maintain} again without waiting for its
   * timer, for databases whose garbage grows with the rows written; 0 (the default) means only on
   * the timer.
   */
  public int maintainEveryRows() {
    return 0;
  }

  /**
   * A failure to open the store in words for an operator; by default the driver's message.
   * Dialects replace the messages that give advice meant for a database's own users.
   */
  public String explain(SQLException e) {
    return e.getMessage();
  }

  /**
   * Whether {@code e} means the database cannot be used any more (it closed itself after a write
   * error, its file is read-only, corrupt or on a full disk); the store then refuses writes
   * until restarted ({@link JdbcPacketStore#failure()}). By default nothing is.
   */
  public boolean isFatal(SQLException e) {
    return false;
  }

  /**
   * Longest a committed batch may wait for its fsync before the writer stops committing more
   * (with fsync on): bounds how far the device's state may lag the database's, for dialects that
   * reuse file space a fixed time after a commit. By default 10 s.
   */
  public java.time.Duration maxSyncLag() {
    return java.time.Duration.ofSeconds(10);
  }

  /** The most recent access time of any row, or 0 when the store is empty. */
  public String selectMaxAccess() {
    return "SELECT COALESCE(MAX(last_access), 0) FROM signed_packets";
  }

  /** Bytes the store occupies on disk, or -1 when the dialect cannot tell. */
  public long storageBytes() {
    return -1;
  }

  /**
   * Whether {@link #backup} can copy this database while the store runs. A server database such
   * as PostgreSQL is backed up with its own tools ({@code pg_dump}, {@code pg_basebackup}).
   */
  public boolean supportsBackup() {
    return false;
  }

  /** Where backups configured to go to {@code dir} go: relative paths are resolved here. */
  public java.nio.file.Path backupDirectory(java.nio.file.Path dir) {
    return dir.toAbsolutePath().normalize();
  }

  /** What a backup file's name starts with, before its time stamp. */
  public String backupPrefix() {
    return "keyway-packets-";
  }

  /** What a backup file's name ends with, after its time stamp. */
  public String backupSuffix() {
    return ".backup";
  }

  /**
   * Writes a consistent copy of the whole database to {@code target}, a file that does not exist
   * yet, while the store goes on reading and writing ({@link StoreBackups}), through
   * {@code connection} (the backups' own). Stops early with an {@link java.io.IOException} once
   * {@code cancelled} says so.
   *
   * @return the bytes the copy should hold (for a free-space check before the next one)
   * @throws UnsupportedOperationException unless {@link #supportsBackup()}
   */
  public long backup(Connection connection, java.nio.file.Path target,
      java.util.function.BooleanSupplier cancelled) throws SQLException, java.io.IOException {
    throw new UnsupportedOperationException(name() + " databases are backed up with their own tools");
  }

  /** The name ending of a copy being written, before it is checked and renamed. */
  public String partialBackupSuffix() {
    return backupSuffix() + ".partial";
  }

  /**
   * Opens a copy written by {@link #backup} on its own, without changing it, and reads it
   * through; fails if the database would not open or read it. Returns the packets it holds.
   */
  public long verifyBackup(java.nio.file.Path copy) throws SQLException {
    return -1;
  }

  /** Bytes a copy by {@link #backup} would take now (the database's size), or -1 if unknown. */
  public long backupSize() {
    return storageBytes();
  }

  /** Called once after the store has closed all its connections. */
  public void afterClose() {}

  // ---- statements (standard SQL) ----

  /** {@code version} of the one row of {@code keyway_schema}. */
  public String selectSchemaVersion() {
    return "SELECT version FROM keyway_schema";
  }

  /** Inserts the version row: (version). */
  public String insertSchemaVersion() {
    return "INSERT INTO keyway_schema (version) VALUES (?)";
  }

  /** (k) → packet, last_seen. */
  public String selectPacket() {
    return "SELECT packet, last_seen FROM signed_packets WHERE k = ?";
  }

  /** () → k, packet of every row (a full scan, for {@link StoreVerifier}). */
  public String selectAllPackets() {
    return "SELECT k, packet FROM signed_packets";
  }

  /** (k, packet, ts, last_seen, last_access). */
  public String insertPacket() {
    return "INSERT INTO signed_packets (k, packet, ts, last_seen, last_access) VALUES (?, ?, ?, ?, ?)";
  }

  /** (packet, ts, last_seen, last_access, k). */
  public String updatePacket() {
    return "UPDATE signed_packets SET packet = ?, ts = ?, last_seen = ?, last_access = ? WHERE k = ?";
  }

  /**
   * (last_seen, last_access, last_seen, last_seen, k, last_seen): a republish's last-seen, written
   * later in bulk, which also keeps the packet from age eviction that long ({@code ts}); never
   * moves last-seen back (the row may hold a newer packet by then).
   */
  public String refreshLastSeen() {
    return "UPDATE signed_packets SET last_seen = ?, last_access = ?,"
        + " ts = CASE WHEN ts < ? THEN ? ELSE ts END WHERE k = ? AND last_seen < ?";
  }

  /** (last_access, k, last_access): moves the access time forward only. */
  public String touchAccess() {
    return "UPDATE signed_packets SET last_access = ? WHERE k = ? AND last_access < ?";
  }

  /** () → count. */
  public String countPackets() {
    return "SELECT COUNT(*) FROM signed_packets";
  }

  /**
   * (cutoff, limit) → k of the packets longest neither signed nor published, of those neither
   * since the cutoff.
   */
  public String selectExpired() {
    return "SELECT k FROM signed_packets WHERE ts < ? ORDER BY ts FETCH FIRST ? ROWS ONLY";
  }

  /** (limit) → k of the least recently used packets. */
  public String selectLeastRecentlyUsed() {
    return "SELECT k FROM signed_packets ORDER BY last_access FETCH FIRST ? ROWS ONLY";
  }

  /** (k, cutoff): deletes the row only if it is still expired at the cutoff. */
  public String deleteExpired() {
    return "DELETE FROM signed_packets WHERE k = ? AND ts < ?";
  }

  /** (k). */
  public String deletePacket() {
    return "DELETE FROM signed_packets WHERE k = ?";
  }
}
