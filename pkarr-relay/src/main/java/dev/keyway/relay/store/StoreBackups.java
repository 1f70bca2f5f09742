package dev.keyway.relay.store;

import dev.keyway.client.packet.MicrosClock;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.sql.Connection;
import java.sql.SQLException;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.time.format.DateTimeParseException;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Locale;
import java.util.Objects;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Copies of a {@link JdbcPacketStore}'s database taken while the server runs: one every
 * {@link BackupOptions#interval()} into {@link BackupOptions#dir()}, named by the UTC time they
 * began ({@code keyway-packets-20261203T184500.123Z.mv.db} for H2), keeping the newest
 * {@link BackupOptions#keep()}.
 *
 * <ul>
 *   <li>A copy is written under a {@code .partial} name, forced to the device, opened on its
 *       own and read through ({@link SqlDialect#verifyBackup}), then renamed: a file with the
 *       final name is whole and opens. Partial files left by a crash are deleted at start.
 *   <li>A copy is not started without room for it: the database's size plus a reserve
 *       ({@link #RESERVE_MIN}, or a quarter of the database if more) must be free where it goes,
 *       so that a copy on the database's own file system never takes the space its next commits
 *       need (a failed write closes H2 and stops every PUT until a restart).
 *   <li>Only files named as this class names them, and not dated in the future, are counted and
 *       deleted; anything else in the directory is left alone. A lock file keeps two processes
 *       (a relay and a DNS server given one directory) from pruning each other's copies.
 *   <li>The schedule survives restarts: the next copy is due one interval after the newest copy
 *       in the directory, but never sooner than {@link #FIRST_DELAY_MAX} after start (start-up is
 *       busy), and a failed copy is retried after at most {@link #RETRY_DELAY_MAX}.
 *   <li>One copy at a time, on its own thread and its own database connection, opened with the
 *       store: after the database has closed (H2 does after a failed write) a copy fails instead
 *       of opening it again. The store's reads and writes go on meanwhile.
 * </ul>
 * Restoring: stop the server, move the data directory's database aside, copy the backup into
 * the data directory under the database's name (H2: {@code keyway-packets.mv.db}), start it.
 */
public final class StoreBackups implements AutoCloseable {
  private static final Logger LOG = LoggerFactory.getLogger(StoreBackups.class);
  /** Longest wait after start before an overdue (or first) copy. */
  public static final Duration FIRST_DELAY_MAX = Duration.ofMinutes(1);
  /** Longest wait before retrying a failed copy. */
  public static final Duration RETRY_DELAY_MAX = Duration.ofMinutes(5);
  /** Least space left free beside a copy: room for the database's next commits (guess). */
  public static final long RESERVE_MIN = 64L << 20;
  /** A copy dated further ahead of the clock than this is not this schedule's (clock set back). */
  static final Duration FUTURE_SLACK = Duration.ofMinutes(1);
  /** The lock file in the backup directory. */
  static final String LOCK_FILE = ".keyway-backups.lock";
  private static final DateTimeFormatter STAMP =
      DateTimeFormatter.ofPattern("yyyyMMdd'T'HHmmss.SSS'Z'").withZone(ZoneOffset.UTC);
  private static final long CLOSE_WAIT_SECONDS = 10;
  /** Backup directories a StoreBackups of this JVM holds. */
  private static final java.util.Set<Path> LOCKED_HERE = java.util.concurrent.ConcurrentHashMap.newKeySet();

  private final JdbcPacketStore store;
  private final SqlDialect dialect;
  private final Path dir;
  private final BackupOptions options;
  private final MicrosClock clock;
  private final Instant started;
  private final FileChannel lockChannel;
  private final FileLock lock;
  private final Connection connection;
  private final Object schedule = new Object();
  private final Object oneAtATime = new Object();
  private final AtomicLong failures = new AtomicLong();
  private volatile boolean closed;
  private volatile Instant lastSuccess;
  private volatile long lastBytes = -1;
  private volatile double lastSeconds = -1;
  private Instant lastFailure;
  private Thread thread;
  /** Free bytes for a copy in a directory (tests replace it to fake a full disk). */
  volatile SpaceProbe usableSpace = d -> Files.getFileStore(d).getUsableSpace();

  /** Free space where copies go. */
  @FunctionalInterface
  interface SpaceProbe {
    long usable(Path dir) throws IOException;
  }

  private StoreBackups(JdbcPacketStore store, BackupOptions options, MicrosClock clock) {
    SqlDialect dialect = store.dialect();
    if (!dialect.supportsBackup()) {
      throw new PacketStoreException("backups are configured, but " + dialect.name()
          + " databases are backed up with their own tools");
    }
    this.store = store;
    this.dialect = dialect;
    this.options = options;
    this.clock = clock;
    this.dir = dialect.backupDirectory(options.dir());
    this.started = now();
    String what = "cannot use backup directory " + dir;
    try {
      Files.createDirectories(dir);
    } catch (IOException e) {
      throw new UncheckedIOException(what, e);
    }
    if (!Files.isWritable(dir)) {
      throw new UncheckedIOException(what, new java.nio.file.AccessDeniedException(dir.toString()));
    }
    // One holder per directory in this JVM: a second FileChannel on the lock file, once closed,
    // would drop this process's lock for the first (POSIX locks are per process and file).
    if (!LOCKED_HERE.add(dir)) {
      throw new PacketStoreException(what + ": another store of this process keeps its backups"
          + " there; give each server its own backup_dir");
    }
    FileChannel channel = null;
    FileLock held = null;
    Connection opened = null;
    try {
      channel = FileChannel.open(dir.resolve(LOCK_FILE), StandardOpenOption.CREATE,
          StandardOpenOption.WRITE);
      held = channel.tryLock();
      if (held == null) {
        throw new PacketStoreException(what + ": another keyway process keeps its backups there;"
            + " give each server its own backup_dir");
      }
      deletePartials();
      opened = dialect.connect();
      List<Path> future = new ArrayList<>();
      for (Path p : list()) {
        if (!isCurrent(p)) {
          future.add(p);
        }
      }
      if (!future.isEmpty()) {
        LOG.warn("store backups dated in the future (was the clock ahead?) are neither counted"
            + " nor deleted: {}", future);
      }
      List<Path> existing = copies();
      if (!existing.isEmpty()) {
        Path newest = existing.get(existing.size() - 1);
        lastSuccess = stampOf(newest);
        lastBytes = sizeOf(newest);
      }
    } catch (IOException | SQLException | RuntimeException e) {
      if (opened != null) {
        try {
          opened.close();
        } catch (SQLException ignored) {
          // the failure below is what is reported
        }
      }
      release(held, channel);
      LOCKED_HERE.remove(dir);
      if (e instanceof PacketStoreException p) {
        throw p;
      }
      if (e instanceof SQLException s) {
        throw new PacketStoreException("cannot open the backups' database connection: "
            + dialect.explain(s), s);
      }
      throw e instanceof IOException io ? new UncheckedIOException(what, io) : (RuntimeException) e;
    }
    this.connection = opened;
    this.lockChannel = channel;
    this.lock = held;
  }

  /**
   * Copies of {@code store}'s database every {@code options.interval()} on a daemon thread
   * ({@code keyway-store-backup}) until {@link #close()}.
   *
   * @throws IllegalArgumentException if backups are off in {@code options}
   * @throws PacketStoreException if the store's database cannot be backed up this way, or
   *     another process uses the directory
   * @throws UncheckedIOException if the directory cannot be created or written
   */
  public static StoreBackups start(JdbcPacketStore store, BackupOptions options, MicrosClock clock) {
    Objects.requireNonNull(store, "store");
    if (!options.enabled()) {
      throw new IllegalArgumentException("backups are off (interval 0s)");
    }
    StoreBackups b = new StoreBackups(store, options, clock);
    b.thread = new Thread(b::run, "keyway-store-backup");
    b.thread.setDaemon(true);
    b.thread.start();
    LOG.info("store backups every {} into {}, keeping the newest {}{}",
        dev.keyway.relay.config.Durations.format(options.interval()), b.dir, options.keep(),
        b.lastSuccess == null ? "" : "; newest " + STAMP.format(b.lastSuccess));
    return b;
  }

  /** Backups of {@code store}'s database taken only when {@link #backupNow()} is called. */
  static StoreBackups unscheduled(JdbcPacketStore store, BackupOptions options, MicrosClock clock) {
    return new StoreBackups(store, options, clock);
  }

  /** Time between two copies. */
  public Duration interval() {
    return options.interval();
  }

  /** Where the copies go. */
  public Path directory() {
    return dir;
  }

  /** When the newest copy began (from its name), or null if there is none. */
  public Instant lastSuccess() {
    return lastSuccess;
  }

  /** Size of the newest copy in bytes, or -1 if there is none. */
  public long lastBytes() {
    return lastBytes;
  }

  /** How long the last copy this process made took, in seconds, or -1 if it made none. */
  public double lastSeconds() {
    return lastSeconds;
  }

  /** Copies that failed since start. */
  public long failures() {
    return failures.get();
  }

  /**
   * The copies this schedule counts, oldest first: named as it names them and not dated more
   * than {@link #FUTURE_SLACK} ahead of the clock.
   */
  public List<Path> copies() {
    List<Path> current = new ArrayList<>();
    for (Path p : list()) {
      if (isCurrent(p)) {
        current.add(p);
      }
    }
    return current;
  }

  /** Every file named as a copy, oldest first (the stamp's fixed-width digits sort by time). */
  private List<Path> list() {
    List<Path> found = new ArrayList<>();
    try (DirectoryStream<Path> files = Files.newDirectoryStream(dir, dialect.backupPrefix() + "*")) {
      for (Path f : files) {
        if (stampOf(f) != null && Files.isRegularFile(f)) {
          found.add(f);
        }
      }
    } catch (IOException e) {
      throw new UncheckedIOException("cannot list backup directory " + dir, e);
    }
    found.sort(Comparator.comparing(p -> p.getFileName().toString()));
    return found;
  }

  private boolean isCurrent(Path copy) {
    return !stampOf(copy).isAfter(now().plus(FUTURE_SLACK));
  }

  /**
   * Writes a copy now (waiting for one in progress to end first), then deletes the oldest
   * copies beyond {@link BackupOptions#keep()}.
   *
   * @return the new copy
   * @throws PacketStoreException if the copy failed or was not started (nothing is left of it)
   */
  public Path backupNow() {
    synchronized (oneAtATime) {
      if (closed) {
        throw new PacketStoreException("store backups are closed");
      }
      Instant began = now();
      Path target = dir.resolve(dialect.backupPrefix() + STAMP.format(began) + dialect.backupSuffix());
      Path partial = dir.resolve(dialect.backupPrefix() + STAMP.format(began)
          + dialect.partialBackupSuffix());
      long t0 = System.nanoTime();
      try {
        store.failure().ifPresent(f -> {
          throw new PacketStoreException("the store has failed (" + f + "); no copy of it is made");
        });
        checkRoom();
        Files.deleteIfExists(partial);
        dialect.backup(connection, partial, () -> closed);
        force(partial);
        dialect.verifyBackup(partial);
        Files.move(partial, target, StandardCopyOption.ATOMIC_MOVE);
        force(dir);
      } catch (SQLException | IOException | RuntimeException e) {
        failures.incrementAndGet();
        try {
          Files.deleteIfExists(partial);
        } catch (IOException ignored) {
          // reported with the failure itself
        }
        String why = e instanceof SQLException s ? dialect.explain(s)
            : e instanceof PacketStoreException p ? p.getMessage() : e.toString();
        throw new PacketStoreException("store backup to " + target + " failed: " + why, e);
      }
      lastSeconds = (System.nanoTime() - t0) / 1e9;
      lastSuccess = began;
      lastBytes = sizeOf(target);
      LOG.info("store backup written: {} ({} bytes in {} s)", target, lastBytes,
          String.format(Locale.ROOT, "%.1f", lastSeconds));
      prune();
      return target;
    }
  }

  /** Refuses to start a copy that would leave less than the reserve free. */
  private void checkRoom() throws IOException {
    long size = dialect.backupSize();
    if (size < 0) {
      return;
    }
    long free = usableSpace.usable(dir);
    long need = size + Math.max(RESERVE_MIN, size / 4);
    if (free < need) {
      throw new PacketStoreException(String.format(Locale.ROOT, "not enough free space in %s for a"
          + " copy of the %d MB database: %d MB free, %d MB needed (the copy and a reserve for"
          + " the database's own writes)", dir, size >> 20, free >> 20, need >> 20));
    }
  }

  /**
   * When the next copy is due: one interval after the newest copy (or at start with none), not
   * sooner than the first delay after start, and after a failure not sooner than the retry
   * delay after it. Pure, for tests.
   */
  static Instant nextDue(Instant newest, Instant lastFailure, Instant started, Duration interval) {
    Duration first = interval.compareTo(FIRST_DELAY_MAX) < 0 ? interval : FIRST_DELAY_MAX;
    Instant due = newest == null ? started : newest.plus(interval);
    Instant earliest = started.plus(first);
    if (due.isBefore(earliest)) {
      due = earliest;
    }
    if (lastFailure != null) {
      Duration retry = interval.compareTo(RETRY_DELAY_MAX) < 0 ? interval : RETRY_DELAY_MAX;
      Instant retryAt = lastFailure.plus(retry);
      if (due.isBefore(retryAt)) {
        due = retryAt;
      }
    }
    return due;
  }

  private void run() {
    while (!closed) {
      Instant due = nextDue(lastSuccess, lastFailure, started, options.interval());
      try {
        synchronized (schedule) {
          long wait;
          while (!closed && (wait = Duration.between(now(), due).toMillis()) > 0) {
            schedule.wait(wait);
          }
        }
      } catch (InterruptedException e) {
        return;
      }
      if (closed) {
        return;
      }
      try {
        backupNow();
        lastFailure = null;
      } catch (PacketStoreException e) {
        lastFailure = now();
        if (!closed) {
          LOG.warn("{}; retrying at {}", e.getMessage(),
              STAMP.format(nextDue(lastSuccess, lastFailure, started, options.interval())));
        }
      } catch (RuntimeException e) {
        lastFailure = now();
        LOG.warn("store backup failed unexpectedly", e);
      }
    }
  }

  private Instant now() {
    return Instant.EPOCH.plus(clock.nowMicros(), ChronoUnit.MICROS);
  }

  private void prune() {
    List<Path> all = copies();
    for (int i = 0; i < all.size() - options.keep(); i++) {
      try {
        Files.deleteIfExists(all.get(i));
        LOG.info("store backup deleted (keeping the newest {}): {}", options.keep(), all.get(i));
      } catch (IOException e) {
        LOG.warn("cannot delete old store backup {}: {}", all.get(i), e.toString());
      }
    }
  }

  private void deletePartials() throws IOException {
    try (DirectoryStream<Path> files = Files.newDirectoryStream(dir,
        dialect.backupPrefix() + "*" + dialect.partialBackupSuffix())) {
      for (Path f : files) {
        Files.deleteIfExists(f);
        LOG.info("deleted a store backup left unfinished: {}", f);
      }
    }
  }

  /** The time stamp in a copy's name, or null if the name is not one this class writes. */
  Instant stampOf(Path file) {
    String name = file.getFileName().toString();
    String prefix = dialect.backupPrefix();
    String suffix = dialect.backupSuffix();
    if (!name.startsWith(prefix) || !name.endsWith(suffix)
        || name.length() <= prefix.length() + suffix.length()) {
      return null;
    }
    try {
      return STAMP.parse(name.substring(prefix.length(), name.length() - suffix.length()), Instant::from);
    } catch (DateTimeParseException e) {
      return null;
    }
  }

  private static long sizeOf(Path file) {
    try {
      return Files.size(file);
    } catch (IOException e) {
      return -1;
    }
  }

  /** fsync of a file, or of a directory (so that a rename in it is on the device too). */
  private static void force(Path path) throws IOException {
    try (FileChannel ch = FileChannel.open(path, StandardOpenOption.READ)) {
      ch.force(true);
    }
  }

  private static void release(FileLock held, FileChannel channel) {
    try {
      if (held != null) {
        held.release();
      }
      if (channel != null) {
        channel.close();
      }
    } catch (IOException e) {
      LOG.debug("releasing the backup directory's lock: {}", e.toString());
    }
  }

  /**
   * Stops the schedule; a copy in progress stops at its next step (a few megabytes), its
   * partial file deleted. Then the backups' database connection and the directory's lock are
   * released. Called by the store's close before its own connections close.
   */
  @Override
  public void close() {
    closed = true;
    synchronized (schedule) {
      schedule.notifyAll();
    }
    if (thread != null) {
      try {
        thread.join(TimeUnit.SECONDS.toMillis(CLOSE_WAIT_SECONDS));
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
    }
    synchronized (oneAtATime) { // a backupNow() of another thread has ended too
      try {
        connection.close();
      } catch (SQLException e) {
        LOG.debug("closing the backups' connection: {}", e.toString());
      }
      release(lock, lockChannel);
      LOCKED_HERE.remove(dir);
    }
  }
}
