package dev.keyway.gossip.book;

import com.fasterxml.jackson.core.JsonToken;
import com.fasterxml.jackson.dataformat.cbor.CBORFactory;
import com.fasterxml.jackson.dataformat.cbor.CBORGenerator;
import com.fasterxml.jackson.dataformat.cbor.CBORParser;
import dev.keyway.client.keys.PublicKey;
import dev.keyway.client.keys.SecretKey;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;

/**
 * The signed wire form of a {@link Leave} (CBOR), and its verification. Same shape as an
 * announcement's envelope ({@link Announcements}), under its own kind and signing domain:
 *
 * <pre>
 * leave     = [3, signer: bstr(32), body: bstr, signature: bstr(64)]
 * body      = [node_id: bstr(32), counter: uint, timestamp_us: uint]
 * signature = Ed25519(signer's key, "keyway-gossip-leave/1" || 0x00 || body)
 * </pre>
 *
 * So it starts with the bytes {@code 0x84 0x03} (an announcement: {@code 0x84 0x01}, a hand-over:
 * {@code 0x82 0x02}; see {@link BookMessageKind}). A receiver accepts a leave only if the signature
 * verifies under {@code signer} and {@code signer} equals the body's {@code node_id}; the body must
 * be in canonical CBOR (one encoding per leave). The domain differs from the announcements', so no
 * announcement signature is ever a valid leave signature, nor the reverse. About 150 bytes.
 *
 * <p>A keyway from before leaves existed reads the {@code 3} as an unknown announcement version,
 * counts the message as malformed and otherwise ignores it (its gossip layer has forwarded it
 * already, as it forwards any payload); it keeps the node until it expires.
 *
 * <p>Receivers check what is cheap first ({@link AddressBook#precheckLeave}: their own id, the time
 * window, a replay against the book) and verify the signature only of a leave that passes, so
 * stale or replayed leaves cost a parse, not an Ed25519 verification.
 *
 * <p>Note for the next wire version: the signature covers neither the book topic nor anything
 * else that ties the leave to one book, so a node that is a member of two books under one key can
 * have its leave from one replayed into the other within the time window (2·T), where it removes
 * the node's entry if it is newer than the node's last announcement there. The node's next
 * announcement adds it back (it is dated later); a later wire version should sign the topic id
 * with the body (and announcements likewise). Not changed here: it would break every deployed
 * member's verification.
 */
public final class Leaves {
  /** The message kind: the first element of the array, where an announcement has its 1. */
  static final int KIND = 3;
  private static final CBORFactory CBOR = new CBORFactory();
  private static final byte[] DOMAIN = "keyway-gossip-leave/1\0".getBytes(StandardCharsets.US_ASCII);
  /** A canonical body is at most 55 bytes (a 32-byte id and two 64-bit integers). */
  private static final int MAX_BODY_BYTES = 64;

  private Leaves() {}

  /**
   * A leave read but not yet verified.
   *
   * @param leave what the body claims (not yet trusted)
   * @param signer the key the envelope names as its signer (not yet checked)
   * @param body the signed body
   * @param signature the signature over the domain prefix and {@code body}
   */
  public record Parsed(Leave leave, PublicKey signer, byte[] body, byte[] signature) {}

  /** Encodes {@code l} and signs it with {@code key}, which must be {@code l.nodeId()}'s key. */
  public static byte[] sign(Leave l, SecretKey key) {
    if (!key.publicKey().equals(l.nodeId())) {
      throw new IllegalArgumentException("a leave is signed by its own node key");
    }
    return envelope(key.publicKey(), body(l), key);
  }

  /** Test hook: an envelope whose signer and signing key may differ from the body's node. */
  static byte[] envelope(PublicKey signer, byte[] body, SecretKey signingKey) {
    return SignedEnvelope.seal(KIND, DOMAIN, signer, body, signingKey);
  }

  /** The unsigned body of {@code l}. */
  static byte[] body(Leave l) {
    ByteArrayOutputStream out = new ByteArrayOutputStream(64);
    try (CBORGenerator g = CBOR.createGenerator(out)) {
      g.writeStartArray(null, 3);
      g.writeBinary(l.nodeId().toBytes());
      g.writeNumber(l.counter());
      g.writeNumber(l.timestampMicros());
      g.writeEndArray();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    return out.toByteArray();
  }

  /**
   * Parses and verifies a leave.
   *
   * @throws Announcements.ForgedException if the signature does not verify or the signer is not
   *     the node named
   * @throws Announcements.MalformedException if the bytes are not a leave
   */
  public static Leave verify(byte[] envelope) throws Announcements.ForgedException, Announcements.MalformedException {
    return verify(parse(envelope));
  }

  /**
   * Checks that {@code p} was signed by the node that is leaving.
   *
   * @throws Announcements.ForgedException if the signer is not the node named or the signature
   *     does not verify
   */
  public static Leave verify(Parsed p) throws Announcements.ForgedException {
    if (!p.leave().nodeId().equals(p.signer())) {
      throw new Announcements.ForgedException("leave signed by " + p.signer().fmtShort() + " for "
          + p.leave().nodeId().fmtShort());
    }
    if (!p.signer().verify(SignedEnvelope.signed(DOMAIN, p.body()), p.signature())) {
      throw new Announcements.ForgedException("bad leave signature for " + p.signer().fmtShort());
    }
    return p.leave();
  }

  /**
   * Reads a leave without checking its signature.
   *
   * @throws Announcements.MalformedException if the bytes are not a leave
   */
  public static Parsed parse(byte[] envelope) throws Announcements.MalformedException {
    SignedEnvelope.Opened o = SignedEnvelope.open(envelope, KIND, MAX_BODY_BYTES, "a leave",
        kind -> "not a leave: kind " + kind);
    Leave l = parseBody(o.body());
    return new Parsed(l, SignedEnvelope.signer(o.signer(), l.nodeId(), "a leave"), o.body(), o.signature());
  }

  private static Leave parseBody(byte[] body) throws Announcements.MalformedException {
    Leave l;
    try (CBORParser p = CBOR.createParser(body)) {
      Announcements.expect(p, JsonToken.START_ARRAY);
      PublicKey id = PublicKey.fromBytes(Announcements.bytes(p, 32, 32));
      long counter = Announcements.uint(p);
      long ts = Announcements.uint(p);
      Announcements.expect(p, JsonToken.END_ARRAY);
      if (p.nextToken() != null) {
        throw new Announcements.MalformedException("trailing bytes in a leave body");
      }
      l = new Leave(id, counter, ts);
    } catch (IOException | IllegalArgumentException e) {
      throw new Announcements.MalformedException("bad leave body: " + e.getMessage());
    }
    // One encoding per leave (no tags, indefinite lengths or non-minimal integers), as announcements.
    if (!Arrays.equals(body(l), body)) {
      throw new Announcements.MalformedException("bad leave body: not in canonical CBOR");
    }
    return l;
  }
}
