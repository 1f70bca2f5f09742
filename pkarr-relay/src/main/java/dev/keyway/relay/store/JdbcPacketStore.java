package dev.keyway.relay.store;

import com.github.benmanes.caffeine.cache.Cache;
import com.github.benmanes.caffeine.cache.Caffeine;
import com.github.benmanes.caffeine.cache.stats.CacheStats;
import dev.keyway.client.keys.PublicKey;
import dev.keyway.client.packet.InvalidPacketException;
import dev.keyway.client.packet.MicrosClock;
import dev.keyway.client.packet.SignedPacket;
import dev.keyway.client.store.PacketStore;
import dev.keyway.client.store.StoredPacket;
import dev.keyway.client.store.UpsertOutcome;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A {@link PacketStore} in a SQL database (embedded H2 by default, see {@link H2Dialect}):
 * one writer thread with group commit, a read cache, and eviction by age and by capacity.
 *
 * <h2>Writes: one writer, group commit</h2>
 * {@link #upsert} puts the packet on a bounded queue and returns a future. A single writer thread
 * takes the first waiting upsert, gathers more for up to {@link StoreOptions#maxBatchDelay()} or
 * {@link StoreOptions#maxBatchSize()} upserts, decides each outcome in queue order against the
 * current row (or an earlier upsert of the same key in the batch), writes the rows, commits once,
 * and only then completes the futures. With {@link StoreOptions#fsync()} a second thread forces
 * committed batches to the device and completes their futures after that; it runs alongside the
 * writer, so one fsync covers every batch committed while the previous one ran. It forces the
 * writer's own commits (evictions, compaction) the same way. A republish (the stored packet's
 * exact bytes again) rewrites no row: its new last-seen goes to the cache at once and to the
 * database in bulk with the next housekeeping, so a crash may lose a last-seen time, never a
 * packet. Because one thread decides and writes, the ordering rules of {@link PacketStore} hold
 * atomically: an older packet can never overwrite a newer one, whatever the interleaving. When
 * the queue is full an upsert fails at once with {@link PacketStoreException.Overloaded}.
 *
 * <h2>Reads: never wait for the writer</h2>
 * {@link #get} answers from a Caffeine cache of parsed packets; a miss reads the row on one of a
 * few reader connections (the database's MVCC never blocks them on the writer) and fills the
 * cache. After each commit the writer replaces the cache entries of the keys it changed (an
 * "invalidate and refill"), so the cache is always at least as new as the database. A reader
 * fills the cache only if no commit happened while it read (a commit counter checked inside the
 * cache's per-key compute), so a slow reader can never put back an older row. {@link
 * #getIfCached} is the non-blocking half for event loops.
 *
 * <h2>Eviction</h2>
 * Every {@link StoreOptions#evictionInterval()} the writer removes packets neither signed nor
 * PUT within {@link StoreOptions#maxAge()} (clients must republish: iroh-dns-server's rule, by the
 * signed timestamp alone; here pkarr's republishers, who PUT a packet's first signature again,
 * keep it too, and a packet signed long ago lives that long after its PUT) and runs the
 * dialect's housekeeping. After any commit that leaves more than {@link
 * StoreOptions#capacity()} rows it removes the least recently used rows, like pkarr-relay's LRU
 * cache: a write sets a row's access time; reads are remembered in memory (up to {@value
 * #MAX_TOUCHED} keys; not those of packets written within the last hour, whose access time is
 * recent already) and written just before a capacity eviction or when that set is full, in key
 * order and small transactions that yield to waiting upserts. Reads thus cost no database writes
 * while the store is below capacity, and the LRU order is exact to an hour.
 */
public final class JdbcPacketStore implements PacketStore {
  private static final Logger LOG = LoggerFactory.getLogger(JdbcPacketStore.class);
  private static final Logger COMMIT_EVENTS = LoggerFactory.getLogger("events.keyway.relay.store.commit");
  private static final Logger EVICT_EVENTS = LoggerFactory.getLogger("events.keyway.relay.store.evict");

  /** Rows selected and deleted per eviction transaction. */
  static final int EVICTION_CHUNK = 1_000;
  /** Most keys remembered as read between two access-time flushes (bounds memory). */
  static final int MAX_TOUCHED = 262_144;
  /**
   * A read within this long of the packet's last write or republish is not recorded for the LRU
   * (see {@link #touch}): one hour, against the default 1,000,000-packet capacity and 7-day age.
   */
  static final long TOUCH_GRACE_MICROS = 3_600_000_000L;
  /**
   * Access or last-seen times written per transaction (each an UPDATE that also moves the row in
   * the access index, 100–150 µs): about 20 ms of the writer between two batches.
   */
  static final int ACCESS_CHUNK = 128;
  /** Most republished keys whose last-seen waits to be written (about 10 MB at most). */
  static final int MAX_SEEN_LATER = 65_536;
  /** Committed batches that may wait for one fsync before the writer blocks. */
  static final int SYNC_QUEUE_BATCHES = 256;
  /** How long {@link #close()} waits for the writer to drain its queue. */
  static final long CLOSE_TIMEOUT_SECONDS = 60;

  private static final Object WAKE = new Object();

  private final SqlDialect dialect;
  private final StoreOptions options;
  private final MicrosClock clock;
  private final StoreMetrics metrics;
  private final Cache<PublicKey, StoredPacket> cache;
  private final BlockingQueue<Object> queue;
  private final ConcurrentLinkedQueue<CompletableFuture<Void>> maintenanceRequests =
      new ConcurrentLinkedQueue<>();
  private final BlockingQueue<Reader> readers;
  private final List<Reader> allReaders = new ArrayList<>();
  private final Set<PublicKey> touched = ConcurrentHashMap.newKeySet();
  /** Bumped after every commit, before the cache is updated; readers compare it. */
  private final AtomicLong commits = new AtomicLong();
  private final AtomicLong count = new AtomicLong();
  private final Writer writer;
  private final Thread writerThread;
  /** Set once by {@link #open} when backups are on. */
  private volatile StoreBackups backups;
  /** Null without fsync: then a commit acknowledges its batch at once. */
  private final Syncer syncer;
  private final Thread syncerThread;
  private volatile boolean closed;
  private volatile boolean terminated;
  /** Why the database became unusable (it closed itself, or an fsync failed); null while fine. */
  private volatile String failure;
  /**
   * Last-seen times of republished keys that the writer has not written yet (it alone adds and
   * removes them, removing only after the commit that wrote them). Reads look here before the
   * database, so a row read in between never shows an older last-seen than the store answered.
   */
  private final Map<PublicKey, Long> seenLater = new ConcurrentHashMap<>();
  /** Set when {@link #touched} is full; the writer then flushes access times. */
  private volatile boolean touchesFull;

  private record Upsert(SignedPacket packet, CompletableFuture<UpsertOutcome> future) {}

  /** A reader connection with its prepared statement. */
  private record Reader(Connection connection, PreparedStatement select) {}

  private JdbcPacketStore(SqlDialect dialect, StoreOptions options, MicrosClock clock,
      StoreMetrics metrics) throws SQLException {
    this.dialect = dialect;
    this.options = options;
    this.clock = clock;
    this.metrics = StoreMetrics.guarded(metrics);
    this.cache = options.readCacheSize() == 0 ? null
        : Caffeine.newBuilder()
            .maximumSize(options.readCacheSize())
            .executor(Runnable::run)
            .recordStats()
            .build();
    this.queue = new ArrayBlockingQueue<>(options.queueCapacity());
    this.readers = new ArrayBlockingQueue<>(options.readerConnections());
    Connection writerConnection = dialect.connect();
    Connection syncConnection = null;
    try {
      initSchema(writerConnection);
      this.writer = new Writer(writerConnection);
      if (options.fsync()) {
        syncConnection = dialect.connect();
        syncConnection.setAutoCommit(true);
      }
      for (int i = 0; i < options.readerConnections(); i++) {
        Connection c = dialect.connect();
        c.setAutoCommit(true);
        Reader r = new Reader(c, c.prepareStatement(dialect.selectPacket()));
        allReaders.add(r);
        readers.add(r);
      }
    } catch (SQLException | RuntimeException e) {
      closeQuietly(writerConnection);
      if (syncConnection != null) {
        closeQuietly(syncConnection);
      }
      allReaders.forEach(r -> closeQuietly(r.connection()));
      throw e;
    }
    if (syncConnection != null) {
      this.syncer = new Syncer(syncConnection);
      this.syncerThread = new Thread(syncer, "keyway-store-sync");
      syncerThread.setDaemon(true);
      syncerThread.start();
    } else {
      this.syncer = null;
      this.syncerThread = null;
    }
    this.writerThread = new Thread(writer, "keyway-store-writer");
    writerThread.setDaemon(true);
    writerThread.start();
  }

  /**
   * Opens (creating if needed) a store.
   *
   * @param clock source of last-seen and access times, and of "now" for age eviction
   * @throws PacketStoreException if the database cannot be opened or has a newer schema
   */
  public static JdbcPacketStore open(SqlDialect dialect, StoreOptions options, MicrosClock clock,
      StoreMetrics metrics) {
    Objects.requireNonNull(dialect, "dialect");
    Objects.requireNonNull(options, "options");
    Objects.requireNonNull(clock, "clock");
    Objects.requireNonNull(metrics, "metrics");
    JdbcPacketStore store;
    try {
      store = new JdbcPacketStore(dialect, options, clock, metrics);
      LOG.info("packet store open: {}, {} packets", dialect.describe(), store.count());
    } catch (SQLException e) {
      throw new PacketStoreException("cannot open packet store " + dialect.describe() + ": "
          + dialect.explain(e), e);
    }
    if (options.backup().enabled()) {
      try {
        store.backups = StoreBackups.start(store, options.backup(), clock);
      } catch (RuntimeException e) {
        store.close();
        throw e instanceof PacketStoreException p ? p : new PacketStoreException(e.getMessage(), e);
      }
    }
    return store;
  }

  /** Opens an H2 store under {@code dataDir} with these options and no metrics. */
  public static JdbcPacketStore openH2(
      java.nio.file.Path dataDir, StoreOptions options, MicrosClock clock) {
    return open(H2Dialect.file(dataDir), options, clock, StoreMetrics.NOOP);
  }

  private void initSchema(Connection c) throws SQLException {
    if (c.isReadOnly()) {
      throw new SQLException("the database opened read-only (is its file writable by this user?)");
    }
    c.setAutoCommit(false);
    try (Statement s = c.createStatement()) {
      for (String setting : dialect.configure(options)) {
        s.execute(setting);
      }
      for (String ddl : dialect.createSchema()) {
        s.execute(ddl);
      }
      Integer version = null;
      try (ResultSet rs = s.executeQuery(dialect.selectSchemaVersion())) {
        if (rs.next()) {
          version = rs.getInt(1);
        }
      }
      if (version == null) {
        try (PreparedStatement p = c.prepareStatement(dialect.insertSchemaVersion())) {
          p.setInt(1, SqlDialect.SCHEMA_VERSION);
          p.executeUpdate();
        }
      } else if (version != SqlDialect.SCHEMA_VERSION) {
        throw new SQLException("store schema version " + version + " is not "
            + SqlDialect.SCHEMA_VERSION + "; this keyway version cannot use it");
      }
      try (ResultSet rs = s.executeQuery(dialect.countPackets())) {
        rs.next();
        count.set(rs.getLong(1));
      }
    }
    c.commit();
  }

  // ---------------------------------------------------------------------------------------------
  // Reads
  // ---------------------------------------------------------------------------------------------

  @Override
  public Optional<StoredPacket> get(PublicKey key) {
    StoredPacket cached = getIfCached(key);
    if (cached != null) {
      return Optional.of(cached);
    }
    return Optional.ofNullable(load(key));
  }

  /**
   * {@link #get} for a caller that has just missed in {@link #getIfCached}: the cache is looked
   * at again (a commit may have filled it since) without counting a second miss.
   */
  public Optional<StoredPacket> getAfterMiss(PublicKey key) {
    checkOpen();
    StoredPacket cached = cache == null ? null : cache.asMap().get(key);
    if (cached != null) {
      touch(key, cached);
      return Optional.of(cached);
    }
    return Optional.ofNullable(load(key));
  }

  /**
   * The packet for {@code key} if the read cache holds it, else null; never touches the
   * database, so it is safe on an event loop. A null means "ask {@link #get}", not "absent".
   */
  public StoredPacket getIfCached(PublicKey key) {
    checkOpen();
    if (cache == null) {
      return null;
    }
    StoredPacket p = cache.getIfPresent(key);
    if (p != null) {
      touch(key, p);
    }
    return p;
  }

  /**
   * The cached packet for {@code key}, or null, as the writer sees it: not a read, so neither an
   * access for the LRU nor a cache hit in the statistics (a PUT's "is this what we have?").
   */
  public StoredPacket peekCached(PublicKey key) {
    checkOpen();
    return cache == null ? null : cache.asMap().get(key);
  }

  private StoredPacket load(PublicKey key) {
    long commitsBefore = commits.get();
    Long seenSince = seenLater.get(key); // before the row: see seenLater
    Reader r;
    try {
      r = readers.take();
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new PacketStoreException("interrupted while waiting for a reader connection", e);
    }
    StoredPacket row;
    try {
      checkOpen();
      row = select(r.select(), key);
    } catch (SQLException e) {
      throw new PacketStoreException("cannot read packet: " + e.getMessage(), e);
    } finally {
      readers.add(r);
    }
    StoredPacket loaded = row != null && seenSince != null && seenSince > row.lastSeenMicros()
        ? new StoredPacket(row.packet(), seenSince) : row;
    if (loaded != null) {
      touch(key, loaded);
      if (cache != null) {
        cache.asMap().compute(key.compact(), (k, current) ->
            commits.get() != commitsBefore ? current : newer(current, loaded));
      }
    }
    return loaded;
  }

  private StoredPacket select(PreparedStatement select, PublicKey key) throws SQLException {
    return selectRow(select, key).packet();
  }

  /** A key's row: its packet (null if absent or unreadable) and whether the row exists. */
  private record Row(StoredPacket packet, boolean exists) {}

  private static final Row NO_ROW = new Row(null, false);

  private Row selectRow(PreparedStatement select, PublicKey key) throws SQLException {
    select.setBytes(1, key.toBytes());
    try (ResultSet rs = select.executeQuery()) {
      if (!rs.next()) {
        return NO_ROW;
      }
      byte[] bytes = rs.getBytes(1);
      long lastSeen = rs.getLong(2);
      try {
        // Refuses a row holding another key's packet (only a damaged or hand-edited file does
        // this; served, another key's records would answer under this key's name). The packet
        // gets the compact key: the row was verified when written, and caches hold it.
        SignedPacket packet = SignedPacket.fromTrustedBytes(bytes, key);
        return new Row(new StoredPacket(packet, lastSeen), true);
      } catch (InvalidPacketException e) {
        LOG.error("stored packet for {} is corrupt and is ignored: {}", key.fmtShort(), e.getMessage());
        return new Row(null, true);
      }
    }
  }

  /** The more recent of two states of one key; on equal packets the later last-seen. */
  private static StoredPacket newer(StoredPacket a, StoredPacket b) {
    if (a == null) {
      return b;
    }
    if (b.packet().isMoreRecentThan(a.packet())) {
      return b;
    }
    if (b.packet().isSameAs(a.packet()) && b.lastSeenMicros() > a.lastSeenMicros()) {
      return b;
    }
    return a;
  }

  /**
   * Remembers that {@code key} was read. Access times reach the database only when they matter:
   * right before a capacity eviction, or when this set is full (then the writer flushes it), so
   * reads cost no writes while the store is below its capacity. A packet written (or
   * republished) within {@link #TOUCH_GRACE_MICROS} is not remembered: its access time is that
   * recent already, and an access-time write costs the writer about 150 µs (an UPDATE that
   * moves the row in the access index), so the LRU order is exact only to that grace.
   */
  private void touch(PublicKey key, StoredPacket read) {
    if (options.capacity() > 0 && clock.nowMicros() - read.lastSeenMicros() >= TOUCH_GRACE_MICROS
        && touched.add(key) && touched.size() >= MAX_TOUCHED && !touchesFull) {
      touchesFull = true;
      queue.offer(WAKE);
    }
  }

  // ---------------------------------------------------------------------------------------------
  // Writes
  // ---------------------------------------------------------------------------------------------

  @Override
  public CompletableFuture<UpsertOutcome> upsert(SignedPacket packet) {
    Objects.requireNonNull(packet, "packet");
    if (closed) {
      return CompletableFuture.failedFuture(new IllegalStateException("packet store is closed"));
    }
    String failed = failure;
    if (failed != null) {
      // Counted like the commit it stands for, so a "commits failing" alert stays on.
      metrics.commitFailed(1);
      return CompletableFuture.failedFuture(new PacketStoreException("packet store failed ("
          + failed + "); restart keyway once the cause is fixed"));
    }
    CompletableFuture<UpsertOutcome> future = new CompletableFuture<>();
    if (!queue.offer(new Upsert(packet, future))) {
      return CompletableFuture.failedFuture(new PacketStoreException.Overloaded(
          "packet store is overloaded: " + options.queueCapacity() + " upserts are waiting"));
    }
    if (terminated) {
      failLeftovers();
    }
    return future;
  }

  /**
   * Runs age eviction, access-time flushing, capacity eviction and housekeeping now, on the
   * writer, and completes when they are done (tests and operators; the writer also runs them
   * every {@link StoreOptions#evictionInterval()}).
   */
  public CompletableFuture<Void> runMaintenance() {
    if (closed) {
      return CompletableFuture.failedFuture(new IllegalStateException("packet store is closed"));
    }
    CompletableFuture<Void> done = new CompletableFuture<>();
    maintenanceRequests.add(done);
    queue.offer(WAKE);
    if (terminated) {
      failLeftovers();
    }
    return done;
  }

  @Override
  public long count() {
    return count.get();
  }

  /** Bytes on disk, or -1 if the dialect cannot tell. */
  public long storageBytes() {
    return dialect.storageBytes();
  }

  /** The dialect this store runs on. */
  public SqlDialect dialect() {
    return dialect;
  }

  /** The options this store was opened with. */
  public StoreOptions options() {
    return options;
  }

  /** Whether the store takes reads and upserts (false once {@link #close()} began). */
  public boolean isOpen() {
    return !closed && !terminated;
  }

  /**
   * Why the store can no longer write, if it cannot: the database closed itself after a write
   * error (a full disk, an I/O error, a read-only file), or an fsync failed, after which the
   * file's state on the device is unknown (the rule PostgreSQL follows). Upserts then fail at
   * once; reads the cache can answer still work. Only a restart clears it (health checks report
   * it, so a supervisor can do that).
   */
  public Optional<String> failure() {
    return Optional.ofNullable(failure);
  }

  /** Open and not failed: what a health check reports. */
  public boolean isHealthy() {
    return isOpen() && failure == null;
  }

  private void markFailed(String why) {
    if (failure == null) {
      failure = why;
      LOG.error("packet store failed: {}; writes are refused until keyway is restarted", why);
    }
  }

  /** Marks the store failed if {@code e} means its database is gone (see {@link #failure()}). */
  private void checkFatal(Exception e, Connection connection) {
    if (e instanceof SQLException sql && dialect.isFatal(sql)) {
      markFailed(dialect.explain(sql));
      return;
    }
    try {
      if (!connection.isValid(1)) {
        markFailed("the database connection is no longer valid after: " + e.getMessage());
      }
    } catch (SQLException invalid) {
      markFailed("the database connection is no longer valid after: " + e.getMessage());
    }
  }

  /** The copies taken while the store runs, when {@link StoreOptions#backup()} turns them on. */
  public Optional<StoreBackups> backups() {
    return Optional.ofNullable(backups);
  }

  /** Upserts waiting for the writer (not the wake-up markers that share their queue). */
  public int pendingUpserts() {
    int n = 0;
    for (Object o : queue) { // weakly consistent, and a scrape's worth of work at most
      if (o instanceof Upsert) {
        n++;
      }
    }
    return n;
  }

  /** Read-cache statistics (all zero when the cache is disabled). */
  public CacheStats cacheStats() {
    return cache == null ? CacheStats.empty() : cache.stats();
  }

  /** Entries in the read cache. */
  public long cacheSize() {
    return cache == null ? 0 : cache.estimatedSize();
  }

  /**
   * Stops taking upserts, lets the writer commit everything already queued (so every future
   * completes), then closes the database. Idempotent.
   */
  @Override
  public void close() {
    synchronized (this) {
      if (closed) {
        return;
      }
      closed = true;
    }
    // Before the connections close: a copy in progress is cancelled, none starts.
    StoreBackups b = backups;
    if (b != null) {
      b.close();
    }
    writer.stopping = true;
    queue.offer(WAKE);
    boolean interrupted = false;
    try {
      writerThread.join(TimeUnit.SECONDS.toMillis(CLOSE_TIMEOUT_SECONDS));
    } catch (InterruptedException e) {
      interrupted = true;
      Thread.currentThread().interrupt();
    }
    if (writerThread.isAlive()) {
      LOG.error("packet store writer did not finish {}; closing anyway", interrupted
          ? "(close was interrupted)" : "within " + CLOSE_TIMEOUT_SECONDS + " s");
    }
    terminated = true;
    failLeftovers();
    if (syncer != null) {
      syncer.stop();
      try {
        syncerThread.join(TimeUnit.SECONDS.toMillis(CLOSE_TIMEOUT_SECONDS));
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
      if (!syncerThread.isAlive()) {
        closeQuietly(syncer.connection);
      }
    }
    for (Reader r : allReaders) {
      closeQuietly(r.connection());
    }
    if (!writerThread.isAlive()) {
      closeQuietly(writer.connection);
    }
    dialect.afterClose();
    LOG.info("packet store closed: {}", dialect.describe());
  }

  private void failLeftovers() {
    Object o;
    while ((o = queue.poll()) != null) {
      if (o instanceof Upsert u) {
        u.future().completeExceptionally(new IllegalStateException("packet store is closed"));
      }
    }
    CompletableFuture<Void> m;
    while ((m = maintenanceRequests.poll()) != null) {
      m.completeExceptionally(new IllegalStateException("packet store is closed"));
    }
  }

  private void checkOpen() {
    if (closed) {
      throw new IllegalStateException("packet store is closed");
    }
  }

  private static void closeQuietly(Connection c) {
    try {
      c.close();
    } catch (SQLException e) {
      LOG.warn("closing a store connection failed: {}", e.getMessage());
    }
  }

  // ---------------------------------------------------------------------------------------------
  // The writer
  // ---------------------------------------------------------------------------------------------

  /** A key's state while a batch is being decided. */
  private static final class Pending {
    StoredPacket state;
    final boolean inDatabase;

    Pending(StoredPacket state, boolean inDatabase) {
      this.state = state;
      this.inDatabase = inDatabase;
    }
  }

  private final class Writer implements Runnable {
    final Connection connection;
    final PreparedStatement select;
    final PreparedStatement insert;
    final PreparedStatement update;
    volatile boolean stopping;
    private final long batchDelayNanos = options.maxBatchDelay().toNanos();
    private final long maintenanceNanos = options.evictionInterval().toNanos();
    private final List<Upsert> batch = new ArrayList<>(options.maxBatchSize());
    private final UpsertOutcome[] outcomes = new UpsertOutcome[options.maxBatchSize()];
    private long nextMaintenance;
    /** Rows written since the dialect's housekeeping last ran (see {@link #compactIfDue}). */
    private int rowsSinceMaintain;
    /** This batch's republishes: the stored packet again, only its last-seen moved. */
    private final Map<PublicKey, StoredPacket> republished = new HashMap<>();
    /** Whether the last eviction run left last-seen times unwritten for waiting upserts. */
    private boolean seenBacklog;
    /** Keys (sorted) whose access times a flush that yielded to upserts has yet to write. */
    private List<byte[]> accessBacklog = List.of();
    /** How far {@link #accessBacklog} is written. */
    private int accessBacklogAt;
    private final int maintainEveryRows = dialect.maintainEveryRows();
    /** Latest access time written; access times never go backwards (see {@link #accessStamp}). */
    private long lastAccess;

    Writer(Connection connection) throws SQLException {
      this.connection = connection;
      connection.setAutoCommit(false);
      try (Statement s = connection.createStatement();
          ResultSet rs = s.executeQuery(dialect.selectMaxAccess())) {
        lastAccess = rs.next() ? rs.getLong(1) : 0;
      }
      this.select = connection.prepareStatement(dialect.selectPacket());
      this.insert = connection.prepareStatement(dialect.insertPacket());
      this.update = connection.prepareStatement(dialect.updatePacket());
    }

    @Override
    public void run() {
      nextMaintenance = System.nanoTime() + maintenanceNanos;
      try {
        while (true) {
          boolean requested = !maintenanceRequests.isEmpty();
          if (requested || System.nanoTime() - nextMaintenance >= 0) {
            maintenance(requested);
          } else if (touchesFull || accessBacklogAt < accessBacklog.size()) {
            flushAccessTimesQuietly(); // a chunk at a time while upserts wait
          }
          if (stopping && queue.isEmpty()) {
            flushLastSeenQuietly(true);
            return;
          }
          long wait = Math.max(0, nextMaintenance - System.nanoTime());
          Object first = queue.poll(wait, TimeUnit.NANOSECONDS);
          if (first instanceof Upsert u) {
            batch.add(u);
            gather();
            apply();
            batch.clear();
            compactIfDue();
            if (seenBacklog || seenLater.size() >= MAX_SEEN_LATER) {
              seenBacklog = !flushLastSeenQuietly(false); // a chunk at a time while upserts wait
            }
          }
        }
      } catch (InterruptedException e) {
        LOG.error("packet store writer interrupted; pending upserts fail");
      } catch (Throwable t) {
        LOG.error("packet store writer died; pending upserts fail", t);
      } finally {
        for (Upsert u : batch) {
          u.future().completeExceptionally(new PacketStoreException("packet store writer stopped"));
        }
        batch.clear();
        terminated = true;
        failLeftovers();
      }
    }

    /** Adds queued upserts to the batch until it is full or the batch delay has passed. */
    private void gather() throws InterruptedException {
      int max = options.maxBatchSize();
      long deadline = System.nanoTime() + batchDelayNanos;
      while (batch.size() < max) {
        Object next = queue.poll();
        if (next == null) {
          long left = deadline - System.nanoTime();
          if (left <= 0 || stopping) {
            return;
          }
          next = queue.poll(left, TimeUnit.NANOSECONDS);
          if (next == null) {
            return;
          }
        }
        if (next instanceof Upsert u) {
          batch.add(u);
        } else if (!maintenanceRequests.isEmpty()) {
          return;
        }
      }
    }

    /** Decides, writes and commits the batch, then completes its futures (or has them synced). */
    private void apply() throws InterruptedException {
      String failed = failure;
      if (failed != null) {
        fail(batch, new PacketStoreException("packet store failed (" + failed + ")"), false);
        return;
      }
      long started = System.nanoTime();
      long now = clock.nowMicros();
      long access = accessStamp(now);
      int n = batch.size();
      Map<PublicKey, Pending> changed = new HashMap<>();
      republished.clear();
      int inserts = 0;
      try {
        for (int i = 0; i < n; i++) {
          SignedPacket p = batch.get(i).packet();
          PublicKey key = p.publicKey();
          Pending pending = changed.get(key);
          // A row that no longer parses reads as absent but is overwritten, not inserted again:
          // a duplicate key would fail the whole batch, and every later batch with that key.
          Row row = pending != null ? new Row(pending.state, pending.inDatabase) : currentState(key);
          StoredPacket current = row.packet();
          StoredPacket next;
          if (current == null) {
            outcomes[i] = UpsertOutcome.INSERTED;
            next = new StoredPacket(p, now);
          } else if (p.isMoreRecentThan(current.packet())) {
            outcomes[i] = UpsertOutcome.UPDATED;
            next = new StoredPacket(p, now);
          } else if (p.isSameAs(current.packet())) {
            outcomes[i] = UpsertOutcome.UNCHANGED;
            next = now > current.lastSeenMicros() ? new StoredPacket(current.packet(), now) : current;
            if (pending == null) {
              // A republish moves only last-seen: the row is not rewritten for it now (an
              // update costs more than an insert), but later in bulk (flushLastSeen).
              if (next != current) {
                republished.put(key, next);
              }
              continue;
            }
          } else if (!current.packet().isMoreRecentThan(p)) {
            // Equal timestamp and DNS bytes under another signature: as recent, nothing to write.
            outcomes[i] = UpsertOutcome.UNCHANGED;
            continue;
          } else {
            outcomes[i] = UpsertOutcome.STALE;
            continue;
          }
          if (pending == null) {
            changed.put(key, new Pending(next, row.exists()));
          } else {
            pending.state = next;
          }
        }
        List<Map.Entry<PublicKey, Pending>> updates = new ArrayList<>();
        for (Map.Entry<PublicKey, Pending> e : changed.entrySet()) {
          StoredPacket s = e.getValue().state;
          byte[] k = e.getKey().toBytes();
          if (e.getValue().inDatabase) {
            updates.add(e);
            update.setBytes(1, s.packet().toBytes());
            update.setLong(2, expiryBasis(s));
            update.setLong(3, s.lastSeenMicros());
            update.setLong(4, access);
            update.setBytes(5, k);
            update.addBatch();
          } else {
            addInsert(k, s, access);
            inserts++;
          }
        }
        if (inserts > 0) {
          insert.executeBatch();
        }
        if (!updates.isEmpty()) {
          inserts += insertMissing(updates, update.executeBatch());
        }
        if (syncer != null) {
          syncer.awaitLag();
        }
        connection.commit();
        rowsSinceMaintain += changed.size();
        publish(changed, inserts);
        republished.forEach((key, state) -> {
          if (changed.containsKey(key)) {
            return; // republished, then replaced in the same batch: the new row has its own
          }
          seenLater.merge(key, state.lastSeenMicros(), Math::max);
          if (cache != null) {
            cache.asMap().merge(key.compact(), state.compact(), JdbcPacketStore::newer);
          }
        });
      } catch (SQLException | RuntimeException e) {
        rollbackQuietly();
        checkFatal(e, connection); // before the callers hear of it, so they see the store's state
        fail(batch, e, false);
        return;
      }
      Committed done = new Committed(List.copyOf(batch), Arrays.copyOf(outcomes, n), started,
          System.nanoTime(), changed.size(), inserts);
      // Even a batch that wrote nothing goes through the syncer: its outcomes (409, "unchanged")
      // may rest on an earlier batch's rows, which must be on the device before they are told.
      if (syncer != null) {
        syncer.enqueue(done);
      } else {
        acknowledge(done);
      }
      if (options.capacity() > 0 && count.get() > options.capacity()) {
        evictOverCapacity();
      }
    }

    /** Makes a commit visible: count, commit counter, then the cache (newest wins). */
    private void publish(Map<PublicKey, Pending> changed, int inserts) {
      count.addAndGet(inserts);
      commits.incrementAndGet();
      // A waiting last-seen belongs to the packet replaced: neither reads nor the bulk write may
      // give it to the new one (whose own is older if the clock stepped back).
      changed.keySet().forEach(seenLater::remove);
      if (cache != null) {
        // Compact keys: 65,536 cached packets held about 29 MB of decoded curve points.
        for (Map.Entry<PublicKey, Pending> e : changed.entrySet()) {
          StoredPacket s = e.getValue().state.compact();
          cache.asMap().merge(e.getKey().compact(), s, JdbcPacketStore::newer);
        }
      }
    }

    /** The committed state of a key: the cache is authoritative when it has the key. */
    private Row currentState(PublicKey key) throws SQLException {
      if (cache != null) {
        // asMap().get: the writer's look-ups are not reads, and must not count as cache hits.
        StoredPacket p = cache.asMap().get(key);
        if (p != null) {
          return new Row(p, true);
        }
      }
      return selectRow(select, key);
    }


    /** Adds {@link SqlDialect#insertPacket()} of {@code s} under key {@code k} to the batch. */
    private void addInsert(byte[] k, StoredPacket s, long access) throws SQLException {
      insert.setBytes(1, k);
      insert.setBytes(2, s.packet().toBytes());
      insert.setLong(3, expiryBasis(s));
      insert.setLong(4, s.lastSeenMicros());
      insert.setLong(5, access);
      insert.addBatch();
    }

    /**
     * Rows the cache said exist but the UPDATE did not find (a stale cache entry after a failed
     * eviction): inserted now, so that no acknowledged packet is missing. Returns how many.
     */
    private int insertMissing(List<Map.Entry<PublicKey, Pending>> updates, int[] counts)
        throws SQLException {
      int missing = 0;
      for (int i = 0; i < counts.length; i++) {
        if (counts[i] == 0) {
          addInsert(updates.get(i).getKey().toBytes(), updates.get(i).getValue().state, lastAccess);
          missing++;
        }
      }
      if (missing > 0) {
        LOG.warn("{} packets were missing from the database though cached; inserted again", missing);
        insert.executeBatch();
      }
      return missing;
    }

    /**
     * The access time to write at wall-clock {@code now}: never before one already written, so a
     * clock stepped back cannot make the rows written next the least recently used ones.
     */
    private long accessStamp(long now) {
      lastAccess = Math.max(lastAccess, now);
      return lastAccess;
    }

    private void rollbackQuietly() {
      try {
        insert.clearBatch();
        update.clearBatch();
        connection.rollback();
      } catch (SQLException e) {
        LOG.warn("rollback failed: {}", e.getMessage());
      }
    }


    // ---- maintenance ----

    /**
     * Runs the dialect's housekeeping (H2: compaction) once enough rows were written since it
     * last ran, between batches: under a storm of new keys the timer's run every
     * {@code eviction_interval} falls far behind the garbage the writes leave in the file.
     */
    private void compactIfDue() {
      if (maintainEveryRows <= 0 || rowsSinceMaintain < maintainEveryRows) {
        return;
      }
      rowsSinceMaintain = 0;
      try {
        maintainDialect();
        commitHousekeeping();
      } catch (SQLException | RuntimeException e) {
        LOG.error("packet store compaction failed: {}", e.toString());
        rollbackQuietly();
        checkFatal(e, connection);
      }
    }

    private void maintenance(boolean requested) {
      List<CompletableFuture<Void>> waiting = new ArrayList<>();
      CompletableFuture<Void> f;
      while ((f = maintenanceRequests.poll()) != null) {
        waiting.add(f);
      }
      try {
        boolean finished = evictByAge(requested);
        // What upserts cut short goes on a chunk at a time between batches (run), not here
        // again with the compaction below.
        seenBacklog = !flushLastSeen(requested);
        if (touchesFull || accessBacklogAt < accessBacklog.size()) {
          flushAccessTimes(requested);
        }
        if (options.capacity() > 0 && count.get() > options.capacity()) {
          evictOverCapacity();
        }
        maintainDialect();
        rowsSinceMaintain = 0;
        commitHousekeeping();
        // An eviction cut short for waiting upserts resumes right after them.
        nextMaintenance = System.nanoTime() + (finished ? maintenanceNanos : 0);
        waiting.forEach(w -> w.complete(null));
      } catch (SQLException | RuntimeException e) {
        LOG.error("packet store maintenance failed: {}", e.toString());
        rollbackQuietly();
        checkFatal(e, connection);
        nextMaintenance = System.nanoTime() + maintenanceNanos;
        PacketStoreException failure = new PacketStoreException("maintenance failed: " + e.getMessage(), e);
        waiting.forEach(w -> w.completeExceptionally(failure));
      }
    }

    /**
     * Removes packets neither signed nor published (PUT, republishes included) within maxAge;
     * false if it stopped early for upserts.
     */
    private boolean evictByAge(boolean requested) throws SQLException {
      if (options.maxAge().isZero()) {
        return true;
      }
      long cutoff = clock.nowMicros() - options.maxAge().toNanos() / 1_000;
      try (PreparedStatement sel = connection.prepareStatement(dialect.selectExpired());
          PreparedStatement del = connection.prepareStatement(dialect.deleteExpired());
          PreparedStatement refresh = connection.prepareStatement(dialect.refreshLastSeen())) {
        while (true) {
          sel.setLong(1, cutoff);
          sel.setInt(2, EVICTION_CHUNK);
          List<byte[]> selected = keys(sel);
          if (selected.isEmpty()) {
            return true;
          }
          List<byte[]> keys = spareRepublished(selected, refresh);
          for (byte[] k : keys) {
            del.setBytes(1, k);
            del.setLong(2, cutoff); // a spared row's ts is past the cutoff now: kept
            del.addBatch();
          }
          int removed = keys.isEmpty() ? 0 : sum(del.executeBatch());
          commitHousekeeping();
          forget(keys, removed, StoreMetrics.Eviction.AGE);
          if (selected.size() < EVICTION_CHUNK) {
            return true;
          }
          if (!requested && !queue.isEmpty()) {
            return false;
          }
        }
      }
    }

    /** Removes the least recently used rows until the store is back at its capacity. */
    private void evictOverCapacity() {
      try (PreparedStatement sel = connection.prepareStatement(dialect.selectLeastRecentlyUsed());
          PreparedStatement del = connection.prepareStatement(dialect.deletePacket());
          PreparedStatement refresh = connection.prepareStatement(dialect.refreshLastSeen())) {
        flushAccessTimes(false); // with upserts waiting, the order is approximate a while
        long excess;
        while ((excess = count.get() - options.capacity()) > 0) {
          sel.setInt(1, (int) Math.min(excess, EVICTION_CHUNK));
          List<byte[]> selected = keys(sel);
          if (selected.isEmpty()) {
            return;
          }
          // Republished keys are recently used: their waiting times are written (which makes
          // them the most recent rows) instead of their rows deleted, and the loop selects again.
          List<byte[]> keys = spareRepublished(selected, refresh);
          for (byte[] k : keys) {
            del.setBytes(1, k);
            del.addBatch();
          }
          int removed = keys.isEmpty() ? 0 : sum(del.executeBatch());
          commitHousekeeping();
          forget(keys, removed, StoreMetrics.Eviction.CAPACITY);
        }
      } catch (SQLException | RuntimeException e) {
        LOG.error("capacity eviction failed: {}", e.toString());
        rollbackQuietly();
        if (e instanceof SQLException sql) {
          checkFatal(sql, connection);
        }
      }
    }

    /**
     * Of the rows an eviction selected, those whose key waits in {@link #seenLater} (a republish
     * not yet written) are not evicted: their last-seen is written now, in the eviction's
     * transaction, which makes them recently used and published (a later {@code ts}). Returns
     * the others, to delete. Before, a capacity eviction wrote every waiting time first: up to
     * {@value #MAX_SEEN_LATER} rows at 100-150 µs each, seconds with no upsert committed.
     */
    private List<byte[]> spareRepublished(List<byte[]> selected, PreparedStatement refresh)
        throws SQLException {
      if (seenLater.isEmpty()) {
        return selected;
      }
      List<byte[]> doomed = new ArrayList<>(selected.size());
      List<Map.Entry<PublicKey, Long>> spared = new ArrayList<>();
      long access = accessStamp(clock.nowMicros());
      for (byte[] k : selected) {
        PublicKey key = decodedOrNull(k);
        Long seen = key == null ? null : seenLater.get(key);
        if (seen == null) {
          doomed.add(k);
        } else {
          addRefresh(refresh, k, seen, access);
          spared.add(Map.entry(key, seen));
        }
      }
      if (!spared.isEmpty()) {
        refresh.executeBatch();
        // Removed before the commit: should it fail, the store has failed or the rows come back
        // with the next selection, which no longer spares them (a lost last-seen, as on a crash).
        spared.forEach(e -> seenLater.remove(e.getKey(), e.getValue()));
      }
      return doomed;
    }

    private void flushAccessTimesQuietly() {
      try {
        flushAccessTimes(false);
      } catch (SQLException e) {
        LOG.warn("recording access times failed: {}", e.toString());
        rollbackQuietly();
      }
    }

    /** Whether an upsert waits in the queue (not a wake-up or a maintenance request). */
    private boolean upsertsWaiting() {
      return queue.peek() instanceof Upsert;
    }

    /** {@link #flushLastSeen}, dropping the times if it fails; whether it wrote them all. */
    private boolean flushLastSeenQuietly(boolean all) {
      try {
        return flushLastSeen(all);
      } catch (SQLException e) {
        LOG.warn("recording last-seen times failed, {} dropped: {}", seenLater.size(), e.toString());
        rollbackQuietly();
        seenLater.clear(); // advisory; not retried after every batch
        return true;
      }
    }

    /**
     * Writes the last-seen times of republished keys, with an access time for the LRU, in
     * transactions of {@value #ACCESS_CHUNK} rows: with every eviction run, before a capacity
     * eviction, when {@value #MAX_SEEN_LATER} keys wait, and on close. A republish (the stored
     * packet's exact bytes, as pkarr's republishers and homeservers send them) thus costs no row
     * write of its own, and the writes of many share their commits; a crash loses at most these
     * times, never a packet. Until then reads take them from the cache or {@link #seenLater}.
     *
     * @param all write every waiting time; otherwise stop after a chunk when upserts wait, as the
     *     age eviction does, so that a large backlog never stalls them
     * @return whether every time was written
     */
    private boolean flushLastSeen(boolean all) throws SQLException {
      if (seenLater.isEmpty()) {
        return true;
      }
      long access = accessStamp(clock.nowMicros());
      List<Map.Entry<PublicKey, Long>> chunk = new ArrayList<>(ACCESS_CHUNK);
      try (PreparedStatement refresh = connection.prepareStatement(dialect.refreshLastSeen())) {
        while (true) {
          chunk.clear();
          for (Map.Entry<PublicKey, Long> e : seenLater.entrySet()) {
            chunk.add(Map.entry(e.getKey(), e.getValue()));
            if (chunk.size() == ACCESS_CHUNK) {
              break;
            }
          }
          for (Map.Entry<PublicKey, Long> e : chunk) {
            addRefresh(refresh, e.getKey().toBytes(), e.getValue(), access);
          }
          refresh.executeBatch();
          commitHousekeeping();
          chunk.forEach(e -> seenLater.remove(e.getKey(), e.getValue()));
          rowsSinceMaintain += chunk.size();
          compactIfDue();
          if (seenLater.isEmpty()) {
            return true;
          }
          // Past the bound it goes on even with upserts waiting: each batch may add up to
          // max_batch_size republishes, more than a chunk, and the map would grow without end.
          if (!all && upsertsWaiting() && seenLater.size() < MAX_SEEN_LATER) {
            return false;
          }
        }
      }
    }

    /** Adds {@link SqlDialect#refreshLastSeen()} of key {@code k} to the statement's batch. */
    private void addRefresh(PreparedStatement refresh, byte[] k, long seen, long access)
        throws SQLException {
      refresh.setLong(1, seen);
      refresh.setLong(2, access);
      refresh.setLong(3, seen);
      refresh.setLong(4, seen);
      refresh.setBytes(5, k);
      refresh.setLong(6, seen);
      refresh.addBatch();
    }

    /**
     * Writes the access times of keys read since the last flush (LRU bookkeeping): in key order,
     * so that neighbouring rows share pages, and in transactions of {@value #ACCESS_CHUNK} rows
     * that count toward the next compaction. Every key read at random from a store of 300,000,
     * with fsync, used to cost the writer 72 s in one transaction, during which no upsert was
     * committed, and grew the file from 167 MB to 6.6 GB; now 30–41 s in short steps, and
     * 393–459 MB. Keys read while a flush runs wait for the next one.
     *
     * @param all write them all; otherwise stop after a chunk when upserts wait or the store is
     *     closing, and go on from the same place next time, so a large flush never stalls PUTs
     * @return whether nothing is left to write
     */
    private boolean flushAccessTimes(boolean all) throws SQLException {
      touchesFull = false;
      long now = accessStamp(clock.nowMicros());
      boolean drained = false;
      try (PreparedStatement touch = connection.prepareStatement(dialect.touchAccess())) {
        while (true) {
          if (accessBacklogAt >= accessBacklog.size()) {
            if (drained || touched.isEmpty()) {
              accessBacklog = List.of();
              accessBacklogAt = 0;
              return true;
            }
            List<byte[]> keys = new ArrayList<>(touched.size());
            for (Iterator<PublicKey> it = touched.iterator(); it.hasNext(); ) {
              keys.add(it.next().toBytes());
              it.remove();
            }
            keys.sort(Arrays::compareUnsigned); // BINARY(32) order in the primary key
            accessBacklog = keys;
            accessBacklogAt = 0;
            drained = true; // once per call: reads that go on must not keep the writer here
          }
          int end = Math.min(accessBacklog.size(), accessBacklogAt + ACCESS_CHUNK);
          for (int i = accessBacklogAt; i < end; i++) {
            touch.setLong(1, now);
            touch.setBytes(2, accessBacklog.get(i));
            touch.setLong(3, now);
            touch.addBatch();
          }
          touch.executeBatch();
          commitHousekeeping();
          rowsSinceMaintain += end - accessBacklogAt;
          accessBacklogAt = end;
          compactIfDue(); // each update leaves a page of garbage; keep up as batches do
          if (!all && (stopping || upsertsWaiting())) {
            return accessBacklogAt >= accessBacklog.size();
          }
        }
      }
    }

    /**
     * The dialect's housekeeping, after the device has caught up: H2's compaction writes chunks
     * of its own, which may reuse space the device's last forced state still points to.
     */
    private void maintainDialect() throws SQLException {
      awaitDevice();
      dialect.maintain(connection);
    }

    /** {@link Syncer#awaitLag()} when there is a syncer that will run again. */
    private void awaitDevice() throws SQLException {
      if (syncer == null || failure != null) {
        return;
      }
      try {
        syncer.awaitLag();
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt(); // the writer's next wait ends it
        throw new SQLException("interrupted while the device lags", e);
      }
    }

    /**
     * Commits the writer's own changes (evictions, access times, compaction) under the same rule
     * as a batch of upserts: with fsync on, not while the device lags, and forced by the syncer
     * soon after. They answer no caller, but they free file space, which the database may reuse
     * shortly after ({@link SqlDialect#maxSyncLag()}; H2 a second after the commit): left
     * unforced, as by a store that went idle after its compaction, such a commit would let a
     * later write overwrite pages that the device's last forced state still needs.
     */
    private void commitHousekeeping() throws SQLException {
      if (syncer == null || failure != null) {
        connection.commit(); // no fsync asked for, or none will run again (the store has failed)
        return;
      }
      awaitDevice();
      connection.commit();
      try {
        syncer.enqueue(Committed.housekeeping());
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt(); // the writer's next wait ends it
        throw new SQLException("interrupted while the device lags", e);
      }
    }

    private void forget(List<byte[]> keys, int removed, StoreMetrics.Eviction reason) {
      count.addAndGet(-removed);
      commits.incrementAndGet();
      for (byte[] k : keys) {
        PublicKey key = decodedOrNull(k);
        if (key != null) {
          seenLater.remove(key);
          if (cache != null) {
            cache.invalidate(key);
          }
        }
      }
      metrics.evicted(reason, removed);
      if (EVICT_EVENTS.isDebugEnabled()) {
        EVICT_EVENTS.atDebug()
            .addKeyValue("reason", reason.name().toLowerCase(java.util.Locale.ROOT))
            .addKeyValue("removed", removed)
            .addKeyValue("remaining", count.get())
            .log();
      }
    }
  }

  // ---------------------------------------------------------------------------------------------
  // Acknowledging: after the commit, or after the commit's fsync
  // ---------------------------------------------------------------------------------------------

  /** A committed batch, with the outcome of each upsert in it. */
  private record Committed(List<Upsert> upserts, UpsertOutcome[] outcomes, long startedNanos,
      long committedNanos, int rows, int inserts) {
    /** The writer's own commit: nobody to answer, but written, so the syncer forces it. */
    static Committed housekeeping() {
      long now = System.nanoTime();
      return new Committed(List.of(), new UpsertOutcome[0], now, now, 1, 0);
    }
  }

  /** Completes a committed (and, if asked for, synced) batch's futures. */
  private void acknowledge(Committed c) {
    if (c.upserts().isEmpty()) {
      return; // housekeeping: no batch to report
    }
    long nanos = System.nanoTime() - c.startedNanos();
    for (int i = 0; i < c.upserts().size(); i++) {
      metrics.upserted(c.outcomes()[i]);
      c.upserts().get(i).future().complete(c.outcomes()[i]);
    }
    metrics.committed(c.upserts().size(), nanos);
    if (COMMIT_EVENTS.isDebugEnabled()) {
      COMMIT_EVENTS.atDebug()
          .addKeyValue("batch", c.upserts().size())
          .addKeyValue("rows", c.rows())
          .addKeyValue("inserted", c.inserts())
          .addKeyValue("micros", nanos / 1_000)
          .addKeyValue("fsync", options.fsync())
          .log();
    }
  }

  /** Fails every upsert of a batch whose commit (or sync) failed. */
  private void fail(List<Upsert> upserts, Exception e, boolean committed) {
    metrics.commitFailed(upserts.size());
    LOG.error("packet store commit of {} upserts failed{}: {}", upserts.size(),
        committed ? " after the commit (sync)" : "", e.toString());
    PacketStoreException failure = new PacketStoreException(
        "packet store could not " + (committed ? "sync" : "commit") + ": " + e.getMessage(), e);
    for (Upsert u : upserts) {
      u.future().completeExceptionally(failure);
    }
  }

  /**
   * Forces committed batches to the device, off the writer (pipelined group commit): while one
   * fsync runs, the writer already commits the next batches, and the next fsync covers all of
   * them. A batch is acknowledged only by a sync that started after its commit returned, so it is
   * on the device when its futures complete.
   */
  private final class Syncer implements Runnable {
    /** Committed batches waiting for a sync; bounded so a stuck disk stops the writer too. */
    private final BlockingQueue<Committed> waiting = new ArrayBlockingQueue<>(SYNC_QUEUE_BATCHES);
    private final Connection connection;
    private volatile boolean stopping;
    /** Set when the sync loop has ended, before the queue's last drain. */
    private volatile boolean finished;

    Syncer(Connection connection) {
      this.connection = connection;
    }

    /** Whether a committed batch waits for a sync, and since when (System.nanoTime()). */
    private boolean unsynced;
    private long oldestUnsyncedNanos;
    private final long maxLagNanos = dialect.maxSyncLag().toNanos();

    /**
     * Queues a committed batch for the next sync. The bookkeeping and the queueing happen under
     * one lock, which {@link #synced()} takes too: otherwise a sync ending between them would
     * see no batch waiting and clear {@code unsynced}, and this batch would wait for its sync
     * with {@link #awaitLag()} blind to it. (Waiting for room under the lock is safe: the syncer
     * takes from the queue without it.) If the syncer has stopped, the batch fails here.
     */
    void enqueue(Committed c) throws InterruptedException {
      synchronized (this) {
        if (!unsynced) {
          unsynced = true;
          oldestUnsyncedNanos = c.committedNanos();
        }
        while (!waiting.offer(c, 100, TimeUnit.MILLISECONDS)) {
          if (finished) {
            break;
          }
        }
      }
      if (finished) {
        // No sync will run again, so nothing would answer these (the syncer's last drain may
        // have failed them already; failing a completed future changes nothing).
        waiting.remove(c);
        c.upserts().forEach(u -> u.future().completeExceptionally(
            new PacketStoreException("packet store syncer stopped")));
      }
    }

    /**
     * Blocks the writer while the oldest committed batch has waited longer than the dialect's
     * {@link SqlDialect#maxSyncLag()} for its fsync (a stalled device): committing more would let
     * the database reuse file space the device's last forced state still points to.
     */
    synchronized void awaitLag() throws InterruptedException {
      while (unsynced && !stopping && failure == null) {
        long late = System.nanoTime() - oldestUnsyncedNanos - maxLagNanos;
        if (late < 0) {
          return;
        }
        wait(100);
      }
    }

    /** After a sync: what still waits is what the next one covers. */
    private synchronized void synced() {
      Committed next = waiting.peek();
      unsynced = next != null;
      oldestUnsyncedNanos = next == null ? 0 : next.committedNanos();
      notifyAll();
    }

    void stop() {
      stopping = true;
      synchronized (this) {
        notifyAll();
      }
    }

    @Override
    public void run() {
      List<Committed> group = new ArrayList<>();
      try {
        while (!(stopping && waiting.isEmpty())) {
          Committed first = waiting.poll(100, TimeUnit.MILLISECONDS);
          if (first == null) {
            continue;
          }
          group.add(first);
          waiting.drainTo(group);
          try {
            String failed = failure;
            if (failed != null) {
              // After a failed fsync nothing later may be acknowledged (the state is unknown).
              throw new PacketStoreException("packet store failed (" + failed + ")");
            }
            // Batches that wrote nothing need no sync of their own: every batch before them was
            // acknowledged by an earlier sync, or is in this group.
            if (group.stream().anyMatch(c -> c.rows() > 0)) {
              dialect.sync(connection);
            }
            synced();
            group.forEach(JdbcPacketStore.this::acknowledge);
          } catch (SQLException | RuntimeException e) {
            markFailed("fsync failed: " + e.getMessage());
            synced();
            for (Committed c : group) {
              fail(c.upserts(), e, true);
            }
          }
          group.clear();
        }
      } catch (InterruptedException e) {
        LOG.error("packet store syncer interrupted");
      } catch (Throwable t) {
        LOG.error("packet store syncer died", t);
      } finally {
        if (!stopping) {
          // Nothing would acknowledge later commits: refuse them rather than leave them waiting.
          markFailed("the fsync thread stopped");
        }
        PacketStoreException stopped = new PacketStoreException("packet store syncer stopped");
        finished = true;
        waiting.drainTo(group); // what enqueue adds from now on, it fails itself
        for (Committed c : group) {
          c.upserts().forEach(u -> u.future().completeExceptionally(stopped));
        }
      }
    }
  }

  /** The stored packet's expiry basis, the {@code ts} column: signed or published, the later. */
  private static long expiryBasis(StoredPacket s) {
    return Math.max(s.packet().timestampMicros(), s.lastSeenMicros());
  }

  /**
   * The key of a row, or null when the stored bytes are no valid key (a damaged file: such a row
   * is evicted like any other, and was never cached, since the cache holds decoded keys only).
   */
  private static PublicKey decodedOrNull(byte[] k) {
    try {
      return PublicKey.fromBytes(k);
    } catch (IllegalArgumentException e) {
      return null;
    }
  }

  private static List<byte[]> keys(PreparedStatement select) throws SQLException {
    List<byte[]> keys = new ArrayList<>();
    try (ResultSet rs = select.executeQuery()) {
      while (rs.next()) {
        keys.add(rs.getBytes(1));
      }
    }
    return keys;
  }

  private static int sum(int[] counts) {
    int total = 0;
    for (int c : counts) {
      total += Math.max(0, c);
    }
    return total;
  }
}
