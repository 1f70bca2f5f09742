package dev.keyway.ops.cli;

import dev.keyway.client.InvalidInputException;
import dev.keyway.client.keys.KeyFiles;
import dev.keyway.client.keys.KeyFormatException;
import dev.keyway.client.keys.PublicKey;
import dev.keyway.client.keys.SecretKey;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.util.LinkedHashMap;
import java.util.Map;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;
import picocli.CommandLine.Model.CommandSpec;

/** {@code keyway key generate|show}: node keys (Ed25519). */
@Command(
    name = "key",
    description = "Generate and inspect node keys (Ed25519; the public key is the node's id).",
    mixinStandardHelpOptions = true,
    subcommands = {KeyCommand.Generate.class, KeyCommand.Show.class})
public final class KeyCommand {

  /** {@code keyway key generate [--out FILE]}. */
  @Command(
      name = "generate",
      mixinStandardHelpOptions = true,
      description = {
        "Generate a new secret key.",
        "With --out the key is written to a new file readable only by you (mode 600) and only public"
            + " forms of it are printed (the file, the id, z32, base32, short id); without --out the"
            + " secret is printed too, so keep that output private."
      })
  static final class Generate implements Runnable {
    @Spec CommandSpec spec;

    @Option(names = "--out", paramLabel = "FILE", description = "Write the key to FILE (must not exist).")
    Path out;

    @Option(names = "--json", description = "Print JSON.")
    boolean json;

    @Override
    public void run() {
      SecretKey key = SecretKey.generate(new SecureRandom());
      Map<String, Object> fields = new LinkedHashMap<>();
      if (out != null) {
        try {
          KeyFiles.write(out, key);
        } catch (java.nio.file.FileAlreadyExistsException e) {
          // A wrong argument (exit 2), not a failure: the file may hold a node's identity.
          throw new InvalidInputException("--out " + out + " already exists"
              + (Files.isDirectory(out) ? " (a directory)" : "") + "; refusing to overwrite"
              + " it (a key file is a node's identity): give another path");
        } catch (IOException e) {
          throw new java.io.UncheckedIOException(e);
        }
        fields.put("file", out.toString());
      } else {
        fields.put("secret", key.toHex());
      }
      fields.putAll(describe(key.publicKey()));
      Output.print(spec.commandLine().getOut(), json, fields);
    }
  }

  /** {@code keyway key show FILE|HEX}. */
  @Command(
      name = "show",
      mixinStandardHelpOptions = true,
      description = {
        "Show the id of a key in every text form.",
        "The argument is a secret key FILE or a secret seed (64 hex characters or base32). With"
            + " --public it is a public key in any form (hex, base32, z-base-32, pk:<z32>)."
      })
  static final class Show implements Runnable {
    @Spec CommandSpec spec;

    @Parameters(paramLabel = "FILE|HEX", description = "Key file, or the key itself.")
    String key;

    @Option(names = "--public", description = "The argument is a public key, not a secret.")
    boolean isPublic;

    @Option(names = "--json", description = "Print JSON.")
    boolean json;

    @Override
    public void run() {
      PublicKey id;
      if (isPublic) {
        if (Files.isRegularFile(Path.of(key))) {
          throw new InvalidInputException("--public takes a public key, and " + key + " is a file:"
              + " for a key file, leave --public out");
        }
        id = parseAnyPublic(key);
      } else {
        Path file = Path.of(key);
        try {
          id = (Files.isRegularFile(file) ? KeyFiles.read(file) : secretText(key)).publicKey();
          if (Files.isRegularFile(file) && KeyFiles.isReadableByOthers(file)) {
            spec.commandLine().getErr().println(
                "keyway: warning: " + file + " is readable by others; run chmod 600 " + file);
          }
        } catch (IOException e) {
          throw new java.io.UncheckedIOException(e);
        }
      }
      Output.print(spec.commandLine().getOut(), json, describe(id));
    }
  }

  /** The argument as a secret key when it is not a file: say both, the name may be a typo. */
  private static SecretKey secretText(String key) {
    try {
      return SecretKey.parse(key);
    } catch (KeyFormatException e) {
      throw new InvalidInputException("'" + key + "' is neither a key file (no such file) nor a"
          + " secret key (" + e.getMessage() + ")");
    }
  }

  /** Every text form of an id. */
  static Map<String, Object> describe(PublicKey id) {
    Map<String, Object> fields = new LinkedHashMap<>();
    fields.put("id", id.toString());
    fields.put("z32", id.toZ32());
    fields.put("base32", id.toBase32());
    fields.put("short", id.fmtShort());
    return fields;
  }

  /**
   * Accepts hex, base32 (iroh), z-base-32 and pkarr forms. A 52-character text may use letters of
   * both alphabets, but read strictly (the 4 bits past the key all zero) it is valid in one at
   * most, so both strict readings come first; only then pkarr's lenient reading, which ignores
   * those bits and would take about 1 in 300 base32 ids for another key. When nothing works the
   * error of the alphabet the text is written in is reported.
   */
  static PublicKey parseAnyPublic(String text) {
    if (text.length() == 64) {
      return PublicKey.parse(text);
    }
    if (text.length() == PublicKey.TEXT_LENGTH) {
      try {
        return PublicKey.fromZ32(text);
      } catch (RuntimeException e) {
        // not strict z-base-32: base32, or the lenient reading below
      }
      try {
        return PublicKey.parse(text);
      } catch (RuntimeException e) {
        // neither strictly: the lenient reading below, and its error
      }
    }
    RuntimeException z32Failure;
    try {
      return PublicKey.parsePkarr(text);
    } catch (RuntimeException e) {
      z32Failure = e;
    }
    try {
      return PublicKey.parse(text);
    } catch (RuntimeException base32Failure) {
      throw inZ32Alphabet(text) ? z32Failure : base32Failure;
    }
  }

  private static boolean inZ32Alphabet(String text) {
    String body = text.startsWith("pk:") ? text.substring(3) : text;
    return body.chars().allMatch(c -> "ybndrfg8ejkmcpqxot1uwisza345h769".indexOf(c) >= 0);
  }
}
