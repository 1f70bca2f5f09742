package dev.keyway.client.ticket;

import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;

/**
 * Reads the postcard subset that {@link PostcardWriter} writes, strictly: every read names the
 * field it reads, and every failure is a {@link TicketFormatException} naming that field and the
 * byte offset where it starts ("truncated while reading relay URL length at byte 37").
 *
 * <p>Varints must be canonical: at most 3/5/10 bytes for u16/u32/u64, no bits beyond the type's
 * width, and no redundant trailing zero groups. (postcard itself accepts the redundant form;
 * no encoder produces it, and refusing it keeps one byte string per value.)
 */
final class PostcardReader {
  private final byte[] buf;
  private int pos;

  PostcardReader(byte[] buf) {
    this.buf = buf;
  }

  /** Offset of the next byte to read. */
  int position() {
    return pos;
  }

  /** Number of bytes not yet read. */
  int remaining() {
    return buf.length - pos;
  }

  int u8(String field) {
    need(1, field);
    return buf[pos++] & 0xff;
  }

  int varintU16(String field) {
    return (int) varint(field, 3, 0x03, "u16");
  }

  long varintU32(String field) {
    return varint(field, 5, 0x0F, "u32");
  }

  /** A u64, returned as the same 64 bits in a {@code long} (read it as unsigned). */
  long varintU64(String field) {
    return varint(field, 10, 0x01, "u64");
  }

  /** An enum variant index (postcard encodes it as a u32 varint). */
  long variant(String field) {
    return varintU32(field);
  }

  /**
   * A {@code usize} length or element count. Every element takes at least one byte, so a value
   * larger than the remaining input is reported as truncation at once (before allocating).
   */
  int length(String field) {
    int start = pos;
    long n = varintU64(field);
    if (n < 0 || n > remaining()) {
      throw new TicketFormatException("truncated while reading " + field + " at byte " + start + ": "
          + Long.toUnsignedString(n) + " announced, " + remaining() + (remaining() == 1 ? " byte left" : " bytes left"));
    }
    return (int) n;
  }

  /** {@code Option} tag: true for Some. */
  boolean option(String field) {
    int start = pos;
    int tag = u8(field + " option tag");
    if (tag > 1) {
      throw new TicketFormatException("invalid option tag " + tag + " for " + field + " at byte " + start);
    }
    return tag == 1;
  }

  /** A fixed-size array of {@code n} raw bytes. */
  byte[] fixed(int n, String field) {
    need(n, field);
    byte[] out = Arrays.copyOfRange(buf, pos, pos + n);
    pos += n;
    return out;
  }

  /** A length-prefixed byte string. */
  byte[] bytes(String field) {
    int n = length(field + " length");
    return fixed(n, field);
  }

  /** A length-prefixed string, which must be valid UTF-8. */
  String string(String field) {
    int n = length(field + " length");
    int start = pos;
    byte[] raw = fixed(n, field);
    try {
      return StandardCharsets.UTF_8.newDecoder()
          .onMalformedInput(CodingErrorAction.REPORT)
          .onUnmappableCharacter(CodingErrorAction.REPORT)
          .decode(ByteBuffer.wrap(raw)).toString();
    } catch (CharacterCodingException e) {
      throw new TicketFormatException("invalid UTF-8 in " + field + " at byte " + start, e);
    }
  }

  private long varint(String field, int maxBytes, int maxLastByte, String type) {
    int start = pos;
    long value = 0;
    for (int i = 0; i < maxBytes; i++) {
      if (pos >= buf.length) {
        throw truncated(field, start);
      }
      int b = buf[pos++] & 0xff;
      value |= (long) (b & 0x7F) << (7 * i);
      if ((b & 0x80) == 0) {
        if (i == maxBytes - 1 && b > maxLastByte) {
          throw new TicketFormatException("varint for " + field + " at byte " + start + " overflows " + type);
        }
        if (i > 0 && b == 0) {
          throw new TicketFormatException("overlong varint for " + field + " at byte " + start);
        }
        return value;
      }
    }
    throw new TicketFormatException("varint for " + field + " at byte " + start + " is longer than " + maxBytes
        + " bytes (" + type + ")");
  }

  private void need(int n, String field) {
    if (remaining() < n) {
      throw truncated(field, pos);
    }
  }

  private static TicketFormatException truncated(String field, int at) {
    return new TicketFormatException("truncated while reading " + field + " at byte " + at);
  }
}
