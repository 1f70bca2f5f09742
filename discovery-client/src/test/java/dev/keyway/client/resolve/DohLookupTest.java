package dev.keyway.client.resolve;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.keyway.client.keys.SecretKey;
import dev.keyway.client.lookup.ClientRuntime;
import dev.keyway.client.lookup.Fixtures;
import dev.keyway.client.lookup.LookupItem;
import dev.keyway.client.record.EndpointInfo;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

class DohLookupTest {
  private final SecretKey key = Fixtures.key(30);
  private final EndpointInfo info = Fixtures.info(key, "https://relay.example./");
  private TestRelay server;
  private ClientRuntime rt;

  @BeforeEach
  void start() throws Exception {
    server = new TestRelay("/pkarr", "keyway.localhost.");
    rt = ClientRuntime.create();
  }

  @AfterEach
  void stop() {
    rt.close();
    server.close();
  }

  private DohLookup lookup() {
    return DohLookup.builder(rt, server.doh(), "keyway.localhost.").build();
  }

  @Test
  void rfc8484GetFindsTheRecordsAndNxdomainIsNotFound() throws Exception {
    assertThat(lookup().lookup(key.publicKey()).get(20, TimeUnit.SECONDS)).isEmpty();
    server.store.put(key.publicKey(), Fixtures.packet(key, info, 45, 1_700_000_000_000_000L));
    LookupItem item = lookup().lookup(key.publicKey()).get(20, TimeUnit.SECONDS).orElseThrow();
    assertThat(item.provenance()).isEqualTo("doh");
    assertThat(item.endpointInfo()).isEqualTo(info);
    assertThat(item.ttl()).contains(Duration.ofSeconds(45));
    TestRelay.Request req = server.requests.get(1);
    assertThat(req.path()).startsWith("/dns-query?dns=");
    assertThat(req.path().substring(15)).as("base64url without padding").doesNotContain("=", "+", "/");
    assertThat(req.headers().getFirst("Accept")).isEqualTo("application/dns-message");
  }

  /** A DNS response with {@code question} and one TXT per iroh string of {@code info} at {@code owner}. */
  static byte[] response(org.xbill.DNS.Name question, org.xbill.DNS.Name owner, EndpointInfo info) {
    org.xbill.DNS.Message m = DnsAnswers.query(question, 0, false);
    m.getHeader().setFlag(org.xbill.DNS.Flags.QR);
    for (String txt : dev.keyway.client.record.IrohTxt.toTxtStrings(info)) {
      m.addRecord(new org.xbill.DNS.TXTRecord(owner, org.xbill.DNS.DClass.IN, 30, txt),
          org.xbill.DNS.Section.ANSWER);
    }
    return m.toWire();
  }

  @Test
  void anAnswerToAnotherQuestionAndRecordsOfAnotherNameAreNotTaken() throws Exception {
    org.xbill.DNS.Name origin = org.xbill.DNS.Name.fromString("keyway.localhost.");
    SecretKey other = Fixtures.key(31);
    org.xbill.DNS.Name ours = DnsAnswers.queryName(key.publicKey(), origin);
    org.xbill.DNS.Name theirs = DnsAnswers.queryName(other.publicKey(), origin);
    EndpointInfo elsewhere = Fixtures.info(other, "https://someone-else.example./");
    java.util.Map<String, String> type = java.util.Map.of("Content-Type", "application/dns-message");
    server.script.add(new TestRelay.Scripted(200, type, response(theirs, theirs, elsewhere)));
    assertThatThrownBy(() -> lookup().lookup(key.publicKey()).get(20, TimeUnit.SECONDS))
        .cause().isInstanceOf(ResolveException.class).hasMessageContaining("another question");
    // our question, another name's records in the answer: nothing for us (NODATA)
    server.script.add(new TestRelay.Scripted(200, type, response(ours, theirs, elsewhere)));
    assertThat(lookup().lookup(key.publicKey()).get(20, TimeUnit.SECONDS)).isEmpty();
    // and the right records are taken, also at the end of a CNAME chain
    org.xbill.DNS.Name alias = org.xbill.DNS.Name.fromString("alias.example.");
    org.xbill.DNS.Message chained = org.xbill.DNS.Message.newQuery(
        org.xbill.DNS.Record.newRecord(ours, org.xbill.DNS.Type.TXT, org.xbill.DNS.DClass.IN));
    chained.getHeader().setID(0);
    chained.getHeader().setFlag(org.xbill.DNS.Flags.QR);
    chained.addRecord(new org.xbill.DNS.CNAMERecord(ours, org.xbill.DNS.DClass.IN, 30, alias),
        org.xbill.DNS.Section.ANSWER);
    for (String txt : dev.keyway.client.record.IrohTxt.toTxtStrings(info)) {
      chained.addRecord(new org.xbill.DNS.TXTRecord(alias, org.xbill.DNS.DClass.IN, 30, txt),
          org.xbill.DNS.Section.ANSWER);
    }
    server.script.add(new TestRelay.Scripted(200, type, chained.toWire()));
    assertThat(lookup().lookup(key.publicKey()).get(20, TimeUnit.SECONDS).orElseThrow().endpointInfo())
        .isEqualTo(info);
  }

  @Test
  void httpErrorIsAResolveException() {
    server.script.add(TestRelay.Scripted.of(500));
    assertThatThrownBy(() -> lookup().lookup(key.publicKey()).get(20, TimeUnit.SECONDS))
        .cause().isInstanceOf(ResolveException.class).hasMessageContaining("HTTP 500");
  }
}
