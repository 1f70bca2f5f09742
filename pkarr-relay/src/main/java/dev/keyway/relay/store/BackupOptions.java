package dev.keyway.relay.store;

import dev.keyway.relay.config.Durations;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Objects;

/**
 * When and where {@link StoreBackups} copies the packet database while the server runs.
 *
 * @param dir where the copies go; a relative path is resolved by the dialect (H2: against the
 *     data directory, so the default {@code backups} is {@code <data dir>/backups})
 * @param interval time between two copies; zero turns backups off (the default)
 * @param keep how many of the newest copies are kept; older ones are deleted after each new one
 */
public record BackupOptions(Path dir, Duration interval, int keep) {
  /** {@code backups}, beside the data. */
  public static final Path DEFAULT_DIR = Path.of("backups");
  /** Off: a copy of the database per interval is disk an operator chooses to spend. */
  public static final Duration DEFAULT_INTERVAL = Duration.ZERO;
  /** Three copies: a bad one (written from a database already damaged) is not the only one. */
  public static final int DEFAULT_KEEP = 3;
  /** Shortest interval: a copy of a large database takes seconds to minutes. */
  public static final Duration MIN_INTERVAL = Duration.ofSeconds(1);
  /** Longest interval (a year): longer ones are a mistake, not a schedule. */
  public static final Duration MAX_INTERVAL = Duration.ofDays(366);

  public BackupOptions {
    Objects.requireNonNull(dir, "dir");
    Objects.requireNonNull(interval, "interval");
    // Messages name options as the builder-style names the config readers rename (backupKeep).
    if (!interval.isZero() && (interval.compareTo(MIN_INTERVAL) < 0 || interval.compareTo(MAX_INTERVAL) > 0)) {
      throw new IllegalArgumentException("backupInterval must be 0s (off) or "
          + Durations.format(MIN_INTERVAL) + ".." + Durations.format(MAX_INTERVAL) + ", got "
          + Durations.format(interval));
    }
    if (keep < 1 || keep > 10_000) {
      throw new IllegalArgumentException("backupKeep must be 1..10000, got " + keep);
    }
    if (dir.toString().isEmpty()) {
      throw new IllegalArgumentException("backupDir must not be empty");
    }
  }

  /** Backups off, the default directory and count. */
  public static BackupOptions defaults() {
    return new BackupOptions(DEFAULT_DIR, DEFAULT_INTERVAL, DEFAULT_KEEP);
  }

  /** Whether backups are taken at all. */
  public boolean enabled() {
    return !interval.isZero();
  }
}
