package dev.keyway.client.record;

import dev.keyway.client.InvalidInputException;
import dev.keyway.client.addr.RelayUrl;
import dev.keyway.client.addr.TransportAddr;
import dev.keyway.client.keys.KeyFormatException;
import dev.keyway.client.keys.PublicKey;
import dev.keyway.client.keys.SecretKey;
import dev.keyway.client.packet.SignedPacket;
import dev.keyway.client.packet.SignedPacketBuilder;
import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.xbill.DNS.Name;
import org.xbill.DNS.Record;
import org.xbill.DNS.TXTRecord;

/**
 * The {@code _iroh} TXT codec of iroh 1.0: {@link EndpointInfo} to and from the TXT records an
 * endpoint publishes at {@code _iroh.<z32-endpoint-id>}.
 *
 * <h2>Writing</h2>
 * One {@code key=value} attribute per TXT record, one character-string per record: every
 * {@code relay=<url>}, then every {@code addr=<ip:port or custom>} (in the info's address
 * order), then {@code user-data=<text>}.
 *
 * <h2>Reading (strict, as iroh since 0.90)</h2>
 * The character-strings of one record are concatenated; the key is the text before the first
 * {@code =} and the value runs to a second {@code =} if there is one. A string without {@code =}
 * or with a key other than {@code relay}, {@code addr}, {@code user-data} fails the whole set
 * with {@link InvalidTxtException}. Relay and address values that do not parse are skipped; only
 * the first {@code user-data} counts, and is skipped if over 245 bytes. The result lists relays
 * first, then addresses, without duplicates.
 */
public final class IrohTxt {
  /** The first label of the record name. */
  public static final String NAME = "_iroh";

  private IrohTxt() {}

  /** The attribute strings of {@code info}, in publish order. */
  public static List<String> toTxtStrings(EndpointInfo info) {
    List<String> out = new ArrayList<>();
    for (TransportAddr a : info.addrs()) {
      if (a instanceof TransportAddr.Relay) {
        out.add(attribute(IrohAttr.RELAY, a.value()));
      }
    }
    for (TransportAddr a : info.addrs()) {
      if (!(a instanceof TransportAddr.Relay)) {
        out.add(attribute(IrohAttr.ADDR, a.value()));
      }
    }
    info.userData().ifPresent(u -> out.add(attribute(IrohAttr.USER_DATA, u.value())));
    return out;
  }

  /**
   * Signs {@code info} as iroh publishes it: one TXT record per attribute at
   * {@code _iroh.<z32>}, all with {@code ttl} seconds.
   *
   * @throws IllegalArgumentException if {@code secretKey} is not the key of the endpoint id
   * @throws dev.keyway.client.packet.InvalidPacketException if the records exceed 1000 bytes
   */
  public static SignedPacket toSignedPacket(
      EndpointInfo info, SecretKey secretKey, long ttl, long timestampMicros) {
    if (!secretKey.publicKey().equals(info.endpointId())) {
      throw new IllegalArgumentException("secret key of " + secretKey.publicKey().fmtShort()
          + " cannot sign for endpoint " + info.endpointId().fmtShort());
    }
    SignedPacketBuilder builder = SignedPacket.builder();
    for (String s : toTxtStrings(info)) {
      builder.txt(NAME, ttl, s);
    }
    return builder.sign(secretKey, timestampMicros);
  }

  /**
   * Reads the info from a verified signed packet (iroh's pkarr path): only TXT records whose
   * owner is exactly {@code _iroh.<z32 of the signer>} count (case-sensitive, as iroh compares
   * strings); other names and types are ignored, and so is a record that is not valid UTF-8.
   *
   * @throws InvalidTxtException if a counted string lacks {@code =} or has an unknown key
   */
  public static EndpointInfo fromSignedPacket(SignedPacket packet) {
    String owner = NAME + "." + packet.publicKey().toZ32() + ".";
    List<String> strings = new ArrayList<>();
    for (Record r : packet.records()) {
      if (r instanceof TXTRecord txt && r.getName().toString().equals(owner)) {
        String value = concatStrict(txt);
        if (value != null) {
          strings.add(value);
        }
      }
    }
    return fromTxtStrings(packet.publicKey(), strings);
  }

  /**
   * Reads the info from a DNS answer for {@code queryName} (iroh's DNS path). The query name
   * must start with the label {@code _iroh} and its second label must be a z-base-32 key, which
   * becomes the endpoint id; later labels (the origin) are ignored. Every TXT record of
   * {@code answers} counts, whatever its owner name; other types are ignored. Invalid UTF-8 is
   * replaced, as iroh does.
   *
   * @throws InvalidTxtException if the query name is not an {@code _iroh} name or a string is
   *     malformed
   */
  public static EndpointInfo fromDnsAnswer(Name queryName, List<? extends Record> answers) {
    return fromDnsAnswer(queryName.toString(), answers);
  }

  /** Like {@link #fromDnsAnswer(Name, List)} with the query name as text. */
  public static EndpointInfo fromDnsAnswer(String queryName, List<? extends Record> answers) {
    PublicKey id = endpointIdFromName(queryName);
    List<String> strings = new ArrayList<>();
    for (Record r : answers) {
      if (r instanceof TXTRecord txt) {
        strings.add(concatLossy(txt));
      }
    }
    return fromTxtStrings(id, strings);
  }

  /**
   * The endpoint id named by an {@code _iroh} query name such as
   * {@code _iroh.<z32>.dns.iroh.link.}.
   *
   * @throws InvalidTxtException if the first label is not {@code _iroh} or the second is not a
   *     valid z-base-32 key
   */
  public static PublicKey endpointIdFromName(String name) {
    String[] labels = name.split("\\.", -1);
    if (labels.length < 2) {
      throw new InvalidTxtException("expected at least 2 labels in '" + name + "', got 1");
    }
    if (!labels[0].equals(NAME)) {
      throw new InvalidTxtException(
          "not an iroh record name: expected first label _iroh, got '" + labels[0] + "'");
    }
    try {
      return PublicKey.fromZ32(labels[1]);
    } catch (KeyFormatException e) {
      throw new InvalidTxtException(
          "second label of '" + name + "' is not an endpoint id: " + e.getMessage(), e);
    }
  }

  /**
   * Reads the info of {@code endpointId} from attribute strings, with the rules in the class
   * description.
   *
   * @throws InvalidTxtException if a string lacks {@code =} or has an unknown key
   */
  public static EndpointInfo fromTxtStrings(PublicKey endpointId, Iterable<String> strings) {
    Map<IrohAttr, List<String>> attrs = TxtAttrs.parse(strings);
    List<TransportAddr> addrs = new ArrayList<>();
    for (String value : attrs.getOrDefault(IrohAttr.RELAY, List.of())) {
      try {
        addrs.add(new TransportAddr.Relay(RelayUrl.parse(value)));
      } catch (InvalidInputException skipped) {
        // iroh skips relay values that are not URLs
      }
    }
    for (String value : attrs.getOrDefault(IrohAttr.ADDR, List.of())) {
      try {
        addrs.add(TransportAddr.parseAddrValue(value));
      } catch (InvalidInputException skipped) {
        // iroh skips addresses it cannot parse
      }
    }
    UserData userData = null;
    List<String> userDataValues = attrs.getOrDefault(IrohAttr.USER_DATA, List.of());
    if (!userDataValues.isEmpty()) {
      try {
        userData = UserData.of(userDataValues.get(0));
      } catch (InvalidInputException tooLong) {
        // iroh drops oversized user data and does not fall back to a later value
      }
    }
    return EndpointInfo.of(endpointId, addrs, userData);
  }

  private static String attribute(IrohAttr attr, String value) {
    if (attr == IrohAttr.RELAY && value.indexOf('=') >= 0) {
      // iroh (and IrohTxt's reader) cut a value at a second '=': it would read back as another URL
      throw new IllegalArgumentException("relay URL " + value + " contains '=', which iroh's TXT"
          + " records cannot carry (readers cut the value there); publish it without a query string");
    }
    String s = attr.key() + "=" + value;
    int length = s.getBytes(StandardCharsets.UTF_8).length;
    if (length > 255) {
      throw new IllegalArgumentException(attr.key() + " attribute is " + length
          + " bytes; one TXT character-string holds at most 255");
    }
    return s;
  }

  /** The strings concatenated, or null if the bytes are not UTF-8 (simple-dns's conversion). */
  private static String concatStrict(TXTRecord txt) {
    ByteBuffer all = ByteBuffer.wrap(concatBytes(txt));
    try {
      return StandardCharsets.UTF_8.newDecoder().decode(all).toString();
    } catch (CharacterCodingException e) {
      return null;
    }
  }

  /** Each string decoded with replacement, then concatenated (hickory's TXT display). */
  private static String concatLossy(TXTRecord txt) {
    StringBuilder sb = new StringBuilder();
    for (byte[] s : txt.getStringsAsByteArrays()) {
      sb.append(new String(s, StandardCharsets.UTF_8));
    }
    return sb.toString();
  }

  private static byte[] concatBytes(TXTRecord txt) {
    List<byte[]> parts = txt.getStringsAsByteArrays();
    int n = 0;
    for (byte[] p : parts) {
      n += p.length;
    }
    byte[] out = new byte[n];
    int pos = 0;
    for (byte[] p : parts) {
      System.arraycopy(p, 0, out, pos, p.length);
      pos += p.length;
    }
    return out;
  }
}
