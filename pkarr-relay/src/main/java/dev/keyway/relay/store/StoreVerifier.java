package dev.keyway.relay.store;

import dev.keyway.client.InvalidInputException;
import dev.keyway.client.keys.Z32;
import dev.keyway.client.packet.SignedPacket;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.stream.Stream;

/**
 * Checks that a database file, a backup above all, opens and holds what a store can serve:
 * the schema version this code reads, and every row a packet whose signature verifies and whose
 * key is the row's key. A backup nobody has opened is a hope, not a backup.
 *
 * <p>The file is copied into a scratch directory first and the copy is opened, so the file
 * itself is never written (opening an H2 database can write to it: a crash copy's recovery, the
 * compaction at close). The scratch copy is as large as the file: choose its directory for that
 * (the system's temporary directory may be memory). The file of a running server is not a
 * consistent thing to check: a copy of it taken meanwhile may not open, which says nothing about
 * the database; check its backups, or stop it.
 */
public final class StoreVerifier {
  /** At most this many bad rows are described in a report; the rest are only counted. */
  public static final int MAX_PROBLEMS = 20;

  private StoreVerifier() {}

  /**
   * What a check found.
   *
   * @param file the file checked
   * @param bytes its size
   * @param schemaVersion the schema version it records, or -1 if none
   * @param packets rows read
   * @param invalid rows whose packet does not parse or verify, or is filed under another key
   * @param newestSignedMicros the latest signed timestamp of a valid packet (µs), or -1
   * @param oldestSignedMicros the earliest, or -1
   * @param problems the first {@link #MAX_PROBLEMS} bad rows, described
   */
  public record Report(Path file, long bytes, int schemaVersion, long packets, long invalid,
      long newestSignedMicros, long oldestSignedMicros, List<String> problems) {
    /** Whether a store could serve this file as it is. */
    public boolean ok() {
      return schemaVersion == SqlDialect.SCHEMA_VERSION && invalid == 0;
    }
  }

  /**
   * Checks an H2 database file ({@code keyway-packets.mv.db}, or a copy made by
   * {@link StoreBackups}).
   *
   * @param scratch an empty directory to copy the file into; emptied again afterwards
   * @throws PacketStoreException if the file does not open as a keyway store
   * @throws UncheckedIOException if the file cannot be read or copied
   */
  public static Report verifyH2File(Path file, Path scratch) {
    if (!Files.isRegularFile(file)) {
      throw new UncheckedIOException(new java.nio.file.NoSuchFileException(file.toString(), null,
          "not a file"));
    }
    H2Dialect dialect = H2Dialect.file(scratch);
    try {
      Files.copy(file, dialect.databaseFile());
      long bytes = Files.size(file);
      Connection c;
      try {
        c = dialect.connect();
      } catch (SQLException e) {
        String why = dialect.explain(e).replace(dialect.databaseFile().toString(), file.toString());
        throw new PacketStoreException(file + " does not open as a database (is it a keyway"
            + " database file, and whole?): " + why, e);
      }
      try (c) {
        return check(file, bytes, dialect, c);
      } catch (SQLException e) {
        // H2 names the copy it opened; the user knows the file they gave.
        String why = dialect.explain(e).replace(dialect.databaseFile().toString(), file.toString());
        throw new PacketStoreException(file + " does not open as a keyway store: " + why, e);
      }
    } catch (IOException e) {
      throw new UncheckedIOException("cannot check " + file, e);
    } finally {
      deleteContents(scratch);
    }
  }

  private static Report check(Path file, long bytes, SqlDialect dialect, Connection c)
      throws SQLException {
    int version = -1;
    try (Statement s = c.createStatement(); ResultSet rs = s.executeQuery(dialect.selectSchemaVersion())) {
      if (rs.next()) {
        version = rs.getInt(1);
      }
    } catch (SQLException e) {
      throw new SQLException("no keyway schema in it (" + e.getMessage() + ")", e.getSQLState(),
          e.getErrorCode(), e);
    }
    long packets = 0;
    long invalid = 0;
    long newest = -1;
    long oldest = -1;
    List<String> problems = new ArrayList<>();
    try (PreparedStatement p = c.prepareStatement(dialect.selectAllPackets());
        ResultSet rs = p.executeQuery()) {
      while (rs.next()) {
        packets++;
        byte[] k = rs.getBytes(1);
        String id = k != null && k.length == 32 ? Z32.encode(k)
            : "a row with a key of " + (k == null ? 0 : k.length) + " bytes";
        byte[] packet = rs.getBytes(2);
        String problem = packet == null ? id + ": no packet" : null;
        long ts = -1;
        if (packet != null) {
          try {
            SignedPacket sp = SignedPacket.fromBytes(packet);
            ts = sp.timestampMicros();
            if (!sp.publicKey().toZ32().equals(id)) {
              problem = id + ": holds the packet of " + sp.publicKey().toZ32();
            }
          } catch (InvalidInputException e) {
            problem = id + ": " + e.getMessage();
          }
        }
        if (problem != null) {
          invalid++;
          if (problems.size() < MAX_PROBLEMS) {
            problems.add(problem);
          }
          continue;
        }
        newest = Math.max(newest, ts);
        oldest = oldest < 0 ? ts : Math.min(oldest, ts);
      }
    }
    return new Report(file, bytes, version, packets, invalid, newest, oldest, List.copyOf(problems));
  }

  private static void deleteContents(Path dir) {
    try (Stream<Path> files = Files.walk(dir)) {
      for (Path f : files.sorted(Comparator.reverseOrder()).toList()) {
        if (!f.equals(dir)) {
          Files.deleteIfExists(f);
        }
      }
    } catch (IOException e) {
      // a scratch directory left behind is the caller's to remove; the report stands
    }
  }
}
