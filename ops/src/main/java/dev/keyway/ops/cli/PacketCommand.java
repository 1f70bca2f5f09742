package dev.keyway.ops.cli;

import dev.keyway.client.InvalidInputException;
import dev.keyway.client.keys.KeyFiles;
import dev.keyway.client.keys.SecretKey;
import dev.keyway.client.packet.SignedPacket;
import dev.keyway.client.packet.SignedPacketBuilder;
import dev.keyway.client.packet.Timestamps;
import dev.keyway.client.record.EndpointInfo;
import dev.keyway.client.record.IrohTxt;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.xbill.DNS.Record;
import org.xbill.DNS.Type;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/** {@code keyway packet decode|sign}: pkarr signed packets. */
@Command(
    name = "packet",
    description = "Verify, inspect and sign pkarr signed packets (the records a node publishes).",
    mixinStandardHelpOptions = true,
    subcommands = {PacketCommand.Decode.class, PacketCommand.Sign.class})
public final class PacketCommand {
  private static final HexFormat HEX = HexFormat.of();

  /** {@code keyway packet decode HEX|@FILE [--key ID]}. */
  @Command(
      name = "decode",
      mixinStandardHelpOptions = true,
      description = {
        "Verify a signed packet and list its records.",
        "Without --key the input is the canonical form (key | signature | timestamp | DNS); with"
            + " --key it is a relay payload (signature | timestamp | DNS), the body of a pkarr PUT or"
            + " GET. @FILE reads the bytes, raw or as hex text, from FILE."
      })
  static final class Decode implements Runnable {
    @Spec CommandSpec spec;

    @Parameters(paramLabel = "HEX|@FILE", description = "The packet as hex, or @FILE.")
    String input;

    @Option(names = "--key", paramLabel = "ID",
        description = "The signer's key (hex, base32, z-base-32 or pk:<z32>); input is a relay payload.")
    String key;

    @Option(names = "--json", description = "Print JSON.")
    boolean json;

    @Override
    public void run() {
      byte[] bytes = readInput(input);
      SignedPacket packet = key == null
          ? SignedPacket.fromBytes(bytes)
          : SignedPacket.fromRelayPayload(KeyCommand.parseAnyPublic(key), bytes);
      Output.print(spec.commandLine().getOut(), json, describe(packet));
    }
  }

  /** {@code keyway packet sign --secret FILE --ts MICROS --txt NAME=VALUE...}. */
  @Command(
      name = "sign",
      mixinStandardHelpOptions = true,
      description = {
        "Sign TXT records and print the relay payload as hex.",
        "Each --txt NAME=VALUE adds one TXT record; NAME is relative to the key (@ for the key"
            + " itself), e.g. --txt _iroh=relay=https://relay.example./ makes iroh's relay record."
            + " The output is the body to PUT to <relay>/<z32>."
      })
  static final class Sign implements Runnable {
    @Spec CommandSpec spec;

    @Option(names = "--secret", required = true, paramLabel = "FILE", description = "Secret key file.")
    Path secret;

    @Option(names = "--ts", paramLabel = "MICROS",
        description = "Timestamp in microseconds since the Unix epoch (default: now).")
    Long timestamp;

    @Option(names = "--txt", paramLabel = "NAME=VALUE", description = "A TXT record (repeatable).")
    List<String> txt = new ArrayList<>();

    @Option(names = "--ttl", paramLabel = "S", defaultValue = "30",
        description = "TTL of every record in seconds (default: ${DEFAULT-VALUE}, as iroh).")
    long ttl;

    @Option(names = "--canonical", description = "Print the canonical form (with the key) instead.")
    boolean canonical;

    @Option(names = "--json", description = "Print JSON.")
    boolean json;

    @Override
    public void run() {
      SecretKey secretKey;
      try {
        secretKey = KeyFiles.read(secret);
      } catch (IOException e) {
        throw new UncheckedIOException(e);
      }
      SignedPacketBuilder builder = SignedPacket.builder();
      for (String entry : txt) {
        int eq = entry.indexOf('=');
        if (eq < 0) {
          throw new InvalidInputException("--txt '" + entry + "': expected NAME=VALUE");
        }
        try {
          builder.txt(entry.substring(0, eq), ttl, entry.substring(eq + 1));
        } catch (IllegalArgumentException e) { // a string over 255 bytes, a negative --ttl
          throw new InvalidInputException("--txt '" + entry + "': " + e.getMessage(), e);
        }
      }
      long ts = timestamp != null ? timestamp : Timestamps.system().next();
      SignedPacket packet;
      try {
        packet = builder.sign(secretKey, ts);
      } catch (IllegalArgumentException e) { // records too big for a packet
        throw new InvalidInputException("cannot sign this packet: " + e.getMessage(), e);
      }
      String hex = HEX.formatHex(canonical ? packet.toBytes() : packet.toRelayPayload());
      var out = spec.commandLine().getOut();
      if (json) {
        Map<String, Object> fields = new LinkedHashMap<>();
        fields.put("id", packet.publicKey().toString());
        fields.put("z32", packet.publicKey().toZ32());
        fields.put("timestamp", packet.timestampMicros());
        fields.put("put_path", "/" + packet.publicKey().toZ32());
        fields.put(canonical ? "canonical" : "payload", hex);
        Output.print(out, true, fields);
      } else {
        out.println(hex);
        out.flush();
      }
    }
  }

  static Map<String, Object> describe(SignedPacket packet) {
    Map<String, Object> fields = new LinkedHashMap<>();
    fields.put("id", packet.publicKey().toString());
    fields.put("z32", packet.publicKey().toZ32());
    fields.put("signature", "valid");
    fields.put("timestamp", packet.timestampMicros());
    fields.put("time", Instant.EPOCH.plusNanos(packet.timestampMicros() * 1000).toString());
    fields.put("dns_bytes", packet.dnsBytes().length);
    List<String> records = new ArrayList<>();
    for (Record r : packet.records()) {
      records.add(r.getName() + " " + r.getTTL() + " " + Type.string(r.getType()) + " " + r.rdataToString());
    }
    fields.put("records", records);
    if (!packet.records("_iroh", Type.TXT).isEmpty()) {
      try {
        EndpointInfo info = IrohTxt.fromSignedPacket(packet);
        fields.put("relays", info.relayUrls().stream().map(Object::toString).toList());
        fields.put("addrs", info.ipAddrs().stream().map(Object::toString).toList());
        if (!info.customAddrs().isEmpty()) {
          fields.put("custom", info.customAddrs().stream().map(Object::toString).toList());
        }
        fields.put("user_data", info.userData().map(Object::toString).orElse(null));
      } catch (InvalidInputException e) {
        fields.put("iroh", "invalid _iroh records: " + e.getMessage());
      }
    }
    return fields;
  }

  /** Hex text, or {@code @FILE} holding raw bytes or hex text. */
  static byte[] readInput(String input) {
    if (input.startsWith("@")) {
      byte[] raw;
      try {
        raw = Files.readAllBytes(Path.of(input.substring(1)));
      } catch (IOException e) {
        throw new UncheckedIOException(e);
      }
      String text = new String(raw, StandardCharsets.ISO_8859_1).strip();
      return text.chars().allMatch(c -> Character.digit(c, 16) >= 0) && text.length() % 2 == 0
          ? HEX.parseHex(text) : raw;
    }
    String text = input.strip();
    try {
      return HEX.parseHex(text);
    } catch (IllegalArgumentException e) {
      throw new InvalidInputException("packet: not hex (" + e.getMessage() + "); use @FILE for a file");
    }
  }
}
