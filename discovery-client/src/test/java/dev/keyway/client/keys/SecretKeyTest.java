package dev.keyway.client.keys;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.SecureRandom;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class SecretKeyTest {

  @Test
  void secretNeverAppearsInToStringOrErrors() {
    SecretKey key = SecretKey.generate(new SecureRandom());
    assertThat(key.toString()).doesNotContain(key.toHex()).contains(key.publicKey().fmtShort());
    String almostHex = key.toHex().substring(0, 63) + "Z";
    assertThatThrownBy(() -> SecretKey.parse(almostHex))
        .isInstanceOf(KeyFormatException.class)
        .satisfies(e -> assertThat(e.getMessage()).doesNotContain(almostHex.substring(0, 20)));
  }

  @Test
  void parsesHexAndBase32() {
    SecretKey key = SecretKey.generate(new SecureRandom());
    assertThat(SecretKey.parse(key.toHex())).isEqualTo(key);
    assertThat(SecretKey.parse(Base32.encode(key.toBytes()).toUpperCase())).isEqualTo(key);
    assertThat(SecretKey.parse("  " + key.toHex() + "\n")).isEqualTo(key);
    assertThatThrownBy(() -> SecretKey.parse(key.toHex().toUpperCase())).isInstanceOf(KeyFormatException.class);
    assertThatThrownBy(() -> SecretKey.fromBytes(new byte[31])).isInstanceOf(KeyFormatException.class);
  }

  @Test
  void publicKeyParseRejectsUppercaseHexAndWrongLengths() {
    PublicKey key = SecretKey.generate(new SecureRandom()).publicKey();
    assertThat(PublicKey.parse(key.toString())).isEqualTo(key);
    assertThatThrownBy(() -> PublicKey.parse(key.toString().toUpperCase())).isInstanceOf(KeyFormatException.class);
    assertThatThrownBy(() -> PublicKey.parse(key.toZ32())).isInstanceOf(KeyFormatException.class);
    assertThatThrownBy(() -> PublicKey.fromZ32(key.toZ32().substring(1))).isInstanceOf(KeyFormatException.class);
    assertThatThrownBy(() -> PublicKey.fromBytes(new byte[33])).isInstanceOf(KeyFormatException.class);
  }

  @Test
  void keyFilesAreOwnerOnlyAndNeverOverwritten(@TempDir Path dir) throws Exception {
    SecretKey key = SecretKey.generate(new SecureRandom());
    Path file = dir.resolve("node.key");
    KeyFiles.write(file, key);
    assertThat(KeyFiles.read(file)).isEqualTo(key);
    assertThat(Files.readString(file)).isEqualTo(key.toHex() + "\n");
    if (Files.getFileStore(file).supportsFileAttributeView("posix")) {
      assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(file))).isEqualTo("rw-------");
      assertThat(KeyFiles.isReadableByOthers(file)).isFalse();
    }
    assertThatThrownBy(() -> KeyFiles.write(file, SecretKey.generate(new SecureRandom())))
        .isInstanceOf(FileAlreadyExistsException.class);
    assertThat(KeyFiles.read(file)).isEqualTo(key);
    try (var files = Files.list(dir)) {
      assertThat(files).containsExactly(file);
    }
  }
}
