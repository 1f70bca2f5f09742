package dev.keyway.client.lookup;

import static org.assertj.core.api.Assertions.assertThat;

import dev.keyway.client.keys.PublicKey;
import dev.keyway.client.keys.SecretKey;
import dev.keyway.client.record.EndpointInfo;
import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.Test;

class ConcurrentLookupTest {
  private final SecretKey key = Fixtures.key(6);
  private final EndpointInfo info = Fixtures.info(key, "https://relay.example/");

  @Test
  void oneSourceDownOthersStillAnswer() throws Exception {
    ResolverTest.Scripted down = new ResolverTest.Scripted("dns");
    ResolverTest.Scripted up = new ResolverTest.Scripted("pkarr");
    ConcurrentLookup c = ConcurrentLookup.of(down, up);
    LookupStream s = c.resolve(key.publicKey());
    down.calls.get(0).completeExceptionally(new IOException("connection refused"));
    up.calls.get(0).complete(Optional.of(LookupItem.of(info, "pkarr")));
    assertThat(s.first().get().orElseThrow().provenance()).isEqualTo("pkarr");
    LookupSummary sum = s.done().get();
    assertThat(sum.outcomes()).extracting(SourceOutcome::status)
        .containsExactly(SourceOutcome.Status.FAILED, SourceOutcome.Status.FOUND);
  }

  @Test
  void slowSourceDoesNotDelayTheFirstResultAndIsMergedLater() throws Exception {
    ResolverTest.Scripted slow = new ResolverTest.Scripted("dns");
    ResolverTest.Scripted fast = new ResolverTest.Scripted("pkarr");
    LookupStream s = ConcurrentLookup.of(slow, fast).resolve(key.publicKey());
    fast.calls.get(0).complete(Optional.of(LookupItem.of(info, "pkarr")));
    assertThat(s.first().isDone()).isTrue();
    assertThat(s.isDone()).isFalse();
    slow.calls.get(0).complete(Optional.of(LookupItem.of(info.withAddrs(
        dev.keyway.client.addr.TransportAddr.ip("192.0.2.9:9")), "dns")));
    LookupSummary sum = s.done().get();
    assertThat(sum.items()).extracting(LookupItem::provenance).containsExactly("pkarr", "dns");
    assertThat(sum.merged().orElseThrow().ipAddrs()).hasSize(1);
  }

  @Test
  void aServiceThatThrowsBecomesAFailedSource() throws Exception {
    AddressLookup broken = new AddressLookup() {
      @Override
      public String provenance() {
        return "broken";
      }

      @Override
      public LookupStream resolve(PublicKey id) {
        throw new IllegalStateException("bug");
      }
    };
    LookupStream s = ConcurrentLookup.of(broken, () -> "none").resolve(key.publicKey());
    assertThat(s.done().get().outcomes().get(0).status()).isEqualTo(SourceOutcome.Status.FAILED);
  }

  @Test
  void publishGoesToEveryServiceAndToServicesAddedLater() {
    List<EndpointInfo> a = new ArrayList<>();
    List<EndpointInfo> b = new ArrayList<>();
    ConcurrentLookup c = ConcurrentLookup.of(recorder(a));
    c.publish(info);
    c.add(recorder(b));
    assertThat(a).containsExactly(info);
    assertThat(b).containsExactly(info);
  }

  /** A service that throws does not keep the info from the services after it; the error is raised. */
  @Test
  void aServiceThatThrowsOnPublishDoesNotStopTheOthers() {
    List<EndpointInfo> b = new ArrayList<>();
    AddressLookup closed = new AddressLookup() {
      @Override
      public String provenance() {
        return "closed";
      }

      @Override
      public void publish(EndpointInfo info) {
        throw new IllegalStateException("publisher is closed");
      }
    };
    ConcurrentLookup c = ConcurrentLookup.of(closed, recorder(b));
    org.assertj.core.api.Assertions.assertThatThrownBy(() -> c.publish(info))
        .isInstanceOf(IllegalStateException.class).hasMessage("publisher is closed");
    assertThat(b).containsExactly(info);
  }

  private static AddressLookup recorder(List<EndpointInfo> into) {
    return new AddressLookup() {
      @Override
      public String provenance() {
        return "rec";
      }

      @Override
      public void publish(EndpointInfo info) {
        into.add(info);
      }
    };
  }
}
