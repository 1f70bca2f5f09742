package dev.keyway.client.lookup;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.keyway.client.keys.SecretKey;
import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import org.junit.jupiter.api.Test;

class LookupStreamTest {
  private final SecretKey key = Fixtures.key(1);
  private final LookupItem a = LookupItem.of(Fixtures.info(key, "https://a.example/"), "dns");
  private final LookupItem b = LookupItem.of(Fixtures.info(key, "https://b.example/", "192.0.2.1:1"), "pkarr");

  @Test
  void firstArrivesWithTheFastestSourceAndLaterItemsFollow() throws Exception {
    CompletableFuture<Optional<LookupItem>> slow = new CompletableFuture<>();
    CompletableFuture<Optional<LookupItem>> fast = new CompletableFuture<>();
    LookupStream s = LookupStream.merge(LookupStream.of("slow", slow), LookupStream.of("fast", fast));
    List<LookupItem> seen = new ArrayList<>();
    s.onItem(seen::add);
    fast.complete(Optional.of(a));
    assertThat(s.first().getNow(null)).contains(a);
    assertThat(s.isDone()).isFalse();
    slow.complete(Optional.of(b));
    LookupSummary summary = s.done().get();
    assertThat(seen).containsExactly(a, b);
    assertThat(summary.items()).containsExactly(a, b);
    assertThat(summary.outcomes()).extracting(SourceOutcome::status)
        .containsExactly(SourceOutcome.Status.FOUND, SourceOutcome.Status.FOUND);
    // merged: the first item's addresses, then what later items add
    assertThat(summary.merged().orElseThrow().addrs()).hasSize(3);
    List<LookupItem> late = new ArrayList<>();
    s.onItem(late::add);
    assertThat(late).containsExactly(a, b);
  }

  @Test
  void notFoundIsAbsentNotAnError() throws Exception {
    LookupStream s = LookupStream.merge(LookupStream.notFound("dns"),
        LookupStream.failed("pkarr", new IOException("connection refused")));
    assertThat(s.first().get()).isEmpty();
    LookupSummary summary = s.done().get();
    assertThat(summary.notFound()).isTrue();
    assertThat(summary.failed()).isFalse();
    assertThat(LookupStream.empty().first().get()).isEmpty();
  }

  @Test
  void everySourceFailingFailsFirstWithEachError() {
    LookupStream s = LookupStream.merge(LookupStream.failed("dns", new IOException("timeout")),
        LookupStream.failed("pkarr", new IOException("HTTP 500")));
    assertThatThrownBy(() -> s.first().get()).isInstanceOf(ExecutionException.class)
        .cause().isInstanceOf(LookupFailedException.class)
        .hasMessageContaining("dns: timeout").hasMessageContaining("pkarr: HTTP 500");
    assertThat(s.done().join().failed()).isTrue();
  }

  @Test
  void cancelCancelsPendingSourcesOnly() {
    CompletableFuture<Optional<LookupItem>> pending = new CompletableFuture<>();
    LookupStream s = LookupStream.merge(LookupStream.found("ticket", a), LookupStream.of("dns", pending));
    assertThat(s.cancel()).isTrue();
    assertThat(pending).isCancelled();
    LookupSummary summary = s.done().join();
    assertThat(summary.outcomes()).extracting(SourceOutcome::status)
        .containsExactly(SourceOutcome.Status.FOUND, SourceOutcome.Status.CANCELLED);
    assertThat(s.first().join()).contains(a);
  }

  @Test
  void aThrowingListenerDoesNotStopOthers() {
    LookupStream s = LookupStream.found("x", a);
    List<LookupItem> seen = new ArrayList<>();
    s.onItem(i -> {
      throw new IllegalStateException("boom");
    });
    s.onItem(seen::add);
    assertThat(seen).containsExactly(a);
  }
}
