package dev.keyway.dns;

import static dev.keyway.dns.testing.DnsTools.dig;
import static dev.keyway.dns.testing.DnsTools.kdig;
import static org.assertj.core.api.Assertions.assertThat;

import dev.keyway.client.keys.SecretKey;
import dev.keyway.dns.testing.DnsTools.Result;
import dev.keyway.dns.testing.Packets;
import dev.keyway.dns.testing.TestDnsServer;
import java.util.SplittableRandom;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The DNS server through real sockets with the real clients, {@code dig} and {@code kdig}: every
 * RCODE we produce, EDNS, truncation with the TCP retry, letter case, TCP.
 */
class DigTest {
  static TestDnsServer server;
  static int port;
  static String small;
  static String vector;
  static String large;

  @BeforeAll
  static void start() {
    server = TestDnsServer.start();
    port = server.port();
    SplittableRandom random = new SplittableRandom(11);
    SecretKey a = Packets.key(random);
    SecretKey b = Packets.key(random);
    SecretKey c = Packets.key(random);
    server.store.upsert(Packets.iroh(a, 1, "https://relay.example./", "192.0.2.7:4433")).join();
    server.store.upsert(Packets.resolutionPatternPacket(b, 1)).join();
    server.store.upsert(Packets.large(c, 1)).join();
    small = a.publicKey().toZ32();
    vector = b.publicKey().toZ32();
    large = c.publicKey().toZ32();
  }

  @AfterAll
  static void stop() {
    server.close();
  }

  @Test
  void noErrorWithTheTxtRecordsAndAuthority() {
    Result r = dig(port, "_iroh." + small + ".dns.example.", "TXT");
    assertThat(r.status()).isEqualTo("NOERROR");
    assertThat(r.flags()).contains("qr", "aa").doesNotContain("ra", "tc");
    assertThat(r.txt()).containsExactly("relay=https://relay.example./", "addr=192.0.2.7:4433");
    assertThat(r.section("ANSWER")).allSatisfy(l -> assertThat(l).contains(" 30 IN TXT"));
    Result k = kdig(port, "_iroh." + small + ".dns.example.", "TXT");
    assertThat(k.status()).isEqualTo("NOERROR");
    assertThat(k.flags()).contains("qr", "aa");
    assertThat(k.txt()).containsExactly("relay=https://relay.example./", "addr=192.0.2.7:4433");
  }

  @Test
  void everyRecordOfTheVectorPacketResolvesViaTheRootOrigin() {
    for (Packets.VectorRecord rec : Packets.resolutionPattern()) {
      String name = rec.owner(vector) + ".";
      Result r = dig(port, name, rec.type());
      assertThat(r.status()).as(name).isEqualTo("NOERROR");
      if (rec.type().equals("TXT")) {
        assertThat(r.txt()).as(name).containsExactlyInAnyOrderElementsOf(rec.data());
      } else {
        assertThat(r.section("ANSWER")).as(name).singleElement()
            .satisfies(l -> assertThat(l).endsWith(rec.data().get(0)));
      }
    }
  }

  @Test
  void nxdomainAndNodataBothCarryTheSoa() {
    Result nx = dig(port, "missing." + small + ".dns.example.", "TXT");
    assertThat(nx.status()).isEqualTo("NXDOMAIN");
    assertThat(nx.flags()).contains("aa");
    assertThat(nx.section("ANSWER")).isEmpty();
    assertThat(nx.section("AUTHORITY")).singleElement()
        .satisfies(l -> assertThat(l).startsWith("dns.example. 60 IN SOA ns1.dns.example."));
    Result nodata = kdig(port, "_iroh." + small + ".dns.example.", "AAAA");
    assertThat(nodata.status()).isEqualTo("NOERROR");
    assertThat(nodata.section("ANSWER")).isEmpty();
    assertThat(nodata.section("AUTHORITY")).singleElement()
        .satisfies(l -> assertThat(l).contains("SOA"));
    // an unpublished key
    Result noKey = dig(port, "_iroh." + Packets.key(new SplittableRandom(99)).publicKey().toZ32()
        + ".dns.example.", "TXT");
    assertThat(noKey.status()).isEqualTo("NXDOMAIN");
  }

  @Test
  void apexSoaAndNs() {
    Result soa = dig(port, "dns.example.", "SOA");
    assertThat(soa.status()).isEqualTo("NOERROR");
    assertThat(soa.section("ANSWER")).singleElement().satisfies(l -> assertThat(l)
        .contains("SOA ns1.dns.example. hostmaster.dns.example. 7 10800 3600 604800 60"));
    Result ns = kdig(port, "dns.example.", "NS");
    assertThat(ns.section("ANSWER")).singleElement()
        .satisfies(l -> assertThat(l).endsWith("NS ns1.dns.example."));
    assertThat(dig(port, "dns.example.", "A").section("ANSWER")).singleElement()
        .satisfies(l -> assertThat(l).endsWith("192.0.2.1"));
  }

  @Test
  void refusedOutsideOurOriginsAndForZoneTransfers() {
    try (TestDnsServer only = TestDnsServer.start(
        new dev.keyway.dns.answer.ZoneSettings(java.util.List.of("dns.example."),
            dev.keyway.dns.answer.ZoneSettings.DEFAULT_SOA, null, null, null, 1232),
        dev.keyway.dns.udp.RrlSettings.DEFAULT, DnsServer.Listen.DEFAULT_TCP_IDLE)) {
      Result r = dig(only.port(), "example.org.", "A");
      assertThat(r.status()).isEqualTo("REFUSED");
      assertThat(r.flags()).doesNotContain("aa");
    }
    assertThat(dig(port, "+tcp", "dns.example.", "AXFR").output()).containsIgnoringCase("failed");
    assertThat(kdig(port, "+tcp", "dns.example.", "IXFR=1").output()).contains("REFUSED");
  }

  @Test
  void notImplementedForOtherOpcodes() {
    Result r = dig(port, "+opcode=notify", "dns.example.", "SOA");
    assertThat(r.status()).isEqualTo("NOTIMP");
    assertThat(r.output()).contains("opcode: NOTIFY");
  }

  @Test
  void formErrForAQueryWithoutQuestion() {
    Result r = dig(port, "+header-only", "dns.example.");
    assertThat(r.status()).isEqualTo("FORMERR");
  }

  @Test
  void ednsIsEchoedWithOurPayloadSizeAndHigherVersionsGetBadVers() {
    Result r = dig(port, "+bufsize=4096", "_iroh." + small + ".dns.example.", "TXT");
    assertThat(r.output()).containsPattern("EDNS: version: 0, flags:;? udp: 1232");
    Result k = kdig(port, "+edns", "+dnssec", "_iroh." + small + ".dns.example.", "TXT");
    assertThat(k.output()).contains("Version: 0; flags: do; UDP size: 1232 B");
    Result bad = dig(port, "+edns=1", "+noednsnegotiation", "dns.example.", "SOA");
    assertThat(bad.status()).isEqualTo("BADVERS");
    Result none = dig(port, "+noedns", "_iroh." + small + ".dns.example.", "TXT");
    assertThat(none.output()).doesNotContain("OPT PSEUDOSECTION");
    assertThat(none.status()).isEqualTo("NOERROR");
  }

  @Test
  void largeAnswerIsTruncatedOverUdpAndDigRetriesOverTcp() {
    String name = "_iroh." + large + ".dns.example.";
    Result udpOnly = dig(port, "+noedns", "+ignore", name, "TXT");
    assertThat(udpOnly.flags()).contains("tc", "aa");
    assertThat(udpOnly.section("ANSWER")).isEmpty();
    assertThat(udpOnly.section("QUESTION")).singleElement().satisfies(l -> assertThat(l).contains(name));
    Result retried = dig(port, "+noedns", name, "TXT");
    assertThat(retried.output()).contains("Truncated, retrying in TCP mode");
    assertThat(retried.status()).isEqualTo("NOERROR");
    assertThat(retried.txt()).hasSize(6);
    assertThat(retried.output()).contains("(TCP)");
    Result kd = kdig(port, "+noedns", name, "TXT");
    assertThat(kd.output()).containsIgnoringCase("truncated");
  }

  @Test
  void letterCaseOfTheQuestionIsKept() {
    String mixed = "_IrOh." + upperEveryOther(small) + ".DnS.ExAmPlE.";
    Result r = dig(port, mixed, "TXT");
    assertThat(r.status()).isEqualTo("NOERROR");
    assertThat(r.section("QUESTION")).singleElement().satisfies(l -> assertThat(l).startsWith(";" + mixed));
    assertThat(r.section("ANSWER")).allSatisfy(l -> assertThat(l).startsWith(mixed));
    assertThat(r.txt()).hasSize(2);
  }

  static String upperEveryOther(String s) {
    StringBuilder sb = new StringBuilder();
    for (int i = 0; i < s.length(); i++) {
      sb.append(i % 2 == 0 ? Character.toUpperCase(s.charAt(i)) : s.charAt(i));
    }
    return sb.toString();
  }

  @Test
  void tcpAnswersLikeUdp() {
    Result d = dig(port, "+tcp", "_iroh." + small + ".dns.example.", "TXT");
    assertThat(d.status()).isEqualTo("NOERROR");
    assertThat(d.txt()).hasSize(2);
    // several queries over one kept-open connection
    Result k = kdig(port, "+tcp", "+keepopen", "_iroh." + small + ".dns.example.", "TXT",
        "missing." + small + ".dns.example.", "TXT", "dns.example.", "SOA");
    assertThat(k.output()).contains("status: NOERROR", "status: NXDOMAIN");
    assertThat(k.output().split("status: ", -1)).hasSize(4);
  }
}
