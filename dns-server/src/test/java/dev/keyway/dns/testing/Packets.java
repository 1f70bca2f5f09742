package dev.keyway.dns.testing;

import com.fasterxml.jackson.databind.JsonNode;
import dev.keyway.client.keys.SecretKey;
import dev.keyway.client.packet.SignedPacket;
import dev.keyway.client.packet.SignedPacketBuilder;
import dev.keyway.client.testing.PublicVectors;
import java.net.Inet4Address;
import java.net.Inet6Address;
import java.net.InetAddress;
import java.net.UnknownHostException;
import java.util.ArrayList;
import java.util.List;
import java.util.random.RandomGenerator;

/** Deterministic keys and packets for DNS tests. */
public final class Packets {
  private Packets() {}

  /** A key from a seeded generator. */
  public static SecretKey key(RandomGenerator random) {
    byte[] seed = new byte[32];
    random.nextBytes(seed);
    return SecretKey.fromBytes(seed);
  }

  /**
   * An hour before this test run, in µs: a base for timestamps of packets PUT over HTTP (before
   * the far-future check's skew, whatever the machine's clock does during the run).
   */
  public static final long RECENT_MICROS = (System.currentTimeMillis() - 3_600_000L) * 1_000L;

  /** {@link #RECENT_MICROS} plus {@code offsetMicros}: small offsets keep their order. */
  public static long recent(long offsetMicros) {
    return RECENT_MICROS + offsetMicros;
  }

  /** An iroh-style {@code _iroh} packet: one relay, one addr, TTL 30. */
  public static SignedPacket iroh(SecretKey key, long timestampMicros, String relay, String addr) {
    return SignedPacket.builder()
        .txt("_iroh", 30, "relay=" + relay)
        .txt("_iroh", 30, "addr=" + addr)
        .sign(key, timestampMicros);
  }

  /** A TXT RRset at {@code _iroh} large enough to exceed 512 bytes on the wire (about 700). */
  public static SignedPacket large(SecretKey key, long timestampMicros) {
    SignedPacketBuilder b = SignedPacket.builder();
    for (int i = 0; i < 6; i++) {
      b.txt("_iroh", 30, "addr=10.0.0." + i + ":" + (4000 + i) + "-" + "x".repeat(90));
    }
    return b.sign(key, timestampMicros);
  }

  /** One record of the {@code dns_server_resolution_pattern} vector. */
  public record VectorRecord(String name, String type, List<String> data) {
    /** The owner with {@code <z>} replaced by the key. */
    public String owner(String z32) {
      return name.replace("<z>", z32);
    }
  }

  /** The records of iroh-dns-server's {@code pkarr_publish_dns_resolve} test (public vector). */
  public static List<VectorRecord> resolutionPattern() {
    JsonNode v = txtVector("dns_server_resolution_pattern");
    List<VectorRecord> out = new ArrayList<>();
    for (JsonNode r : v.get("packet_records")) {
      List<String> data = new ArrayList<>();
      if (r.get("data").isArray()) {
        r.get("data").forEach(d -> data.add(d.asText()));
      } else {
        data.add(r.get("data").asText());
      }
      out.add(new VectorRecord(r.get("name").asText(), r.get("type").asText(), data));
    }
    return out;
  }

  /**
   * Signs the vector's records as iroh's test does: each TXT data string is its own record
   * (the {@code multiple} name gets two records), A and AAAA as given.
   */
  public static SignedPacket resolutionPatternPacket(SecretKey key, long timestampMicros) {
    String z = key.publicKey().toZ32();
    SignedPacketBuilder b = SignedPacket.builder();
    for (VectorRecord r : resolutionPattern()) {
      String owner = r.owner(z);
      for (String d : r.data()) {
        switch (r.type()) {
          case "TXT" -> b.txt(owner, 30, d);
          case "A" -> b.a(owner, 30, (Inet4Address) ip(d));
          case "AAAA" -> b.aaaa(owner, 30, (Inet6Address) ip(d));
          default -> throw new IllegalArgumentException("vector type " + r.type());
        }
      }
    }
    return b.sign(key, timestampMicros);
  }

  /** The {@code txt_records} vector of this {@code kind}. */
  public static JsonNode txtVector(String kind) {
    return PublicVectors.section("txt_records").stream()
        .filter(n -> kind.equals(n.path("kind").asText()))
        .findFirst()
        .orElseThrow(() -> new IllegalStateException("no txt_records vector of kind " + kind));
  }

  public static InetAddress ip(String s) {
    try {
      return InetAddress.getByName(s);
    } catch (UnknownHostException e) {
      throw new IllegalArgumentException(e);
    }
  }
}
