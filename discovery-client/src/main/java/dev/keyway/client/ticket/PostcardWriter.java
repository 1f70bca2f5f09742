package dev.keyway.client.ticket;

import java.nio.charset.StandardCharsets;
import java.util.Arrays;

/**
 * Writes the subset of the postcard format (serde's compact binary format used by iroh) that
 * tickets need: raw u8, LEB128 varints for every wider unsigned integer and for enum variant
 * indexes and lengths, Option tags, length-prefixed byte strings, fixed-size raw arrays.
 */
final class PostcardWriter {
  private byte[] buf = new byte[128];
  private int len;

  /** A single raw byte (postcard u8). */
  PostcardWriter u8(int value) {
    if (value < 0 || value > 0xff) {
      throw new IllegalArgumentException("u8 out of range: " + value);
    }
    ensure(1);
    buf[len++] = (byte) value;
    return this;
  }

  /** An unsigned LEB128 varint (u16, u32, u64, usize and enum variant indexes). */
  PostcardWriter varint(long unsigned) {
    ensure(10);
    long v = unsigned;
    while ((v & ~0x7FL) != 0) {
      buf[len++] = (byte) ((v & 0x7F) | 0x80);
      v >>>= 7;
    }
    buf[len++] = (byte) v;
    return this;
  }

  /** {@code Option} tag: 0 for None, 1 for Some (the value follows). */
  PostcardWriter option(boolean present) {
    return u8(present ? 1 : 0);
  }

  /** A fixed-size array: the bytes without a length. */
  PostcardWriter raw(byte[] bytes) {
    ensure(bytes.length);
    System.arraycopy(bytes, 0, buf, len, bytes.length);
    len += bytes.length;
    return this;
  }

  /** A byte string or {@code [u8]} sequence: varint length then the bytes. */
  PostcardWriter bytes(byte[] bytes) {
    return varint(bytes.length).raw(bytes);
  }

  /** A string: varint length then its UTF-8 bytes. */
  PostcardWriter string(String s) {
    return bytes(s.getBytes(StandardCharsets.UTF_8));
  }

  byte[] toByteArray() {
    return Arrays.copyOf(buf, len);
  }

  private void ensure(int more) {
    if (buf.length - len < more) {
      buf = Arrays.copyOf(buf, Math.max(buf.length * 2, len + more));
    }
  }
}
