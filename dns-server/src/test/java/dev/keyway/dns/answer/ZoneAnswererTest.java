package dev.keyway.dns.answer;

import static org.assertj.core.api.Assertions.assertThat;

import dev.keyway.client.keys.SecretKey;
import dev.keyway.client.packet.SignedPacket;
import dev.keyway.client.store.InMemoryPacketStore;
import dev.keyway.client.store.PacketStore;
import dev.keyway.dns.testing.Packets;
import dev.keyway.dns.zone.ZoneCache;
import java.net.Inet4Address;
import java.util.List;
import java.util.SplittableRandom;
import java.util.stream.Collectors;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.xbill.DNS.ARecord;
import org.xbill.DNS.CNAMERecord;
import org.xbill.DNS.DClass;
import org.xbill.DNS.ExtendedFlags;
import org.xbill.DNS.Flags;
import org.xbill.DNS.Message;
import org.xbill.DNS.Name;
import org.xbill.DNS.OPTRecord;
import org.xbill.DNS.Opcode;
import org.xbill.DNS.Rcode;
import org.xbill.DNS.Record;
import org.xbill.DNS.SOARecord;
import org.xbill.DNS.Section;
import org.xbill.DNS.TXTRecord;
import org.xbill.DNS.Type;

/** The answering function on its own (no sockets): every rule of its class comment. */
class ZoneAnswererTest {
  static final String ORIGIN = "dns.example.";
  final SplittableRandom random = new SplittableRandom(4);
  PacketStore store;
  ZoneCache cache;
  ZoneAnswerer answerer;
  SecretKey key;
  String z;

  @BeforeEach
  void setUp() throws Exception {
    store = new InMemoryPacketStore(() -> 1_000_000L);
    cache = new ZoneCache(store);
    answerer = new ZoneAnswerer(new ZoneSettings(List.of(ORIGIN, "."),
        "ns1.dns.example. hostmaster.dns.example. 7 10800 3600 604800 60",
        (Inet4Address) Packets.ip("192.0.2.1"), null, "ns1.dns.example.", 1232), cache);
    key = Packets.key(random);
    z = key.publicKey().toZ32();
  }

  void publish(SignedPacket p) {
    cache.invalidatingStore().upsert(p).join();
  }

  static byte[] query(String name, int type) throws Exception {
    return Message.newQuery(Record.newRecord(Name.fromString(name), type, DClass.IN)).toWire();
  }

  static byte[] ednsQuery(String name, int type, int payload, int version, boolean dnssecOk)
      throws Exception {
    Message m = Message.newQuery(Record.newRecord(Name.fromString(name), type, DClass.IN));
    m.addRecord(new OPTRecord(payload, 0, version, dnssecOk ? ExtendedFlags.DO : 0), Section.ADDITIONAL);
    return m.toWire();
  }

  Message ask(byte[] q, Transport t) throws Exception {
    Answer a = answerer.answer(q, t);
    assertThat(a.wire()).isNotNull();
    return new Message(a.wire());
  }

  Message ask(String name, int type) throws Exception {
    return ask(query(name, type), Transport.UDP);
  }

  static List<String> txt(Message m) {
    return m.getSection(Section.ANSWER).stream()
        .filter(r -> r instanceof TXTRecord)
        .map(r -> String.join("", ((TXTRecord) r).getStrings()))
        .collect(Collectors.toList());
  }

  @Test
  void servesEveryRecordOfTheVectorPacketViaTheRootOrigin() throws Exception {
    publish(Packets.resolutionPatternPacket(key, 1));
    for (Packets.VectorRecord r : Packets.resolutionPattern()) {
      String name = r.owner(z) + ".";
      Message m = ask(name, Type.value(r.type()));
      assertThat(m.getRcode()).as(name).isEqualTo(Rcode.NOERROR);
      assertThat(m.getHeader().getFlag(Flags.AA)).isTrue();
      List<Record> answers = m.getSection(Section.ANSWER);
      assertThat(answers).as(name).isNotEmpty();
      assertThat(answers).allSatisfy(a -> {
        assertThat(a.getName()).isEqualTo(Name.fromString(name));
        assertThat(a.getTTL()).isEqualTo(30);
      });
      if (r.type().equals("TXT")) {
        assertThat(txt(m)).containsExactlyInAnyOrderElementsOf(r.data());
      } else {
        assertThat(answers.get(0).rdataToString()).isEqualTo(Packets.ip(r.data().get(0)).getHostAddress());
      }
    }
  }

  @Test
  void rebasesOntoTheFirstMatchingOrigin() throws Exception {
    publish(Packets.iroh(key, 1, "https://relay.example./", "192.0.2.7:4433"));
    Message m = ask("_iroh." + z + "." + ORIGIN, Type.TXT);
    assertThat(txt(m)).containsExactly("relay=https://relay.example./", "addr=192.0.2.7:4433");
    assertThat(m.getSection(Section.ANSWER).get(0).getName().toString())
        .isEqualTo("_iroh." + z + "." + ORIGIN);
  }

  @Test
  void negativeAnswersCarryTheOriginSoa() throws Exception {
    publish(Packets.resolutionPatternPacket(key, 1));
    // no packet for this key
    String other = Packets.key(random).publicKey().toZ32();
    Message nx = ask("_iroh." + other + "." + ORIGIN, Type.TXT);
    assertThat(nx.getRcode()).isEqualTo(Rcode.NXDOMAIN);
    assertThat(nx.getHeader().getFlag(Flags.AA)).isTrue();
    assertSoa(nx, ORIGIN, 60);
    // key exists, name does not
    Message nxName = ask("nope." + z + "." + ORIGIN, Type.TXT);
    assertThat(nxName.getRcode()).isEqualTo(Rcode.NXDOMAIN);
    assertSoa(nxName, ORIGIN, 60);
    // name exists, type does not: NODATA
    Message nodata = ask("_hello." + z + "." + ORIGIN, Type.AAAA);
    assertThat(nodata.getRcode()).isEqualTo(Rcode.NOERROR);
    assertThat(nodata.getSection(Section.ANSWER)).isEmpty();
    assertSoa(nodata, ORIGIN, 60);
    // empty non-terminal (bar.baz exists only as an ancestor of foo.bar.baz): NODATA
    Message ent = ask("bar.baz." + z + "." + ORIGIN, Type.TXT);
    assertThat(ent.getRcode()).isEqualTo(Rcode.NOERROR);
    assertThat(ent.getSection(Section.ANSWER)).isEmpty();
    // through the root origin the SOA owner is the root
    Message rootNx = ask("nope." + z + ".", Type.TXT);
    assertThat(rootNx.getRcode()).isEqualTo(Rcode.NXDOMAIN);
    assertSoa(rootNx, ".", 60);
    // not a key at all
    assertThat(ask("_iroh.notakey." + ORIGIN, Type.TXT).getRcode()).isEqualTo(Rcode.NXDOMAIN);
  }

  static void assertSoa(Message m, String owner, long ttl) throws Exception {
    List<Record> auth = m.getSection(Section.AUTHORITY);
    assertThat(auth).hasSize(1);
    assertThat(auth.get(0)).isInstanceOf(SOARecord.class);
    assertThat(auth.get(0).getName()).isEqualTo(Name.fromString(owner));
    assertThat(auth.get(0).getTTL()).isEqualTo(ttl);
    assertThat(((SOARecord) auth.get(0)).getSerial()).isEqualTo(7);
  }

  @Test
  void apexRecordsAndQueriesForThem() throws Exception {
    Message soa = ask(ORIGIN, Type.SOA);
    assertThat(soa.getRcode()).isEqualTo(Rcode.NOERROR);
    assertThat(soa.getSection(Section.ANSWER)).singleElement().isInstanceOf(SOARecord.class);
    assertThat(ask(ORIGIN, Type.NS).getSection(Section.ANSWER).get(0).rdataToString())
        .isEqualTo("ns1.dns.example.");
    assertThat(((ARecord) ask(ORIGIN, Type.A).getSection(Section.ANSWER).get(0)).getAddress())
        .isEqualTo(Packets.ip("192.0.2.1"));
    Message aaaa = ask(ORIGIN, Type.AAAA); // not configured: NODATA
    assertThat(aaaa.getRcode()).isEqualTo(Rcode.NOERROR);
    assertThat(aaaa.getSection(Section.ANSWER)).isEmpty();
    assertSoa(aaaa, ORIGIN, 60);
    assertThat(ask(".", Type.SOA).getSection(Section.ANSWER)).hasSize(1);
    Message any = ask(ORIGIN, Type.ANY);
    assertThat(any.getSection(Section.ANSWER)).singleElement().isInstanceOf(SOARecord.class);
  }

  @Test
  void refusesOutsideOurOriginsAndZoneTransfers() throws Exception {
    ZoneAnswerer only = new ZoneAnswerer(new ZoneSettings(List.of(ORIGIN),
        ZoneSettings.DEFAULT_SOA, null, null, null, 1232), cache);
    Answer a = only.answer(query("example.org.", Type.A), Transport.UDP);
    Message m = new Message(a.wire());
    assertThat(m.getRcode()).isEqualTo(Rcode.REFUSED);
    assertThat(m.getHeader().getFlag(Flags.AA)).isFalse();
    assertThat(m.getQuestion().getName().toString()).isEqualTo("example.org.");
    assertThat(ask(ORIGIN, Type.AXFR).getRcode()).isEqualTo(Rcode.REFUSED);
    assertThat(ask(ORIGIN, Type.IXFR).getRcode()).isEqualTo(Rcode.REFUSED);
    Message ch = Message.newQuery(Record.newRecord(Name.fromString(ORIGIN), Type.TXT, DClass.CH));
    assertThat(ask(ch.toWire(), Transport.UDP).getRcode()).isEqualTo(Rcode.REFUSED);
  }

  /**
   * A refusal says why to an EDNS query, in an Extended DNS Error (RFC 8914), as NSD, Knot and
   * BIND do; without EDNS there is no OPT to carry it.
   */
  @Test
  void refusalsCarryAnExtendedDnsErrorWhenTheQueryHasEdns() throws Exception {
    ZoneAnswerer only = new ZoneAnswerer(new ZoneSettings(List.of(ORIGIN),
        ZoneSettings.DEFAULT_SOA, null, null, null, 1232), cache);
    record Case(String name, int type, int dclass, int ede) {}
    for (Case c : List.of(new Case("example.org.", Type.A, DClass.IN, 20),
        new Case(ORIGIN, Type.TXT, DClass.CH, 21),
        new Case(ORIGIN, Type.AXFR, DClass.IN, 18),
        new Case(ORIGIN, Type.IXFR, DClass.IN, 18))) {
      Message q = Message.newQuery(Record.newRecord(Name.fromString(c.name()), c.type(), c.dclass()));
      q.addRecord(new OPTRecord(1232, 0, 0), Section.ADDITIONAL);
      for (Transport t : List.of(Transport.UDP, Transport.TCP)) {
        Message m = new Message(only.answer(q.toWire(), t).wire());
        assertThat(m.getRcode()).isEqualTo(Rcode.REFUSED);
        List<org.xbill.DNS.EDNSOption> options = m.getOPT().getOptions();
        assertThat(options).as(c + " " + t).singleElement().satisfies(o -> {
          assertThat(o.getCode()).isEqualTo(15);
          assertThat(((org.xbill.DNS.ExtendedErrorCodeOption) o).getErrorCode()).isEqualTo(c.ede());
        });
      }
      Message plain = Message.newQuery(Record.newRecord(Name.fromString(c.name()), c.type(), c.dclass()));
      assertThat(new Message(only.answer(plain.toWire(), Transport.UDP).wire()).getOPT()).isNull();
    }
    // answers other than refusals carry no option
    Message q = Message.newQuery(Record.newRecord(Name.fromString(ORIGIN), Type.SOA, DClass.IN));
    q.addRecord(new OPTRecord(1232, 0, 0), Section.ADDITIONAL);
    assertThat(new Message(only.answer(q.toWire(), Transport.UDP).wire()).getOPT().getOptions()).isEmpty();
  }

  @Test
  void namesBetweenTwoOriginsAreEmptyNonTerminals() throws Exception {
    // "example." lies under the root origin and above dns.example.: it exists (RFC 8020: an
    // NXDOMAIN there would deny dns.example. and everything under it to a caching resolver).
    for (String name : List.of("example.", "EXample.")) {
      Message ent = ask(name, Type.A);
      assertThat(ent.getRcode()).as(name).isEqualTo(Rcode.NOERROR);
      assertThat(ent.getHeader().getFlag(Flags.AA)).isTrue();
      assertThat(ent.getSection(Section.ANSWER)).isEmpty();
      assertSoa(ent, ".", 60);
    }
    // neighbours of the path to the nested origin do not exist
    assertThat(ask("other.", Type.A).getRcode()).isEqualTo(Rcode.NXDOMAIN);
    assertThat(ask("xample.", Type.A).getRcode()).isEqualTo(Rcode.NXDOMAIN);
    assertThat(ask("ns.example.", Type.A).getRcode()).isEqualTo(Rcode.NXDOMAIN);
    // deeper nesting: every label between the two origins is an empty non-terminal
    ZoneAnswerer deep = new ZoneAnswerer(new ZoneSettings(List.of("a.b.c.example.", "example."),
        ZoneSettings.DEFAULT_SOA, null, null, null, 1232), cache);
    for (String name : List.of("c.example.", "b.c.example.")) {
      Message m = new Message(deep.answer(query(name, Type.TXT), Transport.UDP).wire());
      assertThat(m.getRcode()).as(name).isEqualTo(Rcode.NOERROR);
      assertThat(m.getSection(Section.ANSWER)).isEmpty();
    }
    Message beside = new Message(deep.answer(query("x.c.example.", Type.TXT), Transport.UDP).wire());
    assertThat(beside.getRcode()).isEqualTo(Rcode.NXDOMAIN);
  }

  @Test
  void aNameEqualToALaterOriginIsItsApex() throws Exception {
    // "." listed first matches every name; dns.example. is still an apex, not a bad key label
    ZoneAnswerer rootFirst = new ZoneAnswerer(new ZoneSettings(List.of(".", ORIGIN),
        "ns1.dns.example. hostmaster.dns.example. 7 10800 3600 604800 60",
        (Inet4Address) Packets.ip("192.0.2.1"), null, "ns1.dns.example.", 1232), cache);
    Message soa = new Message(rootFirst.answer(query(ORIGIN, Type.SOA), Transport.UDP).wire());
    assertThat(soa.getRcode()).isEqualTo(Rcode.NOERROR);
    assertThat(soa.getSection(Section.ANSWER)).singleElement().isInstanceOf(SOARecord.class);
    assertThat(soa.getSection(Section.ANSWER).get(0).getName().toString()).isEqualTo(ORIGIN);
    Message ns = new Message(rootFirst.answer(query(ORIGIN, Type.NS), Transport.UDP).wire());
    assertThat(ns.getSection(Section.ANSWER).get(0).rdataToString()).isEqualTo("ns1.dns.example.");
  }

  /** A delegation to ns1.<origin> must find an address there (RFC 1034 §4.2.2), or it goes lame. */
  @Test
  void anNsHostInsideTheZoneHasTheApexAddresses() throws Exception {
    Message a = ask("NS1.dns.example.", Type.A);
    assertThat(a.getRcode()).isEqualTo(Rcode.NOERROR);
    assertThat(a.getHeader().getFlag(Flags.AA)).isTrue();
    assertThat(a.getSection(Section.ANSWER)).singleElement().satisfies(r -> {
      assertThat(r.getName().toString()).isEqualTo("NS1.dns.example.");
      assertThat(((ARecord) r).getAddress()).isEqualTo(Packets.ip("192.0.2.1"));
      assertThat(r.getTTL()).isEqualTo(3600);
    });
    assertThat(ask("ns1.dns.example.", Type.ANY).getSection(Section.ANSWER)).singleElement()
        .isInstanceOf(ARecord.class);
    for (int type : new int[] {Type.AAAA, Type.TXT}) { // no AAAA configured
      Message nodata = ask("ns1.dns.example.", type);
      assertThat(nodata.getRcode()).isEqualTo(Rcode.NOERROR);
      assertThat(nodata.getSection(Section.ANSWER)).isEmpty();
      assertSoa(nodata, ORIGIN, 60);
    }
    assertThat(ask("ns2.dns.example.", Type.A).getRcode()).isEqualTo(Rcode.NXDOMAIN);
    assertThat(ask("x.ns1.dns.example.", Type.A).getRcode()).isEqualTo(Rcode.NXDOMAIN);
    // an NS host outside our zones gets nothing from us
    ZoneAnswerer outside = new ZoneAnswerer(new ZoneSettings(List.of(ORIGIN),
        "ns1.dns.example. hostmaster.dns.example. 7 10800 3600 604800 60",
        (Inet4Address) Packets.ip("192.0.2.1"), null, "ns.other.example.", 1232), cache);
    assertThat(new Message(outside.answer(query("ns.other.example.", Type.A), Transport.UDP).wire())
        .getRcode()).isEqualTo(Rcode.REFUSED);
    assertThat(new Message(outside.answer(query("ns1.dns.example.", Type.A), Transport.UDP).wire())
        .getRcode()).isEqualTo(Rcode.NXDOMAIN);
  }

  /**
   * The apex NS answer carries the in-zone NS host's addresses as additional data, as NSD and
   * BIND do (RFC 1034 §4.3.2 step 6), so a resolver need not ask for them; left out, never
   * truncating, when they do not fit. An NS host outside our zones gets none.
   */
  @Test
  void theApexNsAnswerCarriesTheInZoneNsHostsAddresses() throws Exception {
    ZoneAnswerer both = new ZoneAnswerer(new ZoneSettings(List.of(ORIGIN),
        "ns1.dns.example. hostmaster.dns.example. 7 10800 3600 604800 60",
        (Inet4Address) Packets.ip("192.0.2.1"), (java.net.Inet6Address) Packets.ip("2001:db8::1"),
        "ns1.dns.example.", 1232), cache);
    for (Transport t : List.of(Transport.UDP, Transport.TCP)) {
      Message m = new Message(both.answer(query("DNS.example.", Type.NS), t).wire());
      assertThat(m.getHeader().getFlag(Flags.TC)).isFalse();
      assertThat(m.getSection(Section.ANSWER)).singleElement().isInstanceOf(org.xbill.DNS.NSRecord.class);
      assertThat(m.getSection(Section.ADDITIONAL)).extracting(r -> r.getName() + " " + r.getTTL() + " "
              + r.rdataToString())
          .containsExactlyInAnyOrder("ns1.dns.example. 3600 192.0.2.1", "ns1.dns.example. 3600 2001:db8:0:0:0:0:0:1");
    }
    // with EDNS, the OPT comes along
    Message withOpt = Message.newQuery(Record.newRecord(Name.fromString(ORIGIN), Type.NS, DClass.IN));
    withOpt.addRecord(new OPTRecord(1232, 0, 0), Section.ADDITIONAL);
    Message m = new Message(both.answer(withOpt.toWire(), Transport.UDP).wire());
    assertThat(m.getSection(Section.ADDITIONAL)).hasSize(3); // dnsjava lists the OPT there too
    assertThat(m.getOPT()).isNotNull();
    // the default zone has an A only
    assertThat(ask(ORIGIN, Type.NS).getSection(Section.ADDITIONAL)).singleElement()
        .isInstanceOf(ARecord.class);
    // an NS host outside the zone: nothing
    ZoneAnswerer outside = new ZoneAnswerer(new ZoneSettings(List.of(ORIGIN),
        "ns1.dns.example. hostmaster.dns.example. 7 10800 3600 604800 60",
        (Inet4Address) Packets.ip("192.0.2.1"), null, "ns.other.example.", 1232), cache);
    assertThat(new Message(outside.answer(query(ORIGIN, Type.NS), Transport.UDP).wire())
        .getSection(Section.ADDITIONAL)).isEmpty();
    // without room (a 512-byte answer to a long origin's NS), the addresses are left out, no TC
    // (origin 200 bytes on the wire, host 250: 478 bytes without the addresses, 522 with them)
    String longOrigin = "a".repeat(60) + "." + "b".repeat(60) + "." + "c".repeat(60) + "." + "d".repeat(15) + ".";
    String host = "e".repeat(49) + "." + longOrigin;
    ZoneAnswerer tight = new ZoneAnswerer(new ZoneSettings(List.of(longOrigin),
        host + " hostmaster." + longOrigin + " 7 10800 3600 604800 60",
        (Inet4Address) Packets.ip("192.0.2.1"), (java.net.Inet6Address) Packets.ip("2001:db8::1"), host, 1232), cache);
    Message small = new Message(tight.answer(query(longOrigin, Type.NS), Transport.UDP).wire());
    assertThat(small.getHeader().getFlag(Flags.TC)).isFalse();
    assertThat(small.getSection(Section.ANSWER)).hasSize(1);
    assertThat(small.getSection(Section.ADDITIONAL)).isEmpty();
    assertThat(new Message(tight.answer(query(longOrigin, Type.NS), Transport.TCP).wire())
        .getSection(Section.ADDITIONAL)).hasSize(2);
  }

  /**
   * The names between the origin and an NS host deeper in the zone exist (empty non-terminals):
   * NODATA, not NXDOMAIN, which RFC 8020 resolvers would extend to the NS host itself.
   */
  @Test
  void theAncestorsOfADeepNsHostAreEmptyNonTerminals() throws Exception {
    ZoneAnswerer deep = new ZoneAnswerer(new ZoneSettings(List.of(ORIGIN),
        "ns1.a.b.dns.example. hostmaster.dns.example. 7 10800 3600 604800 60",
        (Inet4Address) Packets.ip("192.0.2.1"), null, "ns1.a.b.dns.example.", 1232), cache);
    for (String name : new String[] {"b.dns.example.", "A.b.dns.example."}) {
      Message m = new Message(deep.answer(query(name, Type.A), Transport.UDP).wire());
      assertThat(m.getRcode()).as(name).isEqualTo(Rcode.NOERROR);
      assertThat(m.getSection(Section.ANSWER)).as(name).isEmpty();
      assertThat(m.getHeader().getFlag(Flags.AA)).as(name).isTrue();
      assertSoa(m, ORIGIN, 60);
    }
    Message host = new Message(deep.answer(query("ns1.a.b.dns.example.", Type.A), Transport.UDP).wire());
    assertThat(host.getSection(Section.ANSWER)).singleElement().isInstanceOf(ARecord.class);
    assertThat(new Message(deep.answer(query("c.b.dns.example.", Type.A), Transport.UDP).wire())
        .getRcode()).isEqualTo(Rcode.NXDOMAIN);
  }

  @Test
  void otherOpcodesAreNotImplemented() throws Exception {
    Message m = Message.newQuery(Record.newRecord(Name.fromString(ORIGIN), Type.SOA, DClass.IN));
    m.getHeader().setOpcode(Opcode.NOTIFY);
    Message r = ask(m.toWire(), Transport.UDP);
    assertThat(r.getRcode()).isEqualTo(Rcode.NOTIMP);
    assertThat(r.getHeader().getOpcode()).isEqualTo(Opcode.NOTIFY);
    assertThat(r.getHeader().getID()).isEqualTo(m.getHeader().getID());
    Message update = new Message();
    update.getHeader().setOpcode(Opcode.UPDATE);
    assertThat(ask(update.toWire(), Transport.UDP).getRcode()).isEqualTo(Rcode.NOTIMP);
  }

  @Test
  void malformedQueriesGetFormErrNeverAnException() throws Exception {
    byte[] good = query("_iroh." + z + "." + ORIGIN, Type.TXT);
    // every truncation of a valid query
    for (int n = 0; n < good.length; n++) {
      Answer a = answerer.answer(java.util.Arrays.copyOf(good, n), Transport.UDP);
      if (n < 12) {
        assertThat(a.status()).as("length " + n + ": not even a header").isEqualTo(Status.DROPPED);
      } else {
        assertThat(a.status()).as("length " + n).isEqualTo(Status.FORMERR);
        assertThat(new Message(a.wire()).getRcode()).isEqualTo(Rcode.FORMERR);
      }
    }
    // two questions
    Message two = Message.newQuery(Record.newRecord(Name.fromString(ORIGIN), Type.A, DClass.IN));
    two.addRecord(Record.newRecord(Name.fromString(ORIGIN), Type.NS, DClass.IN), Section.QUESTION);
    assertThat(ask(two.toWire(), Transport.UDP).getRcode()).isEqualTo(Rcode.FORMERR);
    // two OPT records
    Message twoOpt = Message.newQuery(Record.newRecord(Name.fromString(ORIGIN), Type.A, DClass.IN));
    twoOpt.addRecord(new OPTRecord(1232, 0, 0), Section.ADDITIONAL);
    byte[] w = twoOpt.toWire();
    byte[] opt = java.util.Arrays.copyOfRange(w, w.length - 11, w.length);
    byte[] dup = java.util.Arrays.copyOf(w, w.length + 11);
    System.arraycopy(opt, 0, dup, w.length, 11);
    dup[11] = 2;
    assertThat(ask(dup, Transport.UDP).getRcode()).isEqualTo(Rcode.FORMERR);
    // an OPT record in the authority section (the one OPT of the message)
    byte[] inAuthority = java.util.Arrays.copyOf(w, w.length);
    inAuthority[9] = 1; // NSCOUNT
    inAuthority[11] = 0; // ARCOUNT
    assertThat(ask(inAuthority, Transport.UDP).getRcode()).isEqualTo(Rcode.FORMERR);
    // a compression pointer in the question
    byte[] ptr = java.util.Arrays.copyOf(good, good.length);
    ptr[12] = (byte) 0xC0;
    assertThat(ask(ptr, Transport.UDP).getRcode()).isEqualTo(Rcode.FORMERR);
    // QTYPE OPT
    assertThat(ask(ORIGIN, Type.OPT).getRcode()).isEqualTo(Rcode.FORMERR);
    // bytes after the last record (found by fuzzing; Knot and BIND answer FORMERR), with and
    // without EDNS
    byte[] trailing = java.util.Arrays.copyOf(good, good.length + 4);
    assertThat(ask(trailing, Transport.UDP).getRcode()).isEqualTo(Rcode.FORMERR);
    Message edns = Message.newQuery(Record.newRecord(Name.fromString(ORIGIN), Type.SOA, DClass.IN));
    edns.addRecord(new OPTRecord(1232, 0, 0), Section.ADDITIONAL);
    byte[] ednsWire = edns.toWire();
    assertThat(ask(ednsWire, Transport.UDP).getRcode()).isEqualTo(Rcode.NOERROR);
    Message answered = ask(java.util.Arrays.copyOf(ednsWire, ednsWire.length + 1), Transport.UDP);
    assertThat(answered.getRcode()).isEqualTo(Rcode.FORMERR);
    assertThat(answered.getOPT()).as("FORMERR to an EDNS query carries OPT").isNotNull();
    // random bytes never throw
    SplittableRandom r = new SplittableRandom(9);
    for (int i = 0; i < 20_000; i++) {
      byte[] junk = new byte[r.nextInt(0, 80)];
      r.nextBytes(junk);
      if (junk.length > 2 && r.nextBoolean()) {
        junk[2] &= 0x7f; // mostly queries
      }
      answerer.answer(junk, Transport.UDP);
    }
  }

  /** RFC 6891 §7: a FORMERR to a query with an OPT record carries one back (else: "no EDNS"). */
  @Test
  void formErrToAnEdnsQueryCarriesOpt() throws Exception {
    byte[] good = ednsQuery(ORIGIN, Type.SOA, 4096, 0, true);
    int opt = good.length - 11; // the OPT record: root name, type, class, ttl, rdlength 0
    // no question, and two questions (the second a copy of the first)
    byte[] none = java.util.Arrays.copyOf(good, 12);
    none = concat(none, java.util.Arrays.copyOfRange(good, opt, good.length));
    none[5] = 0;
    byte[] twoQ = concat(java.util.Arrays.copyOf(good, opt),
        java.util.Arrays.copyOfRange(good, 12, opt), java.util.Arrays.copyOfRange(good, opt, good.length));
    twoQ[5] = 2;
    // an OPT record owned by a name other than the root
    byte[] nonRoot = concat(java.util.Arrays.copyOf(good, opt), new byte[] {1, 'a'},
        java.util.Arrays.copyOfRange(good, opt, good.length));
    // an OPT record whose RDLENGTH runs past the end
    byte[] overrun = good.clone();
    overrun[overrun.length - 1] = 8;
    // options that do not fill the OPT record: one option claiming 100 bytes in 4
    byte[] badOption = concat(good, new byte[] {(byte) 0xfd, (byte) 0xe9, 0, 100});
    badOption[badOption.length - 5] = 4;
    // a 3-byte option header
    byte[] shortOption = concat(good, new byte[] {0, 10, 0});
    shortOption[shortOption.length - 4] = 3;
    for (byte[] q : List.of(none, twoQ, nonRoot, overrun, badOption, shortOption)) {
      Message m = ask(q, Transport.UDP);
      assertThat(m.getRcode()).isEqualTo(Rcode.FORMERR);
      assertThat(m.getOPT()).isNotNull();
      assertThat(m.getOPT().getPayloadSize()).isEqualTo(1232);
      assertThat(m.getOPT().getFlags() & ExtendedFlags.DO).isEqualTo(ExtendedFlags.DO);
    }
    // well-formed options (a cookie, then an empty option) are fine and ignored
    byte[] cookie = concat(good, new byte[] {0, 10, 0, 8, 1, 2, 3, 4, 5, 6, 7, 8, 0, 12, 0, 0});
    cookie[cookie.length - 17] = 16;
    Message ok = ask(cookie, Transport.UDP);
    assertThat(ok.getRcode()).isEqualTo(Rcode.NOERROR);
    assertThat(ok.getSection(Section.ANSWER)).singleElement().isInstanceOf(SOARecord.class);
    assertThat(ok.getOPT().getOptions()).isEmpty();
  }

  static int indexOf(byte[] haystack, byte[] needle) {
    outer:
    for (int i = 0; i + needle.length <= haystack.length; i++) {
      for (int j = 0; j < needle.length; j++) {
        if (haystack[i + j] != needle[j]) {
          continue outer;
        }
      }
      return i;
    }
    throw new AssertionError("not found");
  }

  static byte[] concat(byte[]... parts) {
    java.io.ByteArrayOutputStream out = new java.io.ByteArrayOutputStream();
    for (byte[] p : parts) {
      out.writeBytes(p);
    }
    return out.toByteArray();
  }

  /** RFC 2181 §8: a TTL with the top bit set is served as zero, not as 68 years. */
  @Test
  void aTtlAboveTwoToTheThirtyFirstIsServedAsZero() throws Exception {
    // the builder refuses such a TTL, as it should: set the top bit in the signed bytes directly
    byte[] dns = SignedPacket.builder().txt("hi", 0x7e00_0001L, "x").txt("ok", 0x7fff_ffffL, "y")
        .sign(key, 1).dnsBytes();
    int ttl = indexOf(dns, new byte[] {0x7e, 0, 0, 1});
    dns[ttl] = (byte) 0x80;
    publish(SignedPacket.signDns(key, 2, dns));
    assertThat(ask("hi." + z + "." + ORIGIN, Type.TXT).getSection(Section.ANSWER))
        .singleElement().extracting(Record::getTTL).isEqualTo(0L);
    assertThat(ask("ok." + z + "." + ORIGIN, Type.TXT).getSection(Section.ANSWER))
        .singleElement().extracting(Record::getTTL).isEqualTo(0x7fff_ffffL);
  }

  @Test
  void responsesAreNeverAnswered() throws Exception {
    byte[] q = query(ORIGIN, Type.SOA);
    q[2] |= (byte) 0x80;
    assertThat(answerer.answer(q, Transport.UDP).wire()).isNull();
    // nor a runt shorter than a header, whatever it says: not a DNS message (NSD and hickory
    // drop it too; a FORMERR would be larger than the datagram, sent to whatever source it claims)
    assertThat(answerer.answer(new byte[] {0x12, 0x34, (byte) 0x81, 0x00, 0x00}, Transport.UDP).wire()).isNull();
    assertThat(answerer.answer(new byte[] {0x12, 0x34, 0x01, 0x00, 0x00}, Transport.UDP).wire()).isNull();
    assertThat(answerer.answer(java.util.Arrays.copyOf(q, 11), Transport.UDP).wire()).isNull();
  }

  /** RFC 1034 §3.7.1: an answer to QCLASS * is never authoritative (NSD agrees); IN is. */
  @Test
  void answersToClassAnyAreNotAuthoritative() throws Exception {
    for (String name : List.of(ORIGIN, "_iroh." + z + "." + ORIGIN, "nothing." + z + "." + ORIGIN)) {
      for (int type : List.of(Type.SOA, Type.TXT)) {
        Message in = Message.newQuery(Record.newRecord(Name.fromString(name), type, DClass.IN));
        Message any = Message.newQuery(Record.newRecord(Name.fromString(name), type, DClass.ANY));
        Message inAnswer = new Message(answerer.answer(in.toWire(), Transport.UDP).wire());
        Message anyAnswer = new Message(answerer.answer(any.toWire(), Transport.UDP).wire());
        assertThat(inAnswer.getHeader().getFlag(Flags.AA)).as(name + " " + type + " IN").isTrue();
        assertThat(anyAnswer.getHeader().getFlag(Flags.AA)).as(name + " " + type + " ANY").isFalse();
        assertThat(anyAnswer.getRcode()).isEqualTo(inAnswer.getRcode());
        assertThat(anyAnswer.getSection(Section.ANSWER)).hasSameSizeAs(inAnswer.getSection(Section.ANSWER));
      }
    }
  }

  /** Meta types in a packet (OPT here) are not data: serving one made the answer malformed. */
  @Test
  void metaTypesInAPacketAreNotServed() throws Exception {
    publish(SignedPacket.builder().txt("o", 30, "data").rdata("o", 30, Type.OPT, new byte[0])
        .sign(key, 1));
    Message m = ask("o." + z + "." + ORIGIN, Type.ANY);
    assertThat(m.getRcode()).isEqualTo(Rcode.NOERROR);
    assertThat(m.getSection(Section.ANSWER)).extracting(Record::getType).containsOnly(Type.TXT);
    assertThat(ask("o." + z + "." + ORIGIN, Type.OPT).getSection(Section.ANSWER)).isEmpty();
  }

  /** RFC 2181 5.2: one TTL per RRset; records published with different TTLs get the smallest. */
  @Test
  void anRRsetIsServedWithOneTtl() throws Exception {
    publish(SignedPacket.builder().txt("multi", 30, "a").txt("multi", 60, "b").sign(key, 1));
    Message m = ask("multi." + z + "." + ORIGIN, Type.TXT);
    assertThat(m.getSection(Section.ANSWER)).hasSize(2).extracting(Record::getTTL).containsOnly(30L);
  }

  @Test
  void ednsIsEchoedAndVersionsAboveZeroGetBadVers() throws Exception {
    publish(Packets.iroh(key, 1, "https://relay.example./", "192.0.2.7:4433"));
    Message m = ask(ednsQuery("_iroh." + z + "." + ORIGIN, Type.TXT, 4096, 0, true), Transport.UDP);
    OPTRecord opt = m.getOPT();
    assertThat(opt).isNotNull();
    assertThat(opt.getPayloadSize()).isEqualTo(1232);
    assertThat(opt.getVersion()).isZero();
    assertThat(opt.getFlags() & ExtendedFlags.DO).isEqualTo(ExtendedFlags.DO);
    assertThat(ask("_iroh." + z + "." + ORIGIN, Type.TXT).getOPT()).isNull();
    Message bad = ask(ednsQuery(ORIGIN, Type.SOA, 1232, 1, false), Transport.UDP);
    assertThat(bad.getRcode()).isEqualTo(Rcode.BADVERS);
    assertThat(bad.getOPT().getVersion()).isZero();
    assertThat(bad.getSection(Section.ANSWER)).isEmpty();
  }

  @Test
  void truncatesOverUdpKeepingTheQuestionAndServesAllOverTcp() throws Exception {
    publish(Packets.large(key, 1));
    String name = "_iroh." + z + "." + ORIGIN;
    Answer udp = answerer.answer(query(name, Type.TXT), Transport.UDP);
    assertThat(udp.truncated()).isTrue();
    Message t = new Message(udp.wire());
    assertThat(t.getHeader().getFlag(Flags.TC)).isTrue();
    assertThat(t.getHeader().getFlag(Flags.AA)).isTrue();
    assertThat(t.getQuestion().getName().toString()).isEqualTo(name);
    assertThat(t.getSection(Section.ANSWER)).isEmpty();
    assertThat(udp.wire().length).isLessThanOrEqualTo(512);
    // with EDNS 1232 it fits
    Answer edns = answerer.answer(ednsQuery(name, Type.TXT, 1232, 0, false), Transport.UDP);
    assertThat(edns.truncated()).isFalse();
    assertThat(edns.wire().length).isGreaterThan(512);
    // a client payload below 512 counts as 512
    Answer small = answerer.answer(ednsQuery(name, Type.TXT, 100, 0, false), Transport.UDP);
    assertThat(small.truncated()).isTrue();
    assertThat(new Message(small.wire()).getOPT()).isNotNull();
    Answer tcp = answerer.answer(query(name, Type.TXT), Transport.TCP);
    assertThat(tcp.truncated()).isFalse();
    assertThat(txt(new Message(tcp.wire()))).hasSize(6);
  }

  @Test
  void questionCaseIsEchoedExactly() throws Exception {
    publish(Packets.iroh(key, 1, "https://relay.example./", "192.0.2.7:4433"));
    String mixed = flipCase("_iroh." + z + "." + ORIGIN);
    byte[] q = query(mixed, Type.TXT);
    Answer a = answerer.answer(q, Transport.UDP);
    assertThat(a.status()).isEqualTo(Status.ANSWER);
    // the question bytes are identical, case included
    int qlen = Name.fromString(mixed).length() + 4;
    assertThat(java.util.Arrays.copyOfRange(a.wire(), 12, 12 + qlen))
        .isEqualTo(java.util.Arrays.copyOfRange(q, 12, 12 + qlen));
    Message m = new Message(a.wire());
    assertThat(m.getSection(Section.ANSWER).get(0).getName().toString()).isEqualTo(mixed);
  }

  static String flipCase(String s) {
    StringBuilder sb = new StringBuilder();
    for (int i = 0; i < s.length(); i++) {
      char c = s.charAt(i);
      sb.append(i % 2 == 0 ? Character.toUpperCase(c) : c);
    }
    return sb.toString();
  }

  @Test
  void anyIsMinimalAndCnameAnswersOtherTypes() throws Exception {
    publish(SignedPacket.builder()
        .txt("_iroh", 30, "relay=https://relay.example./")
        .a("_iroh", 30, (Inet4Address) Packets.ip("192.0.2.9"))
        .cname("www", 60, "target.example.")
        .sign(key, 1));
    Message any = ask("_iroh." + z + "." + ORIGIN, Type.ANY);
    assertThat(any.getSection(Section.ANSWER)).hasSize(1);
    Message viaCname = ask("www." + z + "." + ORIGIN, Type.A);
    assertThat(viaCname.getSection(Section.ANSWER)).singleElement().isInstanceOf(CNAMERecord.class);
    assertThat(((CNAMERecord) viaCname.getSection(Section.ANSWER).get(0)).getTarget().toString())
        .isEqualTo("target.example.");
  }

  @Test
  void publishingIsVisibleToTheNextQuery() throws Exception {
    String name = "_iroh." + z + "." + ORIGIN;
    assertThat(ask(name, Type.TXT).getRcode()).isEqualTo(Rcode.NXDOMAIN); // cached as absent
    publish(Packets.iroh(key, 1, "https://one.example./", "192.0.2.1:1"));
    assertThat(txt(ask(name, Type.TXT))).contains("relay=https://one.example./");
    publish(Packets.iroh(key, 2, "https://two.example./", "192.0.2.2:2"));
    assertThat(txt(ask(name, Type.TXT))).contains("relay=https://two.example./");
    publish(Packets.iroh(key, 1, "https://stale.example./", "192.0.2.3:3")); // older: ignored
    assertThat(txt(ask(name, Type.TXT))).contains("relay=https://two.example./");
  }

  @Test
  void aPacketSignedByOneKeyNeverAnswersForAnother() throws Exception {
    SecretKey other = Packets.key(random);
    String zb = other.publicKey().toZ32();
    // A's packet holds a record whose owner claims B's name; pkarr names are relative to the
    // signer, so the builder puts it under A, and raw DNS bytes naming B are ignored.
    Message dns = new Message(0);
    dns.getHeader().setFlag(Flags.QR);
    dns.addRecord(new TXTRecord(Name.fromString("_iroh." + zb + "."), DClass.IN, 30,
        "relay=https://evil.example./"), Section.ANSWER);
    publish(SignedPacket.signDns(key, 1, dns.toWire()));
    assertThat(ask("_iroh." + zb + "." + ORIGIN, Type.TXT).getRcode()).isEqualTo(Rcode.NXDOMAIN);
    assertThat(ask("_iroh." + zb + ".", Type.TXT).getRcode()).isEqualTo(Rcode.NXDOMAIN);
    assertThat(ask("_iroh." + zb + "." + z + "." + ORIGIN, Type.TXT).getRcode())
        .isEqualTo(Rcode.NXDOMAIN);
  }
}
