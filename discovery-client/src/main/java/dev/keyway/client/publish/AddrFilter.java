package dev.keyway.client.publish;

import dev.keyway.client.addr.TransportAddr;
import dev.keyway.client.record.EndpointInfo;
import java.util.List;
import java.util.Objects;
import java.util.function.Predicate;

/**
 * Chooses which of an endpoint's addresses a publisher puts in its records (iroh's
 * {@code AddrFilter}): it receives all addresses in order and returns the ones to publish, in
 * the order to publish them, so it can also reorder. The default of {@link PkarrPublisher} is
 * {@link #relayOnly()}, as in iroh: IP addresses are not leaked to a public server unless asked.
 */
@FunctionalInterface
public interface AddrFilter {

  /** The addresses to publish, in order. */
  List<TransportAddr> apply(List<TransportAddr> addrs);

  /** {@code info} with its addresses filtered; id and user data unchanged. */
  default EndpointInfo apply(EndpointInfo info) {
    return EndpointInfo.of(info.endpointId(), apply(info.addrs()), info.userData().orElse(null));
  }

  /** Only relay URLs (iroh's default). */
  static AddrFilter relayOnly() {
    return matching(TransportAddr.Relay.class::isInstance);
  }

  /** Only IP socket addresses. */
  static AddrFilter ipOnly() {
    return matching(TransportAddr.Ip.class::isInstance);
  }

  /** Every address, unchanged. */
  static AddrFilter unfiltered() {
    return addrs -> addrs;
  }

  /** The addresses {@code keep} accepts, in their order. */
  static AddrFilter matching(Predicate<? super TransportAddr> keep) {
    Objects.requireNonNull(keep, "keep");
    return addrs -> addrs.stream().filter(keep).toList();
  }
}
