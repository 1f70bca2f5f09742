package dev.keyway.client.keys;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.FileSystemException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileAttribute;
import java.nio.file.attribute.PosixFilePermission;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.Set;

/**
 * Secret key files: one line holding the 32-byte seed as 64 lowercase hex characters (the form
 * iroh's {@code SecretKey::from_str} reads). Files are created with mode 600 where the file system
 * supports POSIX permissions.
 */
public final class KeyFiles {
  private static final Set<PosixFilePermission> OWNER_ONLY = PosixFilePermissions.fromString("rw-------");

  private KeyFiles() {}

  /**
   * Writes {@code key} to a new file at {@code path}, readable only by its owner. The file is
   * written under a temporary name and moved into place, so a reader never sees half a key.
   *
   * @throws FileAlreadyExistsException if {@code path} exists (keys are never overwritten)
   */
  public static void write(Path path, SecretKey key) throws IOException {
    if (Files.exists(path)) {
      throw new FileAlreadyExistsException(path.toString(), null, "refusing to overwrite a key file");
    }
    Path dir = path.toAbsolutePath().getParent();
    Path tmp = Files.createTempFile(dir, ".keyway-key", ".tmp", ownerOnly(dir));
    try {
      Files.writeString(tmp, key.toHex() + "\n", StandardCharsets.US_ASCII);
      try {
        // A hard link appears complete at once and, unlike a rename, never replaces a file that
        // was created after the check above.
        Files.createLink(path, tmp);
      } catch (FileAlreadyExistsException e) {
        throw new FileAlreadyExistsException(path.toString(), null, "refusing to overwrite a key file");
      } catch (UnsupportedOperationException | FileSystemException noLinks) {
        Files.move(tmp, path); // no REPLACE_EXISTING: fails if the file exists
      }
    } finally {
      Files.deleteIfExists(tmp);
    }
  }

  /** Reads a key file written by {@link #write} (or any file holding hex or base32 seed text). */
  public static SecretKey read(Path path) throws IOException {
    String text;
    try {
      text = Files.readString(path, StandardCharsets.US_ASCII);
    } catch (java.nio.charset.CharacterCodingException binary) {
      throw new KeyFormatException(path + ": not a key file (binary content); a key file holds the"
          + " secret as 64 hex characters" + (Files.size(path) == 32
          ? " (for a raw 32-byte key: xxd -p -c 32 " + path + " > node.key)" : ""), binary);
    }
    try {
      return SecretKey.parse(text);
    } catch (KeyFormatException e) {
      throw new KeyFormatException(path + ": " + e.getMessage(), e); // which file, for the user
    }
  }

  /** True if the file can be read by others than its owner (POSIX systems only). */
  public static boolean isReadableByOthers(Path path) throws IOException {
    if (!Files.getFileStore(path).supportsFileAttributeView("posix")) {
      return false;
    }
    Set<PosixFilePermission> perms = Files.getPosixFilePermissions(path);
    return perms.contains(PosixFilePermission.GROUP_READ) || perms.contains(PosixFilePermission.OTHERS_READ);
  }

  private static FileAttribute<?>[] ownerOnly(Path dir) throws IOException {
    if (Files.getFileStore(dir).supportsFileAttributeView("posix")) {
      return new FileAttribute<?>[] {PosixFilePermissions.asFileAttribute(OWNER_ONLY)};
    }
    return new FileAttribute<?>[0];
  }
}
