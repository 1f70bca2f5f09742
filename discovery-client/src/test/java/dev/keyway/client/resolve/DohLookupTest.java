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

  @Test
  void httpErrorIsAResolveException() {
    server.script.add(TestRelay.Scripted.of(500));
    assertThatThrownBy(() -> lookup().lookup(key.publicKey()).get(20, TimeUnit.SECONDS))
        .cause().isInstanceOf(ResolveException.class).hasMessageContaining("HTTP 500");
  }
}
