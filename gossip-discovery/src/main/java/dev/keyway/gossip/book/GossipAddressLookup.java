package dev.keyway.gossip.book;

import dev.keyway.client.keys.PublicKey;
import dev.keyway.client.lookup.AddressLookup;
import dev.keyway.client.lookup.LookupItem;
import dev.keyway.client.lookup.LookupStream;
import dev.keyway.client.record.EndpointInfo;
import java.util.Optional;

/**
 * The gossip address book as one of an endpoint's discovery sources: the client's
 * {@link AddressLookup} with provenance {@value #PROVENANCE}. {@link #resolve} answers from the
 * book at once (found, or not found); {@link #publish} changes what this node announces.
 * Thread-safe.
 *
 * <p>In a {@link dev.keyway.client.lookup.Resolver}, mind its cache: it keeps every item for at
 * least 30 s ({@code TtlCache.DEFAULT_MIN_TTL}), so after a member moves or leaves, a resolve
 * through a caching resolver may return its old address for that long, where the book itself
 * answers from memory with what it heard last. Give the book a resolver of its own built with
 * {@code noCache()}, or a short {@code cacheTtl}, when that matters (a rolling restart), or call
 * {@link #resolve} directly.
 */
public final class GossipAddressLookup implements AddressLookup {
  /** The provenance of this lookup's items. */
  public static final String PROVENANCE = "gossip";
  private final GossipAddressBook book;

  GossipAddressLookup(GossipAddressBook book) {
    this.book = book;
  }

  @Override
  public String provenance() {
    return PROVENANCE;
  }

  @Override
  public void publish(EndpointInfo info) {
    book.publish(info);
  }

  @Override
  public LookupStream resolve(PublicKey endpointId) {
    Optional<BookEntry> e = book.book().get(endpointId);
    // An entry past the expiry is a dead node the sweep has not removed yet (or the book is
    // closed and no longer sweeps): not an answer.
    if (e.isEmpty() || e.get().age(book.now()).compareTo(book.book().expiry()) > 0) {
      return LookupStream.notFound(PROVENANCE);
    }
    Announcement a = e.get().announcement();
    return LookupStream.found(PROVENANCE,
        LookupItem.of(a.toEndpointInfo(), PROVENANCE).withLastUpdatedMicros(a.timestampMicros()));
  }
}
