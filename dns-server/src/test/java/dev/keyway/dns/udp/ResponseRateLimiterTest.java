package dev.keyway.dns.udp;

import static org.assertj.core.api.Assertions.assertThat;

import dev.keyway.dns.udp.ResponseRateLimiter.Verdict;
import java.net.InetAddress;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;

/** The limiter with a hand-driven clock. */
class ResponseRateLimiterTest {
  final AtomicLong now = new AtomicLong(1_000_000_000L);

  ResponseRateLimiter limiter(int rate, int burst, int slip, boolean exemptLoopback) {
    return new ResponseRateLimiter(
        new RrlSettings(true, rate, burst, slip, 24, 56, exemptLoopback, 64), now::get);
  }

  static InetAddress ip(String s) throws Exception {
    return InetAddress.getByName(s);
  }

  List<Verdict> run(ResponseRateLimiter l, String ip, int n) throws Exception {
    List<Verdict> out = new ArrayList<>();
    for (int i = 0; i < n; i++) {
      out.add(l.check(ip(ip)));
    }
    return out;
  }

  @Test
  void burstThenDropWithEverySecondSlipped() throws Exception {
    ResponseRateLimiter l = limiter(10, 3, 2, true);
    assertThat(run(l, "192.0.2.1", 7)).containsExactly(Verdict.SEND, Verdict.SEND, Verdict.SEND,
        Verdict.DROP, Verdict.SLIP, Verdict.DROP, Verdict.SLIP);
    now.addAndGet(100_000_000L); // one token per 100 ms
    assertThat(l.check(ip("192.0.2.1"))).isEqualTo(Verdict.SEND);
    assertThat(l.check(ip("192.0.2.1"))).isNotEqualTo(Verdict.SEND);
  }

  @Test
  void aNetworkSharesOneBucketAndOtherNetworksAreIndependent() throws Exception {
    ResponseRateLimiter l = limiter(1, 2, 0, true);
    assertThat(l.check(ip("198.51.100.1"))).isEqualTo(Verdict.SEND);
    assertThat(l.check(ip("198.51.100.200"))).isEqualTo(Verdict.SEND);
    assertThat(l.check(ip("198.51.100.7"))).isEqualTo(Verdict.DROP); // same /24, slip 0
    assertThat(l.check(ip("198.51.101.1"))).isEqualTo(Verdict.SEND);
    assertThat(l.check(ip("::ffff:198.51.100.9"))).isEqualTo(Verdict.DROP); // mapped = same /24
    assertThat(l.check(ip("2001:db8:0:1::1"))).isEqualTo(Verdict.SEND);
    assertThat(l.check(ip("2001:db8:0:1:ffff::1"))).isEqualTo(Verdict.SEND);
    assertThat(l.check(ip("2001:db8:0:2::1"))).isEqualTo(Verdict.DROP); // same /56
    assertThat(l.check(ip("2001:db8:1::1"))).isEqualTo(Verdict.SEND);
  }

  @Test
  void loopbackIsExemptOnlyWhenConfigured() throws Exception {
    assertThat(run(limiter(1, 1, 0, true), "127.0.0.1", 100)).containsOnly(Verdict.SEND);
    assertThat(run(limiter(1, 1, 0, true), "::1", 100)).containsOnly(Verdict.SEND);
    assertThat(run(limiter(1, 1, 0, false), "127.0.0.1", 3))
        .containsExactly(Verdict.SEND, Verdict.DROP, Verdict.DROP);
  }

  @Test
  void aFullTableReusesTheStalestSlotAndNeverBlocksNewcomers() throws Exception {
    ResponseRateLimiter l = limiter(1, 1, 0, true);
    for (int i = 0; i < 10_000; i++) {
      now.addAndGet(1000);
      assertThat(l.check(ip("10." + (i >>> 8 & 0xff) + "." + (i & 0xff) + ".1"))).isEqualTo(Verdict.SEND);
    }
  }

  /**
   * As in BIND: within a network, each answer (question name and type) has its own bucket, so a
   * busy resolver's network asking for many names is not held to one budget; NXDOMAIN answers
   * share one, as do errors, so random names gain a flood nothing.
   */
  @Test
  void bucketsAreKeyedByTheResponseWithinANetwork() throws Exception {
    ResponseRateLimiter l = new ResponseRateLimiter(new RrlSettings(true, 1, 1, 0, 24, 56, false, 1024), () -> 0L);
    java.net.InetAddress client = ip("192.0.2.1");
    for (int i = 0; i < 20; i++) {
      byte[] answer = response("n" + i + ".dns.example.", org.xbill.DNS.Rcode.NOERROR);
      assertThat(l.check(client, ResponseRateLimiter.responseKey(answer))).as("name %d", i).isEqualTo(Verdict.SEND);
    }
    // the same name again, in another letter case: the same bucket, already used
    byte[] again = response("N0.DNS.example.", org.xbill.DNS.Rcode.NOERROR);
    assertThat(l.check(client, ResponseRateLimiter.responseKey(again))).isEqualTo(Verdict.DROP);
    byte[] nx1 = response("x1.dns.example.", org.xbill.DNS.Rcode.NXDOMAIN);
    byte[] nx2 = response("x2.dns.example.", org.xbill.DNS.Rcode.NXDOMAIN);
    assertThat(l.check(client, ResponseRateLimiter.responseKey(nx1))).isEqualTo(Verdict.SEND);
    assertThat(l.check(client, ResponseRateLimiter.responseKey(nx2))).isEqualTo(Verdict.DROP);
  }

  /**
   * NODATA answers of one name share a bucket whatever the type (BIND leaves the type out of
   * empty answers): a spoofed flood cycling through types was never limited (found by a review).
   * Answers with records keep one bucket per type.
   */
  @Test
  void noDataAnswersOfOneNameShareABucketWhateverTheType() throws Exception {
    ResponseRateLimiter l = new ResponseRateLimiter(new RrlSettings(true, 1, 1, 0, 24, 56, false, 1024), () -> 0L);
    java.net.InetAddress client = ip("192.0.2.1");
    assertThat(l.check(client, ResponseRateLimiter.responseKey(response("dns.example.", 1000, false))))
        .isEqualTo(Verdict.SEND);
    for (int type = 1001; type < 1010; type++) {
      assertThat(l.check(client, ResponseRateLimiter.responseKey(response("dns.example.", type, false))))
          .as("type %d", type).isEqualTo(Verdict.DROP);
    }
    assertThat(l.check(client, ResponseRateLimiter.responseKey(response("a.dns.example.", org.xbill.DNS.Type.TXT, true))))
        .isEqualTo(Verdict.SEND);
    assertThat(l.check(client, ResponseRateLimiter.responseKey(response("a.dns.example.", org.xbill.DNS.Type.A, true))))
        .isEqualTo(Verdict.SEND);
    assertThat(l.check(client, ResponseRateLimiter.responseKey(response("a.dns.example.", org.xbill.DNS.Type.A, true))))
        .isEqualTo(Verdict.DROP);
  }

  /** A NOERROR response to {@code name}/{@code type}, with one answer record or none. */
  static byte[] response(String name, int type, boolean withAnswer) throws Exception {
    org.xbill.DNS.Name n = org.xbill.DNS.Name.fromString(name);
    org.xbill.DNS.Message m = org.xbill.DNS.Message.newQuery(org.xbill.DNS.Record.newRecord(n, type, org.xbill.DNS.DClass.IN));
    m.getHeader().setFlag(org.xbill.DNS.Flags.QR);
    if (withAnswer) {
      m.addRecord(new org.xbill.DNS.TXTRecord(n, org.xbill.DNS.DClass.IN, 30, "x"), org.xbill.DNS.Section.ANSWER);
    }
    return m.toWire();
  }

  static byte[] response(String name, int rcode) throws Exception {
    org.xbill.DNS.Message m = org.xbill.DNS.Message.newQuery(org.xbill.DNS.Record.newRecord(
        org.xbill.DNS.Name.fromString(name), org.xbill.DNS.Type.TXT, org.xbill.DNS.DClass.IN));
    m.getHeader().setFlag(org.xbill.DNS.Flags.QR);
    m.getHeader().setRcode(rcode);
    return m.toWire();
  }
}
