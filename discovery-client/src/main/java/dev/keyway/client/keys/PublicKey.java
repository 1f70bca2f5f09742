package dev.keyway.client.keys;

import java.util.Arrays;
import java.util.HexFormat;
import org.bouncycastle.math.ec.rfc8032.Ed25519;

/**
 * An Ed25519 public key: the identity of a node (iroh's {@code EndpointId}, formerly
 * {@code NodeId}) and of a pkarr record set.
 *
 * <p>Construction validates the point as iroh and pkarr do (canonical encoding, on the curve) and
 * additionally rejects small-order points, which could never verify under ed25519-dalek's
 * {@code verify_strict}. Instances are immutable and compare by their 32 bytes.
 *
 * <p>String forms:
 * <ul>
 *   <li>{@link #toString()}: 64 lowercase hex characters (iroh's {@code Display});
 *   <li>{@link #toZ32()}: 52 z-base-32 characters, used in DNS names and pkarr URLs;
 *   <li>{@link #toBase32()}: 52 lowercase RFC 4648 base32 characters (iroh before 0.30);
 *   <li>{@link #fmtShort()}: the first 5 bytes in hex, for logs.
 * </ul>
 * {@link #parse} reads what iroh's {@code FromStr} reads (hex or base32), {@link #fromZ32} reads
 * z-base-32, and {@link #parsePkarr} reads the forms a pkarr relay accepts in its path.
 */
public final class PublicKey implements Comparable<PublicKey> {
  /** Length of a public key in bytes. */
  public static final int LENGTH = 32;
  /** Length of a public key in z-base-32 or base32 characters. */
  public static final int TEXT_LENGTH = 52;

  private static final HexFormat HEX = HexFormat.of();

  private final byte[] bytes;
  /** The decoded point; null in a {@link #compact()} key until a verification needs it again. */
  private volatile EdwardsPoints.Affine point;
  private final int hash;
  /** BouncyCastle's form of the point, made when a single verification first needs it. */
  private volatile Ed25519.PublicPoint bcPoint;

  private PublicKey(byte[] bytes, EdwardsPoints.Affine point) {
    this.bytes = bytes;
    this.point = point;
    this.hash = Arrays.hashCode(bytes);
  }

  /**
   * Returns the key with these 32 bytes.
   *
   * @throws KeyFormatException if the length is wrong or the bytes are not an acceptable point
   */
  public static PublicKey fromBytes(byte[] bytes) {
    if (bytes.length != LENGTH) {
      throw new KeyFormatException("public key must be 32 bytes, got " + bytes.length);
    }
    return fromBytes(bytes, 0);
  }

  /** Returns the key stored in {@code buf[off..off+32)}. */
  public static PublicKey fromBytes(byte[] buf, int off) {
    if (off < 0 || buf.length - off < LENGTH) {
      throw new KeyFormatException("public key must be 32 bytes, got " + Math.max(0, buf.length - off));
    }
    byte[] copy = Arrays.copyOfRange(buf, off, off + LENGTH);
    EdwardsPoints.Affine point = EdwardsPoints.decodeLargeOrder(copy, 0);
    if (point == null) {
      throw new KeyFormatException(
          "invalid Ed25519 public key " + HEX.formatHex(copy)
              + ": not a canonical curve point of large order");
    }
    return new PublicKey(copy, point);
  }

  /**
   * Parses a key as iroh's {@code PublicKey::from_str} does: exactly 64 characters are lowercase
   * hex; anything else must be RFC 4648 base32 without padding (any case) of 32 bytes.
   */
  public static PublicKey parse(String text) {
    if (text.length() == 64) {
      byte[] raw;
      try {
        raw = lowercaseHex(text);
      } catch (IllegalArgumentException e) {
        throw new KeyFormatException("invalid key: 64 characters but not lowercase hex", e);
      }
      return fromBytes(raw);
    }
    byte[] raw;
    try {
      raw = Base32.decode(text);
    } catch (KeyFormatException e) {
      if (looksLikeZ32(text)) {
        // The form of DNS names and relay URLs: a different alphabet of the same length.
        throw new KeyFormatException(e.getMessage() + " (this looks like z-base-32, the form of"
            + " DNS names and relay URLs: read it with fromZ32)", e);
      }
      throw e;
    }
    if (raw.length != LENGTH) {
      throw new KeyFormatException("invalid key: base32 text decodes to " + raw.length + " bytes, not 32");
    }
    return fromBytes(raw);
  }

  private static boolean looksLikeZ32(String text) {
    if (text.length() != TEXT_LENGTH) {
      return false;
    }
    try {
      Z32.decode(text);
      return true;
    } catch (RuntimeException notZ32) {
      return false;
    }
  }

  /**
   * Parses a z-base-32 key strictly, as iroh does for DNS names and the {@code /pkarr/{key}} path:
   * lowercase only, 52 characters, zero pad bits.
   */
  public static PublicKey fromZ32(String text) {
    if (text.length() != TEXT_LENGTH) {
      throw new KeyFormatException("invalid z-base-32 key: expected 52 characters, got " + text.length());
    }
    return fromBytes(Z32.decode(text));
  }

  /**
   * Parses a key as a pkarr relay does in its path ({@code PublicKey::try_from(&str)}): a bare
   * z-base-32 key (pad bits ignored), {@code pk:<z32>}, or a URL-like string whose host ends in
   * the key, such as {@code https://foo.<z32>/path}.
   */
  public static PublicKey parsePkarr(String text) {
    String s = text;
    if (s.length() > TEXT_LENGTH) {
      int colon = s.indexOf(':');
      if (colon >= 0) {
        s = s.substring(colon + 1);
      }
      if (s.length() > TEXT_LENGTH && s.startsWith("//")) {
        s = s.substring(2);
      }
      if (s.length() > TEXT_LENGTH) {
        int slash = s.indexOf('/');
        if (slash >= 0) {
          s = s.substring(0, slash);
        }
      }
      if (s.length() > TEXT_LENGTH) {
        int dot = s.lastIndexOf('.');
        if (dot >= 0) {
          s = s.substring(dot + 1);
        }
      }
    }
    if (s.length() != TEXT_LENGTH) {
      throw new KeyFormatException("invalid pkarr key '" + abbreviate(text) + "': expected 52 z-base-32 characters");
    }
    return fromBytes(Z32.decodeLenient(s));
  }

  /** Returns a copy of the 32 key bytes. */
  public byte[] toBytes() {
    return bytes.clone();
  }

  /** Copies the 32 key bytes into {@code dst} at {@code off}. */
  public void copyTo(byte[] dst, int off) {
    System.arraycopy(bytes, 0, dst, off, LENGTH);
  }

  /** The canonical z-base-32 form (52 lowercase characters). */
  public String toZ32() {
    return Z32.encode(bytes);
  }

  /** The lowercase RFC 4648 base32 form without padding (52 characters). */
  public String toBase32() {
    return Base32.encode(bytes);
  }

  /** The first 5 bytes as 10 hex characters, iroh's {@code fmt_short}. */
  public String fmtShort() {
    return HEX.formatHex(bytes, 0, 5);
  }

  /**
   * Verifies an Ed25519 signature over {@code message[off..off+len)} with the strict rules
   * described in {@link Ed25519Strict}.
   *
   * @return false for any signature that does not verify, including one of the wrong length
   */
  public boolean verify(byte[] message, int off, int len, byte[] signature, int sigOff) {
    Ed25519.PublicPoint bc = bcPoint;
    if (bc == null) {
      bc = Ed25519Strict.decodeKey(bytes);
      if (bc == null) {
        return false; // only if the two decoders disagreed, which Ed25519StrictTest rules out
      }
      bcPoint = bc;
    }
    return Ed25519Strict.verify(bc, signature, sigOff, message, off, len);
  }

  /** The key bytes themselves, not a copy, for {@link SignatureBatch}. */
  byte[] bytes() {
    return bytes;
  }

  /** The decoded point, for {@link SignatureBatch}; decoded again for a compact key. */
  EdwardsPoints.Affine point() {
    EdwardsPoints.Affine p = point;
    if (p == null) {
      p = EdwardsPoints.decodeLargeOrder(bytes, 0); // validated once: never null
      point = p;
    }
    return p;
  }

  /**
   * This key without its decoded point: the same bytes, equal to this key, about 400 bytes
   * smaller, for keys held by the hundred thousand in caches (a DNS server's zone cache held
   * 45 MB of decoded points for 100,000 zones). A verification with it decodes the point again
   * (once, about 9 µs) and keeps it.
   */
  public PublicKey compact() {
    return point == null && bcPoint == null ? this : new PublicKey(bytes, null);
  }

  /** Verifies a 64-byte signature over the whole message. */
  public boolean verify(byte[] message, byte[] signature) {
    return signature.length == Ed25519Strict.SIGNATURE_LENGTH
        && verify(message, 0, message.length, signature, 0);
  }

  @Override
  public int compareTo(PublicKey other) {
    return Arrays.compareUnsigned(bytes, other.bytes);
  }

  @Override
  public boolean equals(Object o) {
    return o instanceof PublicKey other && Arrays.equals(bytes, other.bytes);
  }

  @Override
  public int hashCode() {
    return hash;
  }

  /** 64 lowercase hex characters, as iroh displays an EndpointId. */
  @Override
  public String toString() {
    return HEX.formatHex(bytes);
  }

  static byte[] lowercaseHex(String text) {
    for (int i = 0; i < text.length(); i++) {
      char c = text.charAt(i);
      if (!((c >= '0' && c <= '9') || (c >= 'a' && c <= 'f'))) {
        throw new IllegalArgumentException("not lowercase hex at " + i);
      }
    }
    return HEX.parseHex(text);
  }

  private static String abbreviate(String text) {
    return text.length() <= 80 ? text : text.substring(0, 77) + "...";
  }
}
