package dev.keyway.relay.store;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.AccessDeniedException;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.NotDirectoryException;
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
 *       transaction that changed data ends with {@code MVStore.commit()} (a transaction store with
 *       no auto-commit delay calls it, not {@code tryCommit}), which waits for the store lock,
 *       serialises the new chunk and writes it with {@code FileChannel.write} in the committing
 *       thread before {@code commit()} returns. The bytes are then in the OS page cache: a process
 *       crash or {@code kill -9} after {@code commit()} loses nothing. Other holders of the store
 *       lock (a backup's commit, {@link #backup}) only delay it.
 *   <li>Nothing in that path calls {@code fsync}; H2 forces the file only on a clean close and
 *       when it moves chunks. {@link #sync} therefore runs {@code CHECKPOINT SYNC} (a
 *       {@code FileChannel.force}) after each group commit when {@link StoreOptions#fsync()} is
 *       on, which makes acknowledged packets survive power loss and OS crashes too.
 *   <li>Without the background thread H2 does no housekeeping, so {@link #maintain} rewrites
 *       sparse chunks the way that thread would (MVStore {@code compact}) to keep the file from
 *       growing under updates.
 * </ul>
 *
 * <h2>File size</h2>
 * Every commit appends a new chunk; a chunk's space is reused only once it holds no live page
 * and is older than H2's {@code RETENTION_TIME} (45 s by default, so that an unsynced file system
 * never loses the last consistent chunk). Under a steady stream of commits that is tens of
 * megabytes per second of garbage held back: 30 000 packets updated four times grew the file to
 * 218 MB with the default and to 70 MB with 1 s. With {@link StoreOptions#fsync()} every commit
 * is on the device before the next one, so {@link #configure} lowers the retention to 1 s; without
 * fsync the default stays, trading disk for consistency after a power loss. Closing the store
 * compacts the file (H2's {@code MAX_COMPACT_TIME}).
 *
 * <p>New keys are worse: each new row rewrites a leaf of the random-key index (about 4 KB of new
 * chunk), and the row itself keeps its chunk alive, so no chunk is ever wholly dead and nothing is
 * reused. {@link #maintain} therefore also runs after every {@value #COMPACT_EVERY_ROWS} rows
 * written ({@link #maintainEveryRows}), not only on the eviction timer: 360,000 new packets at
 * 5,500 a second left a 300 MB file instead of 1.2 GB, at no measurable cost per PUT
 * (ops/bench/RESULTS.md, session 14).
 * <h2>Reads</h2>
 * {@code OPTIMIZE_REUSE_RESULTS=FALSE}: by default H2 hands a prepared query the result of its
 * previous run when it believes no table changed since; under concurrent commits that check
 * races, and a reader connection kept returning a packet several commits old (a reader saw
 * 10194 then 10031; {@code H2StaleReadRegressionTest}). Point reads by key gain nothing from the
 * reuse, so it is off.
 *
 * <p>{@code DB_CLOSE_ON_EXIT=FALSE} stops H2's own shutdown hook from closing the database before
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
  /**
   * Rows written between two compactions, whatever the timer says (see "File size"): one 4 MB
   * compaction per 2,000 rows kept the file at a quarter of its size under a storm of new keys.
   */
  static final int COMPACT_EVERY_ROWS = 2_000;

  private final int compactEveryRows;

  private final Path dataDir;
  private final String url;

  private H2Dialect(Path dataDir, int compactEveryRows) {
    this.compactEveryRows = compactEveryRows;
    this.dataDir = dataDir.toAbsolutePath().normalize();
    this.url = "jdbc:h2:file:" + this.dataDir.resolve(DATABASE_NAME)
        // TRACE_LEVEL_FILE=0: errors reach our logs as exceptions; H2's own trace file would
        // also collect a failed second instance's lock errors in the first one's directory.
        + ";WRITE_DELAY=0;DB_CLOSE_ON_EXIT=FALSE;OPTIMIZE_REUSE_RESULTS=FALSE;TRACE_LEVEL_FILE=0";
  }

  /**
   * A database under {@code dataDir}, which is created if missing.
   *
   * @throws UncheckedIOException if the directory cannot be created or written (checked here,
   *     because H2 itself would report it as a stack trace about its trace file)
   */
  public static H2Dialect file(Path dataDir) {
    Objects.requireNonNull(dataDir, "dataDir");
    String what = "cannot use data directory " + dataDir.toAbsolutePath().normalize();
    try {
      Files.createDirectories(dataDir);
    } catch (FileAlreadyExistsException e) {
      throw new UncheckedIOException(what, new NotDirectoryException(e.getFile()));
    } catch (IOException e) {
      throw new UncheckedIOException(what, e);
    }
    if (!Files.isWritable(dataDir)) {
      throw new UncheckedIOException(what, new AccessDeniedException(dataDir.toString()));
    }
    // H2 would open a file it may not write read-only, and refuse every write much later.
    Path file = dataDir.resolve(DATABASE_NAME + ".mv.db");
    if (Files.exists(file) && !Files.isWritable(file)) {
      throw new UncheckedIOException(what, new AccessDeniedException(file.toString(), null,
          "the database file is not writable by this user"));
    }
    // The path goes into a JDBC URL, where ';' starts a setting (INIT=...).
    if (dataDir.toAbsolutePath().normalize().toString().indexOf(';') >= 0) {
      throw new UncheckedIOException(what,
          new java.io.IOException("H2 cannot open a path containing ';'"));
    }
    return new H2Dialect(dataDir, COMPACT_EVERY_ROWS);
  }

  /** This database with compaction after {@code rows} rows written (0: only on the timer). */
  H2Dialect withCompactEveryRows(int rows) {
    return new H2Dialect(dataDir, rows);
  }

  @Override
  public boolean supportsBackup() {
    return true;
  }

  /** Relative to the data directory, so that the default ({@code backups}) lives beside the data. */
  @Override
  public Path backupDirectory(Path dir) {
    return dataDir.resolve(dir).normalize();
  }

  /** A copy is the database file itself: restoring is copying it back. */
  @Override
  public String backupSuffix() {
    return ".mv.db";
  }

  /** Bytes copied between two checks for cancellation. */
  static final long BACKUP_STEP_BYTES = 8 << 20;

  /**
   * A copy of the database file as it was when the copy began, made the way H2's own {@code
   * BACKUP} makes one but bounded: the MVStore stops reusing file space (so no chunk in the file
   * is overwritten while it is read, and new chunks go past its end), a commit waits for a chunk
   * write in progress, then the file's first N bytes, N its size at that moment, are copied.
   * H2's {@code BACKUP TO} copies until the end of a file that its writers keep extending, which
   * under a steady stream of new keys it may never reach, and cannot be cancelled; it also zips,
   * which spent a core for seconds and saved 4 % on these pages. The copy opens like the database
   * after a crash at that moment: H2 finds its newest complete chunk.
   */
  @Override
  public long backup(Connection connection, Path target, java.util.function.BooleanSupplier cancelled)
      throws SQLException, IOException {
    org.h2.mvstore.MVStore mv = mvStore(connection);
    boolean reused = mv.isSpaceReused();
    mv.setReuseSpace(false);
    org.h2.mvstore.MVStore.TxCounter pinned = null;
    try {
      mv.commit(); // waits for a chunk being written under the store lock
      // Keeps every chunk of the version committed now until the copy is done: with reuse off
      // H2 still drops chunks that die, and may then write new ones where they were.
      pinned = mv.registerVersionUsage();
      long size = Files.size(databaseFile());
      try (java.nio.channels.FileChannel in = java.nio.channels.FileChannel.open(databaseFile(),
              java.nio.file.StandardOpenOption.READ);
          java.nio.channels.FileChannel out = java.nio.channels.FileChannel.open(target,
              java.nio.file.StandardOpenOption.CREATE_NEW, java.nio.file.StandardOpenOption.WRITE)) {
        long copied = 0;
        while (copied < size) {
          if (cancelled.getAsBoolean()) {
            throw new java.io.InterruptedIOException("cancelled after " + copied + " of " + size + " bytes");
          }
          long n = in.transferTo(copied, Math.min(BACKUP_STEP_BYTES, size - copied), out);
          if (n <= 0) {
            throw new IOException("the database file ended at " + copied + " of " + size + " bytes");
          }
          copied += n;
        }
      }
      return size;
    } finally {
      if (pinned != null) {
        mv.deregisterVersionUsage(pinned);
      }
      mv.setReuseSpace(reused);
    }
  }

  /** H2 opens only files whose names end so. */
  @Override
  public String partialBackupSuffix() {
    return ".partial.mv.db";
  }

  /**
   * Opens the copy read-only, without a file lock, checks the schema version and reads every row
   * of the packet table (which reads every leaf page of its map): a copy H2 cannot open, or whose
   * pages do not read, is not renamed into a backup.
   */
  @Override
  public long verifyBackup(Path copy) throws SQLException {
    String name = copy.toAbsolutePath().toString();
    if (!name.endsWith(".mv.db") || name.indexOf(';') >= 0) {
      throw new IllegalArgumentException("not an H2 file name: " + copy);
    }
    String url = "jdbc:h2:file:" + name.substring(0, name.length() - ".mv.db".length())
        + ";ACCESS_MODE_DATA=r;FILE_LOCK=NO;IFEXISTS=TRUE;TRACE_LEVEL_FILE=0";
    Properties props = new Properties();
    props.setProperty("user", "sa"); // as connect(): H2 records the creator as the admin
    props.setProperty("password", "");
    try (Connection c = new org.h2.Driver().connect(url, props);
        Statement s = c.createStatement()) {
      try (java.sql.ResultSet rs = s.executeQuery(selectSchemaVersion())) {
        if (!rs.next() || rs.getInt(1) != SCHEMA_VERSION) {
          throw new SQLException("the copy has no schema version " + SCHEMA_VERSION);
        }
      }
      try (java.sql.ResultSet rs = s.executeQuery(
          "SELECT COUNT(*), SUM(OCTET_LENGTH(packet)) FROM signed_packets")) {
        rs.next();
        return rs.getLong(1);
      }
    }
  }

  /** The MVStore of {@code connection}'s database; refuses one that has closed (never reopens it). */
  private static org.h2.mvstore.MVStore mvStore(Connection connection) throws SQLException {
    org.h2.engine.Session session = connection.unwrap(org.h2.jdbc.JdbcConnection.class).getSession();
    if (!(session instanceof org.h2.engine.SessionLocal local) || session.isClosed()) {
      throw new SQLException("the database connection is closed", "08003",
          org.h2.api.ErrorCode.DATABASE_IS_CLOSED);
    }
    org.h2.mvstore.MVStore mv = local.getDatabase().getStore().getMvStore();
    if (mv.isClosed()) {
      throw new SQLException("the database has closed", "08003", org.h2.api.ErrorCode.DATABASE_IS_CLOSED);
    }
    return mv;
  }

  /** The data directory. */
  public Path dataDir() {
    return dataDir;
  }

  /** The database file. */
  public Path databaseFile() {
    return dataDir.resolve(DATABASE_NAME + ".mv.db");
  }

  /** H2's "Database may be already in use" (another process holds the file lock). */
  static final int DATABASE_ALREADY_OPEN = 90020;

  @Override
  public String explain(SQLException e) {
    if (e.getErrorCode() == DATABASE_ALREADY_OPEN) {
      return "the database file is in use by another process (is another keyway relay,"
          + " dns-server or up running on " + dataDir + "?)";
    }
    if (e.getErrorCode() == org.h2.api.ErrorCode.DATABASE_IS_CLOSED
        || e.getErrorCode() == org.h2.api.ErrorCode.DATABASE_CALLED_AT_SHUTDOWN) {
      // H2's own text suggests a URL setting, which is already there and is not the cause.
      return "the database " + databaseFile() + " has closed itself, usually after a failed"
          + " write (is the disk full or failing? see the first error above)";
    }
    return super.explain(e);
  }

  /**
   * H2's own errors after which its database is closed or cannot write (it closes itself on a
   * failed file write: every later statement fails with "database is closed").
   */
  private static final java.util.Set<Integer> FATAL = java.util.Set.of(
      org.h2.api.ErrorCode.DATABASE_IS_CLOSED,
      org.h2.api.ErrorCode.DATABASE_IS_READ_ONLY,
      org.h2.api.ErrorCode.IO_EXCEPTION_1,
      org.h2.api.ErrorCode.IO_EXCEPTION_2,
      org.h2.api.ErrorCode.FILE_CORRUPTED_1,
      org.h2.api.ErrorCode.DATABASE_CALLED_AT_SHUTDOWN);

  @Override
  public boolean isFatal(SQLException e) {
    return FATAL.contains(e.getErrorCode());
  }

  /**
   * Half the chunk retention used with fsync: a chunk H2 may overwrite is then always older than
   * the last forced state of the file (see "File size" above).
   */
  @Override
  public java.time.Duration maxSyncLag() {
    return java.time.Duration.ofMillis(FSYNC_RETENTION_MILLIS / 2);
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

  /** Chunk retention while fsync is on: every commit is on the device already (see class doc). */
  static final int FSYNC_RETENTION_MILLIS = 1_000;
  /** H2's default, kept without fsync. */
  static final int DEFAULT_RETENTION_MILLIS = 45_000;

  @Override
  public List<String> configure(StoreOptions options) {
    return List.of("SET RETENTION_TIME "
        + (options.fsync() ? FSYNC_RETENTION_MILLIS : DEFAULT_RETENTION_MILLIS));
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
    org.h2.mvstore.MVStore mv = mvStore(connection);
    if (mv.compact(COMPACT_TARGET_FILL_RATE, COMPACT_MAX_WRITE_BYTES)) {
      mv.commit();
    }
  }

  @Override
  public int maintainEveryRows() {
    return compactEveryRows;
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
