package dev.keyway.gossip.book;

import com.fasterxml.jackson.core.JsonToken;
import com.fasterxml.jackson.dataformat.cbor.CBORFactory;
import com.fasterxml.jackson.dataformat.cbor.CBORGenerator;
import com.fasterxml.jackson.dataformat.cbor.CBORParser;
import dev.keyway.client.addr.RelayUrl;
import dev.keyway.client.addr.SocketAddr;
import dev.keyway.client.keys.PublicKey;
import dev.keyway.client.keys.SecretKey;
import dev.keyway.client.record.UserData;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * The signed wire form of an {@link Announcement} (CBOR), and its verification.
 *
 * <pre>
 * envelope = [1, signer: bstr(32), body: bstr, signature: bstr(64)]
 * body     = [node_id: bstr(32), name: tstr, [relay_url: tstr ...], [socket_addr: tstr ...],
 *             user_data: tstr / null, counter: uint, timestamp_us: uint]
 * signature = Ed25519(signer's key, "keyway-gossip-announce/1" || 0x00 || body)
 * </pre>
 *
 * A receiver accepts an envelope only if the signature verifies under {@code signer} and
 * {@code signer} equals the body's {@code node_id}: nobody can announce addresses for a key they
 * do not hold. The domain prefix keeps these signatures from being valid for anything else signed
 * with a node key.
 */
public final class Announcements {
  private static final CBORFactory CBOR = new CBORFactory();
  private static final byte[] DOMAIN = "keyway-gossip-announce/1\0".getBytes(StandardCharsets.US_ASCII);
  private static final int VERSION = 1;

  private Announcements() {}

  /** The announcement was not signed by the node it names (or the signature is wrong). */
  public static final class ForgedException extends Exception {
    private static final long serialVersionUID = 1L;

    ForgedException(String message) {
      super(message);
    }
  }

  /** The bytes are not an announcement. */
  public static final class MalformedException extends Exception {
    private static final long serialVersionUID = 1L;

    MalformedException(String message) {
      super(message);
    }
  }

  /** Encodes {@code a} and signs it with {@code key}, which must be {@code a.nodeId()}'s key. */
  public static byte[] sign(Announcement a, SecretKey key) {
    if (!key.publicKey().equals(a.nodeId())) {
      throw new IllegalArgumentException("an announcement is signed by its own node key");
    }
    return envelope(key.publicKey(), body(a), key);
  }

  /** Test and tooling hook: an envelope whose signer and signing key may differ from the body. */
  static byte[] envelope(PublicKey signer, byte[] body, SecretKey signingKey) {
    return SignedEnvelope.seal(VERSION, DOMAIN, signer, body, signingKey);
  }

  /** The unsigned body of {@code a}. */
  static byte[] body(Announcement a) {
    ByteArrayOutputStream out = new ByteArrayOutputStream(128);
    try (CBORGenerator g = CBOR.createGenerator(out)) {
      g.writeStartArray(null, 7);
      g.writeBinary(a.nodeId().toBytes());
      g.writeString(a.name());
      g.writeStartArray(null, a.relayUrls().size());
      for (RelayUrl r : a.relayUrls()) {
        g.writeString(r.toString());
      }
      g.writeEndArray();
      g.writeStartArray(null, a.directAddrs().size());
      for (SocketAddr s : a.directAddrs()) {
        g.writeString(s.toString());
      }
      g.writeEndArray();
      if (a.userData() == null) {
        g.writeNull();
      } else {
        g.writeString(a.userData().value());
      }
      g.writeNumber(a.counter());
      g.writeNumber(a.timestampMicros());
      g.writeEndArray();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    return out.toByteArray();
  }

  /**
   * An envelope read but not yet verified: what {@link #parse} returns, so that a receiver can
   * drop an announcement it would not use (a replay, say) before paying for the signature check.
   *
   * @param announcement the announcement the body claims (not yet trusted)
   * @param envelope the envelope's bytes as received (what a member relays to others)
   * @param signer the key the envelope names as its signer (not yet checked)
   * @param body the signed body
   * @param signature the signature over the domain prefix and {@code body}
   */
  public record Parsed(Announcement announcement, byte[] envelope, PublicKey signer, byte[] body, byte[] signature) {}

  /**
   * Parses and verifies an envelope.
   *
   * @throws ForgedException if the signature does not verify or the signer is not the node named
   * @throws MalformedException if the bytes are not an announcement
   */
  public static Announcement verify(byte[] envelope) throws ForgedException, MalformedException {
    return verify(parse(envelope));
  }

  /**
   * Checks that {@code p} was signed by the node it announces.
   *
   * @throws ForgedException if the signer is not the node named or the signature does not verify
   */
  public static Announcement verify(Parsed p) throws ForgedException {
    if (!p.announcement().nodeId().equals(p.signer())) {
      throw new ForgedException("signed by " + p.signer().fmtShort() + " but announces "
          + p.announcement().nodeId().fmtShort());
    }
    if (!p.signer().verify(SignedEnvelope.signed(DOMAIN, p.body()), p.signature())) {
      throw new ForgedException("bad signature for " + p.signer().fmtShort());
    }
    return p.announcement();
  }

  /**
   * Reads an envelope without checking its signature.
   *
   * @throws MalformedException if the bytes are not an announcement
   */
  public static Parsed parse(byte[] envelope) throws MalformedException {
    SignedEnvelope.Opened o = SignedEnvelope.open(envelope, VERSION, 4096, "an announcement",
        kind -> "unknown announcement version " + kind);
    Announcement a = parseBody(o.body());
    return new Parsed(a, envelope, SignedEnvelope.signer(o.signer(), a.nodeId(), "an announcement"),
        o.body(), o.signature());
  }

  private static Announcement parseBody(byte[] body) throws MalformedException {
    try (CBORParser p = CBOR.createParser(body)) {
      expect(p, JsonToken.START_ARRAY);
      PublicKey id = key(bytes(p, 32, 32));
      String name = text(p);
      List<RelayUrl> relays = new ArrayList<>();
      expect(p, JsonToken.START_ARRAY);
      while (p.nextToken() == JsonToken.VALUE_STRING) {
        if (relays.size() >= Announcement.MAX_RELAYS) {
          throw new MalformedException("too many relay URLs");
        }
        relays.add(RelayUrl.parse(p.getText()));
      }
      List<SocketAddr> addrs = new ArrayList<>();
      expect(p, JsonToken.START_ARRAY);
      while (p.nextToken() == JsonToken.VALUE_STRING) {
        if (addrs.size() >= Announcement.MAX_ADDRS) {
          throw new MalformedException("too many addresses");
        }
        addrs.add(SocketAddr.parse(p.getText()));
      }
      JsonToken t = p.nextToken();
      UserData userData = null;
      if (t == JsonToken.VALUE_STRING) {
        userData = UserData.of(p.getText());
      } else if (t != JsonToken.VALUE_NULL) {
        throw new MalformedException("user data must be text or null");
      }
      long counter = uint(p);
      long ts = uint(p);
      expect(p, JsonToken.END_ARRAY);
      if (p.nextToken() != null) {
        throw new MalformedException("trailing bytes in body");
      }
      Announcement a = new Announcement(id, name, relays, addrs, userData, counter, ts);
      requireCanonical(a, body);
      return a;
    } catch (IOException | IllegalArgumentException e) {
      throw new MalformedException("bad announcement body: " + e.getMessage());
    }
  }

  /**
   * The body must be exactly what {@link #body} writes for what it says: one encoding per
   * announcement. Jackson alone accepts CBOR tags, indefinite lengths, non-minimal integers and
   * text that is not UTF-8 (a lone surrogate, an overlong NUL), which would decode into names that
   * cannot be shown or encoded again (found by fuzzing).
   */
  private static void requireCanonical(Announcement a, byte[] body) throws MalformedException {
    byte[] again;
    try {
      again = body(a);
    } catch (RuntimeException e) {
      throw new MalformedException("bad announcement body: text that is not UTF-8");
    }
    if (!Arrays.equals(again, body)) {
      throw new MalformedException("bad announcement body: not in canonical CBOR (tags,"
          + " indefinite lengths, non-minimal integers or text that is not UTF-8)");
    }
  }

  // Readers shared with Leaves, whose envelope has the same shape.

  static void expect(CBORParser p, JsonToken token) throws IOException, MalformedException {
    JsonToken t = p.nextToken();
    if (t != token) {
      throw new MalformedException("expected " + token + ", found " + t);
    }
  }

  static byte[] bytes(CBORParser p, int min, int max) throws IOException, MalformedException {
    expect(p, JsonToken.VALUE_EMBEDDED_OBJECT);
    byte[] b = p.getBinaryValue();
    if (b.length < min || b.length > max) {
      throw new MalformedException("byte string of " + b.length + " bytes, expected " + min + ".." + max);
    }
    return b;
  }

  private static String text(CBORParser p) throws IOException, MalformedException {
    expect(p, JsonToken.VALUE_STRING);
    return p.getText();
  }

  static long uint(CBORParser p) throws IOException, MalformedException {
    expect(p, JsonToken.VALUE_NUMBER_INT);
    long v = p.getLongValue();
    if (v < 0) {
      throw new MalformedException("negative integer");
    }
    return v;
  }

  private static PublicKey key(byte[] raw) {
    return PublicKey.fromBytes(raw);
  }
}
