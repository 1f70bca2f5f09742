package dev.keyway.gossip.proto;

import java.util.Arrays;

/**
 * The id of a broadcast: the BLAKE3 hash of its content (iroh-gossip {@code MessageId}). Because
 * the id is the content hash, identical payloads are the same message and are delivered once;
 * an application that repeats a payload must add a nonce or counter (iroh-gossip#61).
 */
public final class MessageId implements Comparable<MessageId> {
  private final byte[] bytes;
  private final int hash;

  private MessageId(byte[] bytes) {
    this.bytes = bytes;
    this.hash = Bytes32.hash(bytes);
  }

  /** The id of {@code content}: its BLAKE3-256 hash. */
  public static MessageId of(byte[] content) {
    return new MessageId(Blake3.hash(content, 0, content.length));
  }

  /** The id with these 32 bytes, as read from the wire; {@link #matches} checks it. */
  public static MessageId fromBytes(byte[] bytes) {
    return new MessageId(Bytes32.copyOf(bytes, "message id"));
  }

  /** Whether this is the id of {@code content}; a mismatch means a spoofed or corrupt message. */
  public boolean matches(byte[] content) {
    return Arrays.equals(bytes, Blake3.hash(content, 0, content.length));
  }

  /** Returns a copy of the 32 bytes. */
  public byte[] toBytes() {
    return bytes.clone();
  }

  /** Copies the 32 bytes into {@code dst} at {@code off}. */
  public void copyTo(byte[] dst, int off) {
    System.arraycopy(bytes, 0, dst, off, 32);
  }

  /** The first 5 bytes in hex. */
  public String fmtShort() {
    return Bytes32.HEX.formatHex(bytes, 0, 5);
  }

  @Override
  public int compareTo(MessageId o) {
    return Bytes32.compare(bytes, o.bytes);
  }

  @Override
  public boolean equals(Object o) {
    return o instanceof MessageId m && hash == m.hash && Arrays.equals(bytes, m.bytes);
  }

  @Override
  public int hashCode() {
    return hash;
  }

  @Override
  public String toString() {
    return Bytes32.HEX.formatHex(bytes);
  }
}
