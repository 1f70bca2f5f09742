package dev.keyway.client.record;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.keyway.client.InvalidInputException;
import dev.keyway.client.addr.CustomAddr;
import dev.keyway.client.addr.TransportAddr;
import dev.keyway.client.keys.PublicKey;
import dev.keyway.client.keys.SecretKey;
import dev.keyway.client.packet.InvalidPacketException;
import dev.keyway.client.packet.SignedPacket;
import java.util.HexFormat;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.xbill.DNS.DClass;
import org.xbill.DNS.DNSOutput;
import org.xbill.DNS.Name;
import org.xbill.DNS.Record;
import org.xbill.DNS.Section;
import org.xbill.DNS.TXTRecord;
import org.xbill.DNS.Type;

/** The strict read rules, the write rules and both entry points. */
class IrohTxtTest {
  private static final SecretKey SECRET = key(1);
  private static final PublicKey ID = SECRET.publicKey();
  private static final String Z = ID.toZ32();

  private static SecretKey key(int seed) {
    byte[] b = new byte[32];
    new Random(seed).nextBytes(b);
    return SecretKey.fromBytes(b);
  }

  private static EndpointInfo read(String... strings) {
    return IrohTxt.fromTxtStrings(ID, List.of(strings));
  }

  @Test
  void unknownKeyFailsTheWholeSet() {
    assertThatThrownBy(() -> read("relay=https://r.example/", "foo=bar"))
        .isInstanceOf(InvalidTxtException.class).hasMessageContaining("unknown _iroh attribute 'foo'");
    assertThatThrownBy(() -> read("Relay=https://r.example/")).isInstanceOf(InvalidTxtException.class);
    assertThatThrownBy(() -> read("=x")).isInstanceOf(InvalidTxtException.class);
    assertThatThrownBy(() -> read("userdata=x")).isInstanceOf(InvalidTxtException.class);
  }

  @Test
  void stringWithoutEqualsFailsTheWholeSet() {
    assertThatThrownBy(() -> read("addr=1.2.3.4:5", "relay"))
        .isInstanceOf(InvalidTxtException.class).hasMessageContaining("key=value").hasMessageContaining("'relay'");
    assertThatThrownBy(() -> read("")).isInstanceOf(InvalidTxtException.class);
  }

  /** What the reader would cut at a second '=' is refused when writing, not published altered. */
  @Test
  void aRelayUrlWithEqualsIsRefusedWhenWriting() {
    EndpointInfo info = EndpointInfo.of(ID, TransportAddr.relay("https://relay.example/relay?token=abc"));
    assertThatThrownBy(() -> IrohTxt.toTxtStrings(info))
        .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("contains '='");
  }

  @Test
  void valueEndsAtASecondEquals() {
    EndpointInfo info = read("relay=https://r.example/?a=b", "user-data=x=y=z");
    assertThat(info.relayUrls()).extracting(Object::toString).containsExactly("https://r.example/?a");
    assertThat(info.userData()).contains(UserData.of("x"));
  }

  @Test
  void unparsableRelayAndAddrValuesAreSkipped() {
    EndpointInfo info = read("relay=not a url", "relay=", "addr=1.2.3.4", "addr=nonsense",
        "addr=1_ghij", "addr=1.2.3.4:5", "relay=https://ok.example./", "addr=1_a1b2");
    assertThat(info.addrs()).extracting(TransportAddr::value)
        .containsExactly("https://ok.example./", "1.2.3.4:5", "1_a1b2");
  }

  @Test
  void onlyTheFirstUserDataCountsAndOversizedIsDropped() {
    assertThat(read("user-data=one", "user-data=two").userData()).contains(UserData.of("one"));
    String big = "x".repeat(246);
    assertThat(read("user-data=" + big, "user-data=two").userData()).isEmpty();
    assertThat(read("user-data=" + "x".repeat(245)).userData()).isPresent();
    assertThat(read("user-data=").userData()).contains(UserData.of(""));
  }

  @Test
  void relaysComeFirstAndDuplicatesGo() {
    EndpointInfo info = read("addr=1.2.3.4:5", "relay=https://a.example", "addr=[::1]:7",
        "addr=1.2.3.4:5", "relay=https://a.example/", "relay=https://b.example");
    assertThat(info.addrs()).extracting(TransportAddr::value).containsExactly(
        "https://a.example/", "https://b.example/", "1.2.3.4:5", "[::1]:7");
  }

  @Test
  void userDataLimits() {
    assertThat(UserData.of("é".repeat(122)).value()).hasSize(122);
    assertThatThrownBy(() -> UserData.of("é".repeat(123)))
        .isInstanceOf(InvalidInputException.class).hasMessageContaining("246 bytes");
    assertThat(UserData.of("abc")).isEqualTo(UserData.of("abc")).hasToString("abc");
  }

  @Test
  void writesOneAttributePerStringInPublishOrder() {
    EndpointInfo info = EndpointInfo.of(ID, List.of(
            TransportAddr.ip("10.0.0.1:1"),
            new TransportAddr.Custom(CustomAddr.of(42, new byte[] {(byte) 0xab})),
            TransportAddr.relay("https://r1.example"),
            TransportAddr.ip("[2001:db8::1]:5678"),
            TransportAddr.relay("https://r2.example")),
        UserData.of("hello"));
    assertThat(IrohTxt.toTxtStrings(info)).containsExactly(
        "relay=https://r1.example/", "relay=https://r2.example/",
        "addr=10.0.0.1:1", "addr=2a_ab", "addr=[2001:db8::1]:5678", "user-data=hello");

    SignedPacket p = IrohTxt.toSignedPacket(info, SECRET, 30, 5);
    assertThat(p.records()).hasSize(6).allSatisfy(r -> {
      assertThat(r.getName().toString()).isEqualTo("_iroh." + Z + ".");
      assertThat(((TXTRecord) r).getStrings()).hasSize(1);
      assertThat(r.getTTL()).isEqualTo(30);
    });
  }

  @Test
  void customAddrsRoundTripAsInIroh() {
    EndpointInfo info = EndpointInfo.of(ID, List.of(
            TransportAddr.relay("https://example.com"),
            TransportAddr.ip("127.0.0.1:1234"),
            new TransportAddr.Custom(CustomAddr.of(1, HexFormat.of().parseHex("a1b2c3d4e5f6"))),
            new TransportAddr.Custom(CustomAddr.of(42, new byte[32]))),
        UserData.of("foobar"));
    SignedPacket p = IrohTxt.toSignedPacket(info, SECRET, 30, 1);
    assertThat(IrohTxt.fromSignedPacket(SignedPacket.fromBytes(p.toBytes()))).isEqualTo(info);
    assertThat(IrohTxt.toTxtStrings(info)).contains("addr=1_a1b2c3d4e5f6", "addr=2a_" + "00".repeat(32));
  }

  @Test
  void writingRefusesAForeignKeyAndOverlongAttributes() {
    EndpointInfo info = EndpointInfo.of(ID, TransportAddr.ip("1.2.3.4:5"));
    assertThatThrownBy(() -> IrohTxt.toSignedPacket(info, key(2), 30, 1))
        .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("cannot sign");
    EndpointInfo longRelay = EndpointInfo.of(ID, TransportAddr.relay("https://" + "a".repeat(60) + "."
        + "b".repeat(60) + "." + "c".repeat(60) + "." + "d".repeat(60) + ".example/"));
    assertThatThrownBy(() -> IrohTxt.toTxtStrings(longRelay))
        .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("relay attribute is");
    EndpointInfo many = EndpointInfo.of(ID);
    for (int i = 0; i < 60; i++) {
      many = many.withAddrs(TransportAddr.ip("10.0.0." + i + ":4433"));
    }
    EndpointInfo tooMany = many;
    assertThatThrownBy(() -> IrohTxt.toSignedPacket(tooMany, SECRET, 30, 1))
        .isInstanceOf(InvalidPacketException.class).hasMessageContaining("at most 1000");
  }

  @Test
  void pkarrPathReadsOnlyExactOwnerTxtRecords() throws Exception {
    Name iroh = Name.fromString("_iroh." + Z + ".");
    List<Record> records = List.of(
        txt(iroh, "relay=https://r.example"),
        txt(iroh, "add", "r=1.2.3.4:5"), // strings of one record are concatenated
        txt(Name.fromString(Z + "."), "junk"), // other names are ignored ...
        txt(Name.fromString("_iroh.sub." + Z + "."), "junk"),
        txt(Name.fromString("_IROH." + Z + "."), "junk"), // ... including a case variant
        txt(Name.fromString("x._iroh." + Z + "."), "junk"),
        txt(Name.fromString("_iroh." + key(2).publicKey().toZ32() + "."), "junk"),
        Record.newRecord(iroh, Type.A, DClass.IN, 30, new byte[] {9, 9, 9, 9}), // other types too
        // not UTF-8: skipped, as simple-dns's TXT-to-String conversion fails
        Record.newRecord(iroh, Type.TXT, DClass.IN, 30, new byte[] {3, 'a', (byte) 0xff, '='}));
    // Uncompressed, so the case variant keeps its case (a compressor may fold it).
    SignedPacket p = SignedPacket.signDns(SECRET, 1, uncompressed(records));

    EndpointInfo info = IrohTxt.fromSignedPacket(SignedPacket.fromBytes(p.toBytes()));

    assertThat(info.endpointId()).isEqualTo(ID);
    assertThat(info.addrs()).extracting(TransportAddr::value)
        .containsExactly("https://r.example/", "1.2.3.4:5");
  }

  private static Record txt(Name name, String... strings) {
    return new TXTRecord(name, DClass.IN, 30, List.of(strings));
  }

  private static byte[] uncompressed(List<Record> records) {
    DNSOutput out = new DNSOutput();
    out.writeU16(0);
    out.writeU16(0x8000);
    out.writeU16(0);
    out.writeU16(records.size());
    out.writeU16(0);
    out.writeU16(0);
    for (Record r : records) {
      out.writeByteArray(r.toWire(Section.ANSWER));
    }
    return out.toByteArray();
  }

  @Test
  void pkarrPathWithAnUnknownKeyFails() {
    SignedPacket p = SignedPacket.builder().txt("_iroh", 30, "relay=https://r.example")
        .txt("_iroh", 30, "color=blue").sign(SECRET, 1);
    assertThatThrownBy(() -> IrohTxt.fromSignedPacket(p)).isInstanceOf(InvalidTxtException.class);
  }

  @Test
  void dnsPathTakesTheIdFromTheQueryNameOnly() throws Exception {
    Name q = Name.fromString("_iroh." + Z + ".dns.example.");
    List<Record> answers = List.of(
        new TXTRecord(Name.fromString("elsewhere."), DClass.IN, 30, List.of("addr=1.2.3.4:5")),
        new TXTRecord(q, DClass.IN, 30, List.of("relay=", "https://r.example")));
    EndpointInfo info = IrohTxt.fromDnsAnswer(q, answers);
    assertThat(info.endpointId()).isEqualTo(ID);
    assertThat(info.addrs()).extracting(TransportAddr::value)
        .containsExactly("https://r.example/", "1.2.3.4:5");
    // Invalid UTF-8 is replaced, not skipped, on this path.
    Record bad = Record.newRecord(q, Type.TXT, DClass.IN, 30, new byte[] {4, 'a', 'd', (byte) 0xff, 'r'});
    assertThatThrownBy(() -> IrohTxt.fromDnsAnswer(q, List.of(bad)))
        .isInstanceOf(InvalidTxtException.class).hasMessageContaining("expected format");
  }

  @Test
  void dnsPathRejectsNamesThatAreNotIrohNames() {
    List<Record> none = List.of();
    assertThat(IrohTxt.fromDnsAnswer("_iroh." + Z, none).endpointId()).isEqualTo(ID);
    assertThat(IrohTxt.fromDnsAnswer("_iroh." + Z + ".", none).addrs()).isEmpty();
    assertThatThrownBy(() -> IrohTxt.fromDnsAnswer("_iroh", none))
        .isInstanceOf(InvalidTxtException.class).hasMessageContaining("2 labels");
    assertThatThrownBy(() -> IrohTxt.fromDnsAnswer("_IROH." + Z + ".x.", none))
        .isInstanceOf(InvalidTxtException.class).hasMessageContaining("first label _iroh");
    assertThatThrownBy(() -> IrohTxt.fromDnsAnswer("foo._iroh." + Z + ".", none))
        .isInstanceOf(InvalidTxtException.class);
    assertThatThrownBy(() -> IrohTxt.fromDnsAnswer("_iroh." + Z.toUpperCase() + ".x.", none))
        .isInstanceOf(InvalidTxtException.class).hasMessageContaining("not an endpoint id");
    assertThatThrownBy(() -> IrohTxt.fromDnsAnswer("_iroh." + ID + ".x.", none))
        .isInstanceOf(InvalidTxtException.class);
    // The pkarr invalid-key vector: bad pad bits, and not a curve point either.
    assertThatThrownBy(() -> IrohTxt.fromDnsAnswer(
        "_iroh.c1bkg8tfsyy8wcedtmw4fwhdmm7bbzhgg3z58tf43m5ow8w9mbus.x.", none))
        .isInstanceOf(InvalidTxtException.class);
  }

  @Test
  void endpointInfoKeepsOrderDropsDuplicatesAndConvertsToEndpointAddr() {
    TransportAddr ip = TransportAddr.ip("1.2.3.4:5");
    TransportAddr relay = TransportAddr.relay("https://r.example");
    EndpointInfo info = EndpointInfo.of(ID, ip, relay, ip);
    assertThat(info.addrs()).containsExactly(ip, relay);
    assertThat(info.toEndpointAddr().addrs()).containsExactly(relay, ip);
    assertThat(EndpointInfo.of(info.toEndpointAddr()).addrs()).containsExactly(relay, ip);
    assertThat(info.withUserData(UserData.of("u")).userData()).contains(UserData.of("u"));
    assertThat(info.toString()).contains(ID.fmtShort()).doesNotContain("secret");
    assertThat(info).isEqualTo(EndpointInfo.of(ID, List.of(ip, relay), null)).isNotEqualTo(EndpointInfo.of(ID, relay, ip));
  }
}
