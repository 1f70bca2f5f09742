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
import java.util.Arrays;

/**
 * The envelope every signed message of the book shares (CBOR):
 * {@code [kind: uint, signer: bstr(32), body: bstr, signature: bstr(64)]}, the signature over a
 * per-kind domain prefix followed by the body ({@link Announcements}, {@link Leaves}). The kind
 * is what {@link BookMessageKind} tells messages apart by.
 */
final class SignedEnvelope {
  private static final CBORFactory CBOR = new CBORFactory();

  private SignedEnvelope() {}

  /**
   * An envelope read, not yet verified.
   *
   * @param signer the signer's key bytes as sent
   * @param body the signed body
   * @param signature the signature
   */
  record Opened(byte[] signer, byte[] body, byte[] signature) {}

  /** Signs {@code body} under {@code domain} with {@code signingKey} and wraps it. */
  static byte[] seal(int kind, byte[] domain, PublicKey signer, byte[] body, SecretKey signingKey) {
    byte[] sig = signingKey.sign(signed(domain, body));
    ByteArrayOutputStream out = new ByteArrayOutputStream(body.length + 120);
    try (CBORGenerator g = CBOR.createGenerator(out)) {
      g.writeStartArray(null, 4);
      g.writeNumber(kind);
      g.writeBinary(signer.toBytes());
      g.writeBinary(body);
      g.writeBinary(sig);
      g.writeEndArray();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    return out.toByteArray();
  }

  /**
   * Reads an envelope of {@code kind} whose body is at most {@code maxBody} bytes.
   *
   * @param what the message's name in errors, with its article ("an announcement", "a leave")
   * @param wrongKind the error for another kind, given the kind read
   * @throws Announcements.MalformedException if the bytes are not such an envelope
   */
  static Opened open(byte[] envelope, int kind, int maxBody, String what,
      java.util.function.LongFunction<String> wrongKind) throws Announcements.MalformedException {
    try (CBORParser p = CBOR.createParser(envelope)) {
      Announcements.expect(p, JsonToken.START_ARRAY);
      Announcements.expect(p, JsonToken.VALUE_NUMBER_INT);
      if (p.getLongValue() != kind) {
        throw new Announcements.MalformedException(wrongKind.apply(p.getLongValue()));
      }
      byte[] signer = Announcements.bytes(p, 32, 32);
      byte[] body = Announcements.bytes(p, 1, maxBody);
      byte[] sig = Announcements.bytes(p, 64, 64);
      Announcements.expect(p, JsonToken.END_ARRAY);
      if (p.nextToken() != null) {
        throw new Announcements.MalformedException("trailing bytes after " + what);
      }
      return new Opened(signer, body, sig);
    } catch (IOException | IllegalArgumentException e) {
      throw new Announcements.MalformedException("not " + what + ": " + e.getMessage());
    }
  }

  /**
   * The signer's key: {@code claimed} itself when the envelope names it (the honest case, whose
   * point the body already decoded; decoding is a good part of a signature check's cost).
   */
  static PublicKey signer(byte[] sent, PublicKey claimed, String what) throws Announcements.MalformedException {
    if (Arrays.equals(sent, claimed.toBytes())) {
      return claimed;
    }
    try {
      return PublicKey.fromBytes(sent);
    } catch (IllegalArgumentException e) {
      throw new Announcements.MalformedException("not " + what + ": " + e.getMessage());
    }
  }

  /** What is signed: the domain prefix, then the body. */
  static byte[] signed(byte[] domain, byte[] body) {
    byte[] m = Arrays.copyOf(domain, domain.length + body.length);
    System.arraycopy(body, 0, m, domain.length, body.length);
    return m;
  }
}
