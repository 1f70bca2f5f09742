package dev.keyway.client.lookup;

import dev.keyway.client.keys.PublicKey;
import dev.keyway.client.record.EndpointInfo;

/**
 * A way to find an endpoint's addresses from its id, and optionally to publish one's own: the
 * Java form of iroh's {@code AddressLookup} trait. DNS, DoH and pkarr relay lookups, the
 * {@code PkarrPublisher} and the gossip address book ({@code GossipAddressLookup}) implement it;
 * {@link ConcurrentLookup} combines several.
 *
 * <p>Implementations are thread-safe and never block the caller: {@link #publish} is fire and
 * forget, {@link #resolve} returns a {@link LookupStream} at once and does its work in the
 * background.
 *
 * <p>An implementation whose streams an application may read directly should return them
 * through {@link LookupStream#callbacksOn(ClientRuntime) callbacksOn(runtime)}, so that their
 * callbacks follow the runtime's {@linkplain ClientRuntime.Builder#callbackExecutor callback
 * executor} as the built-in lookups' do. That costs no extra work per lookup: a
 * {@link Resolver} or {@link ConcurrentLookup} that merges them keeps one lane for the merge,
 * and a resolver takes the stream without it for its own bookkeeping.
 */
public interface AddressLookup {

  /**
   * The constant that marks this service's items ({@code "dns"}, {@code "doh"},
   * {@code "pkarr"}, {@code "gossip"}, …), as iroh's {@code provenance}.
   */
  String provenance();

  /**
   * Publishes the caller's own info. Fire and forget: a service that needs periodic refresh runs
   * its own schedule. The default does nothing (resolve-only services).
   */
  default void publish(EndpointInfo info) {}

  /**
   * Starts looking up {@code endpointId}. Never null: a service that does not resolve returns
   * {@link LookupStream#empty()}. Cancelling the stream stops the work.
   */
  default LookupStream resolve(PublicKey endpointId) {
    return LookupStream.empty();
  }
}
