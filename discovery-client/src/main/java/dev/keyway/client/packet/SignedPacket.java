package dev.keyway.client.packet;

import dev.keyway.client.keys.KeyFormatException;
import dev.keyway.client.keys.PublicKey;
import dev.keyway.client.keys.SecretKey;
import dev.keyway.client.packet.InvalidPacketException.Reason;
import java.util.Arrays;
import java.util.HexFormat;
import java.util.List;
import java.util.Objects;
import org.xbill.DNS.Record;

/**
 * A pkarr signed packet: a DNS message whose records are named under the signer's z-base-32
 * key, signed with that key at a timestamp (iroh's and pkarr's {@code SignedPacket}).
 *
 * <h2>Wire forms</h2>
 * <ul>
 *   <li>canonical ({@link #toBytes()}): {@code key(32) | signature(64) | timestamp(8, big-endian
 *       µs) | dns(0..1000)}, 104..1104 bytes;
 *   <li>relay payload ({@link #toRelayPayload()}), the HTTP body of pkarr relays and of iroh's
 *       {@code /pkarr/{key}}: the canonical form without the key, 72..1072 bytes.
 * </ul>
 * The signature covers the BEP44 signable {@code 3:seqi<ts>e1:v<len>:<dns>}.
 *
 * <h2>Parsing</h2>
 * {@link #fromBytes} and {@link #fromRelayPayload} check, in pkarr's order, the sizes, the key,
 * the signature, then (a keyway addition) that the timestamp is below 2^63, then that the DNS
 * message parses; the first failure throws {@link InvalidPacketException} with its
 * {@link Reason}. {@link PacketBatch} does the same for many relay payloads, with their
 * signatures checked as one batch. {@link #fromTrustedBytes} skips the signature for bytes this
 * process verified before (its own store). Packets are built and signed with {@link #builder()}.
 *
 * <p>Instances are immutable and thread-safe; equality is byte equality of the canonical form.
 */
public final class SignedPacket {
  /** Largest DNS message a packet may hold (the BEP44 value limit). */
  public static final int MAX_DNS_BYTES = 1000;
  /** Bytes before the DNS message in the canonical form: key, signature, timestamp. */
  public static final int HEADER_BYTES = 104;
  /** Smallest canonical form. */
  public static final int MIN_BYTES = HEADER_BYTES;
  /** Largest canonical form. */
  public static final int MAX_BYTES = HEADER_BYTES + MAX_DNS_BYTES;
  /** Smallest relay payload. */
  public static final int MIN_RELAY_PAYLOAD_BYTES = MIN_BYTES - PublicKey.LENGTH;
  /** Largest relay payload. */
  public static final int MAX_RELAY_PAYLOAD_BYTES = MAX_BYTES - PublicKey.LENGTH;

  private static final int SIG_OFFSET = PublicKey.LENGTH;
  private static final int SIG_LENGTH = 64;
  private static final int TS_OFFSET = SIG_OFFSET + SIG_LENGTH;

  private final PublicKey publicKey;
  private final byte[] bytes;
  private final List<Record> answers;
  private final int hash;
  private volatile RecordIndex index;

  private SignedPacket(PublicKey publicKey, byte[] bytes, List<Record> answers) {
    this(publicKey, bytes, answers, Arrays.hashCode(bytes));
  }

  private SignedPacket(PublicKey publicKey, byte[] bytes, List<Record> answers, int hash) {
    this.publicKey = publicKey;
    this.bytes = bytes;
    this.answers = answers;
    this.hash = hash;
  }

  /** Starts a packet: add records with names relative to the key, then sign. */
  public static SignedPacketBuilder builder() {
    return new SignedPacketBuilder();
  }

  /**
   * Parses and verifies the canonical form ({@code key|sig|ts|dns}).
   *
   * @throws InvalidPacketException naming the first check that failed
   */
  public static SignedPacket fromBytes(byte[] canonical) {
    int n = canonical.length;
    if (n < MIN_BYTES) {
      throw new InvalidPacketException(Reason.TOO_SHORT,
          "signed packet must be at least " + MIN_BYTES
              + " bytes (key 32, signature 64, timestamp 8), got " + n);
    }
    if (n > MAX_BYTES) {
      throw new InvalidPacketException(Reason.TOO_LARGE,
          "signed packet must be at most " + MAX_BYTES + " bytes (DNS at most "
              + MAX_DNS_BYTES + "), got " + n);
    }
    byte[] copy = canonical.clone();
    return verified(decodeKey(copy), copy);
  }

  /**
   * Parses and verifies a relay payload ({@code sig|ts|dns}) published under {@code key}.
   *
   * @throws InvalidPacketException naming the first check that failed
   */
  public static SignedPacket fromRelayPayload(PublicKey key, byte[] payload) {
    return verified(key, canonicalOf(key, payload));
  }

  /** The canonical form of a size-checked relay payload, not yet verified. */
  static byte[] canonicalOf(PublicKey key, byte[] payload) {
    Objects.requireNonNull(key, "key");
    int n = payload.length;
    if (n < MIN_RELAY_PAYLOAD_BYTES) {
      throw new InvalidPacketException(Reason.TOO_SHORT,
          "relay payload must be at least " + MIN_RELAY_PAYLOAD_BYTES
              + " bytes (signature 64, timestamp 8), got " + n);
    }
    if (n > MAX_RELAY_PAYLOAD_BYTES) {
      throw new InvalidPacketException(Reason.TOO_LARGE,
          "relay payload must be at most " + MAX_RELAY_PAYLOAD_BYTES + " bytes (DNS at most "
              + MAX_DNS_BYTES + "), got " + n);
    }
    byte[] canonical = new byte[PublicKey.LENGTH + n];
    key.copyTo(canonical, 0);
    System.arraycopy(payload, 0, canonical, PublicKey.LENGTH, n);
    return canonical;
  }

  /**
   * Reads the canonical form without verifying the signature or the timestamp, for bytes that
   * were verified before they were stored by this process (a store reading back its own rows).
   * Sizes, the key and the DNS message are still checked, so corrupt bytes still throw.
   */
  public static SignedPacket fromTrustedBytes(byte[] canonical) {
    checkTrustedSize(canonical);
    byte[] copy = canonical.clone();
    return withDns(decodeKey(copy), copy);
  }

  /**
   * Reads the canonical form stored under {@code key}, as {@link #fromTrustedBytes(byte[])} but
   * without decoding the key again: the bytes must start with {@code key}, which was validated
   * when it was made, and the packet holds its {@link PublicKey#compact() compact} form. A store
   * reads its rows this way, about 9 µs cheaper each, and its caches hold no decoded points.
   *
   * @throws InvalidPacketException if the sizes or the DNS message are wrong, or the bytes
   *     start with another key ({@link Reason#INVALID_KEY})
   */
  public static SignedPacket fromTrustedBytes(byte[] canonical, PublicKey key) {
    checkTrustedSize(canonical);
    byte[] expected = key.toBytes();
    if (!Arrays.equals(canonical, 0, PublicKey.LENGTH, expected, 0, PublicKey.LENGTH)) {
      throw new InvalidPacketException(Reason.INVALID_KEY, "it holds the packet of "
          + HexFormat.of().formatHex(canonical, 0, 5) + " under " + key.fmtShort());
    }
    byte[] copy = canonical.clone();
    return withDns(key.compact(), copy);
  }

  private static void checkTrustedSize(byte[] canonical) {
    if (canonical.length < MIN_BYTES || canonical.length > MAX_BYTES) {
      throw new InvalidPacketException(
          canonical.length < MIN_BYTES ? Reason.TOO_SHORT : Reason.TOO_LARGE,
          "stored signed packet has " + canonical.length + " bytes, not " + MIN_BYTES + ".."
              + MAX_BYTES);
    }
  }

  /**
   * This packet with its key in {@link PublicKey#compact() compact} form (the same bytes and
   * records, equal to this packet), for packets held by the thousand in caches.
   */
  public SignedPacket compact() {
    PublicKey key = publicKey.compact();
    return key == publicKey ? this : new SignedPacket(key, bytes, answers, hash);
  }

  /**
   * Signs an already encoded DNS message as is (no name normalisation, no re-encoding), for
   * callers that hold exact bytes such as another implementation's uncompressed message.
   *
   * @throws InvalidPacketException if the message is over 1000 bytes or does not parse
   */
  public static SignedPacket signDns(SecretKey secretKey, long timestampMicros, byte[] dns) {
    if (dns.length > MAX_DNS_BYTES) {
      throw new InvalidPacketException(Reason.TOO_LARGE,
          "DNS message is " + dns.length + " bytes; a signed packet holds at most "
              + MAX_DNS_BYTES);
    }
    if (timestampMicros < 0) {
      throw new InvalidPacketException(Reason.BAD_TIMESTAMP,
          "timestamp must be 0..2^63-1 microseconds, got " + timestampMicros);
    }
    byte[] canonical = new byte[HEADER_BYTES + dns.length];
    secretKey.publicKey().copyTo(canonical, 0);
    writeLong(canonical, TS_OFFSET, timestampMicros);
    System.arraycopy(dns, 0, canonical, HEADER_BYTES, dns.length);
    byte[] signable = Signable.of(timestampMicros, canonical, HEADER_BYTES, dns.length);
    byte[] signature = secretKey.sign(signable);
    System.arraycopy(signature, 0, canonical, SIG_OFFSET, SIG_LENGTH);
    return withDns(secretKey.publicKey(), canonical);
  }

  private static PublicKey decodeKey(byte[] canonical) {
    try {
      return PublicKey.fromBytes(canonical, 0);
    } catch (KeyFormatException e) {
      throw new InvalidPacketException(Reason.INVALID_KEY, e.getMessage(), e);
    }
  }

  /** Checks signature, timestamp and DNS of a size-checked canonical array we own. */
  static SignedPacket verified(PublicKey key, byte[] canonical) {
    byte[] signable = signableOf(canonical);
    if (!key.verify(signable, 0, signable.length, canonical, SIG_OFFSET)) {
      throw badSignature(key, canonical);
    }
    return signatureVerified(key, canonical);
  }

  /** The BEP44 bytes the signature of a canonical form covers. */
  static byte[] signableOf(byte[] canonical) {
    return Signable.of(readLong(canonical, TS_OFFSET), canonical, HEADER_BYTES,
        canonical.length - HEADER_BYTES);
  }

  /** Offset of the signature in the canonical form. */
  static int signatureOffset() {
    return SIG_OFFSET;
  }

  private static InvalidPacketException badSignature(PublicKey key, byte[] canonical) {
    return new InvalidPacketException(Reason.BAD_SIGNATURE,
        "signature does not verify for key " + key.toZ32() + " over timestamp "
            + Long.toUnsignedString(readLong(canonical, TS_OFFSET)) + " and "
            + (canonical.length - HEADER_BYTES) + " DNS bytes");
  }

  /** The checks after the signature: the timestamp, then the DNS message. */
  static SignedPacket signatureVerified(PublicKey key, byte[] canonical) {
    long ts = readLong(canonical, TS_OFFSET);
    if (ts < 0) {
      throw new InvalidPacketException(Reason.BAD_TIMESTAMP,
          "timestamp " + Long.toUnsignedString(ts) + " is 2^63 or more; BEP44 seq is signed");
    }
    return withDns(key, canonical);
  }

  private static SignedPacket withDns(PublicKey key, byte[] canonical) {
    List<Record> answers =
        DnsMessages.parseAnswers(canonical, HEADER_BYTES, canonical.length - HEADER_BYTES);
    return new SignedPacket(key, canonical, answers);
  }

  /** The signer's key; every owner name is relative to its z-base-32 form. */
  public PublicKey publicKey() {
    return publicKey;
  }

  /** The signed timestamp: microseconds since the epoch, the BEP44 {@code seq}. */
  public long timestampMicros() {
    return readLong(bytes, TS_OFFSET);
  }

  /** A copy of the 64-byte signature. */
  public byte[] signature() {
    return Arrays.copyOfRange(bytes, SIG_OFFSET, TS_OFFSET);
  }

  /** A copy of the canonical form {@code key|sig|ts|dns}. */
  public byte[] toBytes() {
    return bytes.clone();
  }

  /** A copy of the relay payload {@code sig|ts|dns} (the canonical form without the key). */
  public byte[] toRelayPayload() {
    return Arrays.copyOfRange(bytes, PublicKey.LENGTH, bytes.length);
  }

  /** A copy of the encoded DNS message, exactly as signed. */
  public byte[] dnsBytes() {
    return Arrays.copyOfRange(bytes, HEADER_BYTES, bytes.length);
  }

  /** Length of the canonical form in bytes. */
  public int length() {
    return bytes.length;
  }

  /** The answer records in message order, with absolute owner names such as {@code foo.<z32>.}. */
  public List<Record> records() {
    return answers;
  }

  /**
   * The answer records at a name relative to the key: {@code ""} or {@code "@"} is the apex,
   * {@code "_iroh"} means {@code _iroh.<z32>}. The name is normalised as the builder does (a
   * trailing dot is ignored; a name already ending in the key's z-base-32 label is taken as
   * absolute) and compared case-insensitively. Records whose owner is not under the key are
   * never returned. Served from an index built once per packet; no re-parse.
   */
  public List<Record> records(String relativeName) {
    RecordIndex i = index();
    return i.all(PkarrNames.relativeKey(i.origin(), relativeName));
  }

  /** Like {@link #records(String)}, only records of {@code type} (a dnsjava {@code Type}). */
  public List<Record> records(String relativeName, int type) {
    RecordIndex i = index();
    return i.ofType(PkarrNames.relativeKey(i.origin(), relativeName), type);
  }

  /**
   * The packet's TTL in seconds: the smallest answer TTL clamped to [minTtl, maxTtl], or minTtl
   * if there are no answers (pkarr's {@code ttl(min, max)}).
   */
  public long ttl(long minTtl, long maxTtl) {
    if (minTtl > maxTtl) {
      throw new IllegalArgumentException("minTtl " + minTtl + " > maxTtl " + maxTtl);
    }
    long min = Long.MAX_VALUE;
    for (Record r : answers) {
      min = Math.min(min, r.getTTL());
    }
    return answers.isEmpty() ? minTtl : Math.max(minTtl, Math.min(maxTtl, min));
  }

  /**
   * Whether this packet replaces {@code other} (pkarr's {@code more_recent_than}): the larger
   * timestamp wins; on equal timestamps the DNS bytes compared as unsigned bytes,
   * lexicographically, larger wins. Identical packets are not more recent than each other.
   */
  public boolean isMoreRecentThan(SignedPacket other) {
    long a = timestampMicros();
    long b = other.timestampMicros();
    if (a != b) {
      return a > b;
    }
    return Arrays.compareUnsigned(bytes, HEADER_BYTES, bytes.length,
        other.bytes, HEADER_BYTES, other.bytes.length) > 0;
  }

  /**
   * Whether {@code payload} is this packet's relay payload, byte for byte (signature, timestamp
   * and DNS): a PUT of the packet already stored, whose signature needs no second check.
   */
  public boolean hasRelayPayload(byte[] payload) {
    return Arrays.equals(bytes, PublicKey.LENGTH, bytes.length, payload, 0, payload.length);
  }

  /** Whether both packets have the same canonical bytes (same key, signature, time, DNS). */
  public boolean isSameAs(SignedPacket other) {
    return equals(other);
  }

  private RecordIndex index() {
    RecordIndex i = index;
    if (i == null) {
      // Racing builders compute equal indexes; either one may win.
      i = RecordIndex.build(publicKey.toZ32(), answers);
      index = i;
    }
    return i;
  }

  @Override
  public boolean equals(Object o) {
    return o instanceof SignedPacket other && Arrays.equals(bytes, other.bytes);
  }

  @Override
  public int hashCode() {
    return hash;
  }

  @Override
  public String toString() {
    return "SignedPacket[key=" + publicKey.toZ32() + ", timestamp=" + timestampMicros()
        + ", dns=" + (bytes.length - HEADER_BYTES) + " bytes, answers=" + answers.size() + "]";
  }

  static long readLong(byte[] b, int off) {
    long v = 0;
    for (int i = 0; i < 8; i++) {
      v = (v << 8) | (b[off + i] & 0xffL);
    }
    return v;
  }

  static void writeLong(byte[] b, int off, long v) {
    for (int i = 7; i >= 0; i--) {
      b[off + i] = (byte) v;
      v >>>= 8;
    }
  }
}
