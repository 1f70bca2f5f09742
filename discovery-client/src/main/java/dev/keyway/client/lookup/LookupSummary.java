package dev.keyway.client.lookup;

import dev.keyway.client.addr.TransportAddr;
import dev.keyway.client.record.EndpointInfo;
import dev.keyway.client.record.UserData;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * Everything a finished {@link LookupStream} produced.
 *
 * @param items the items in the order they arrived
 * @param outcomes how each source ended, in source order
 */
public record LookupSummary(List<LookupItem> items, List<SourceOutcome> outcomes) {

  public LookupSummary {
    items = List.copyOf(items);
    outcomes = List.copyOf(outcomes);
  }

  /** True if at least one source found the endpoint. */
  public boolean found() {
    return !items.isEmpty();
  }

  /** True if nothing was found and at least one source said definitively that there is nothing. */
  public boolean notFound() {
    return items.isEmpty()
        && outcomes.stream().anyMatch(o -> o.status() == SourceOutcome.Status.NOT_FOUND);
  }

  /** True if nothing was found and every source failed (or was cancelled). */
  public boolean failed() {
    return items.isEmpty() && !notFound() && !outcomes.isEmpty();
  }

  /**
   * All items merged into one info: the first item's addresses, then addresses the later items
   * add (in arrival order, duplicates dropped), and the first user data any item has.
   */
  public Optional<EndpointInfo> merged() {
    if (items.isEmpty()) {
      return Optional.empty();
    }
    List<TransportAddr> addrs = new ArrayList<>();
    UserData userData = null;
    for (LookupItem item : items) {
      addrs.addAll(item.endpointInfo().addrs());
      if (userData == null) {
        userData = item.endpointInfo().userData().orElse(null);
      }
    }
    return Optional.of(EndpointInfo.of(items.get(0).endpointInfo().endpointId(), addrs, userData));
  }
}
