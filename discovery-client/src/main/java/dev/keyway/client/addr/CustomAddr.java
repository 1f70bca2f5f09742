package dev.keyway.client.addr;

import java.util.Arrays;
import java.util.HexFormat;

/**
 * A custom transport address (iroh-base {@code CustomAddr}, iroh &ge; 0.97): a transport id
 * (unsigned 64-bit, stored in a {@code long}) and opaque address bytes.
 *
 * <p>Text form, as in {@code _iroh} TXT {@code addr=} values: {@code <id>_<data>}, the id in
 * lowercase hex without leading zeros and the data in lowercase hex ({@code 1_a1b2c3d4e5f6},
 * {@code 0_}). Parsing follows iroh: the id is hex of either case (Rust's
 * {@code u64::from_str_radix}, which also tolerates a leading {@code +}); the data must be
 * lowercase hex of even length.
 *
 * <p>Ordering is the one iroh-base 1.0.x derives: id (unsigned), then data of at most 30 bytes
 * (stored inline there) before longer data; among short data the shorter sorts first, then bytes;
 * among long data bytes compare lexicographically (a prefix sorts first). This matters for the
 * byte-exact order of addresses in tickets.
 *
 * <p>Instances are immutable; the data is copied in and out.
 */
public final class CustomAddr implements Comparable<CustomAddr> {
  /** Data up to this length is encoded inline in iroh-base 1.0.x ({@code CustomAddrBytes::Inline}). */
  public static final int INLINE_CAPACITY = 30;

  private static final HexFormat HEX = HexFormat.of();

  private final long id;
  private final byte[] data;

  private CustomAddr(long id, byte[] data) {
    this.id = id;
    this.data = data;
  }

  /** Returns the address with transport id {@code id} (read as unsigned) and a copy of {@code data}. */
  public static CustomAddr of(long id, byte[] data) {
    return new CustomAddr(id, data.clone());
  }

  /**
   * Parses the {@code <id hex>_<data hex>} form.
   *
   * @throws AddrFormatException naming the part that is wrong
   */
  public static CustomAddr parse(String text) {
    int sep = text.indexOf('_');
    if (sep < 0) {
      throw fail(text, "missing '_' separator between id and data");
    }
    long id = parseId(text, text.substring(0, sep));
    String hex = text.substring(sep + 1);
    if (hex.length() % 2 != 0) {
      throw fail(text, "data has an odd number of hex digits");
    }
    for (int i = 0; i < hex.length(); i++) {
      char c = hex.charAt(i);
      if (!((c >= '0' && c <= '9') || (c >= 'a' && c <= 'f'))) {
        throw fail(text, "data is not lowercase hex (character '" + c + "')");
      }
    }
    return new CustomAddr(id, HEX.parseHex(hex));
  }

  private static long parseId(String text, String idText) {
    String digits = idText.startsWith("+") ? idText.substring(1) : idText;
    if (digits.isEmpty()) {
      throw fail(text, "empty transport id");
    }
    long id = 0;
    for (int i = 0; i < digits.length(); i++) {
      int d = Character.digit(digits.charAt(i), 16);
      if (d < 0 || digits.charAt(i) > 'f') { // Character.digit also takes non-ASCII digits
        throw fail(text, "transport id is not hex");
      }
      if (Long.compareUnsigned(id, 0x0FFF_FFFF_FFFF_FFFFL) > 0) {
        throw fail(text, "transport id does not fit in 64 bits");
      }
      id = (id << 4) | d;
    }
    return id;
  }

  private static AddrFormatException fail(String text, String reason) {
    return new AddrFormatException("invalid custom address " + AddrFormatException.quote(text) + ": " + reason);
  }

  /** The transport id; compare and print it as unsigned ({@link Long#toUnsignedString}). */
  public long id() {
    return id;
  }

  /** A copy of the address data. */
  public byte[] data() {
    return data.clone();
  }

  /** Length of the address data in bytes. */
  public int dataLength() {
    return data.length;
  }

  @Override
  public int compareTo(CustomAddr other) {
    int c = Long.compareUnsigned(id, other.id);
    if (c != 0) {
      return c;
    }
    boolean inline = data.length <= INLINE_CAPACITY;
    boolean otherInline = other.data.length <= INLINE_CAPACITY;
    if (inline != otherInline) {
      return inline ? -1 : 1;
    }
    if (inline) {
      // Inline { size, data: [u8; 30] }: size first, then the zero-padded bytes.
      c = Integer.compare(data.length, other.data.length);
      return c != 0 ? c : Arrays.compareUnsigned(data, other.data);
    }
    return Arrays.compareUnsigned(data, other.data); // Heap(Box<[u8]>): slice order
  }

  @Override
  public boolean equals(Object o) {
    return o instanceof CustomAddr other && id == other.id && Arrays.equals(data, other.data);
  }

  @Override
  public int hashCode() {
    return Long.hashCode(id) * 31 + Arrays.hashCode(data);
  }

  /** The {@code <id>_<data>} text form, e.g. {@code 2a_abab}. */
  @Override
  public String toString() {
    return Long.toHexString(id) + "_" + HEX.formatHex(data);
  }
}
