package dev.keyway.gossip.proto;

import java.util.Arrays;
import java.nio.charset.StandardCharsets;

/**
 * A topic: 32 opaque bytes. Every topic is its own swarm with its own HyParView views and
 * PlumTree (iroh-gossip {@code TopicId}). Immutable; compares by its bytes.
 */
public final class TopicId implements Comparable<TopicId> {
  private final byte[] bytes;
  private final int hash;

  private TopicId(byte[] bytes) {
    this.bytes = bytes;
    this.hash = Bytes32.hash(bytes);
  }

  /** The topic with these 32 bytes. */
  public static TopicId fromBytes(byte[] bytes) {
    return new TopicId(Bytes32.copyOf(bytes, "topic id"));
  }

  /** A topic named by the BLAKE3 hash of a UTF-8 string, for tests and examples. */
  public static TopicId ofName(String name) {
    byte[] utf8 = name.getBytes(StandardCharsets.UTF_8);
    return new TopicId(Blake3.hash(utf8, 0, utf8.length));
  }

  /** Returns a copy of the 32 bytes. */
  public byte[] toBytes() {
    return bytes.clone();
  }

  /** Copies the 32 bytes into {@code dst} at {@code off}. */
  public void copyTo(byte[] dst, int off) {
    System.arraycopy(bytes, 0, dst, off, 32);
  }

  /** The first 5 bytes in hex, iroh's short form. */
  public String fmtShort() {
    return Bytes32.HEX.formatHex(bytes, 0, 5);
  }

  @Override
  public int compareTo(TopicId o) {
    return Bytes32.compare(bytes, o.bytes);
  }

  @Override
  public boolean equals(Object o) {
    return o instanceof TopicId t && hash == t.hash && Arrays.equals(bytes, t.bytes);
  }

  @Override
  public int hashCode() {
    return hash;
  }

  /** 64 lowercase hex characters. */
  @Override
  public String toString() {
    return Bytes32.HEX.formatHex(bytes);
  }
}
