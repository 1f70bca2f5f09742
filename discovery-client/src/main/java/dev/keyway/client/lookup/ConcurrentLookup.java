package dev.keyway.client.lookup;

import dev.keyway.client.keys.PublicKey;
import dev.keyway.client.record.EndpointInfo;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.concurrent.CopyOnWriteArrayList;

/**
 * Asks several services at once (iroh's {@code ConcurrentAddressLookup}): {@link #resolve}
 * starts every service's lookup and merges their streams, so the first answer arrives as fast
 * as the fastest service gives it and later answers follow in the same {@link LookupStream}. A
 * service that is down or slow only adds a failed or late source; it never delays the others.
 *
 * <p>{@link #publish} hands the info to every service and remembers it, so a service
 * {@linkplain #add added} later receives it at once. Thread-safe.
 */
public final class ConcurrentLookup implements AddressLookup {
  /** The provenance of this combinator itself; its items keep their services' provenance. */
  public static final String PROVENANCE = "concurrent";

  private final CopyOnWriteArrayList<AddressLookup> services = new CopyOnWriteArrayList<>();
  private volatile EndpointInfo lastPublished;

  /** Combines {@code services}, asked in this order. */
  public ConcurrentLookup(List<? extends AddressLookup> services) {
    services.forEach(s -> this.services.add(Objects.requireNonNull(s, "service")));
  }

  /** Combines {@code services}. */
  public static ConcurrentLookup of(AddressLookup... services) {
    return new ConcurrentLookup(List.of(services));
  }

  /** Adds a service; if info was published before, the new service publishes it at once. */
  public synchronized void add(AddressLookup service) {
    Objects.requireNonNull(service, "service");
    EndpointInfo info = lastPublished;
    if (info != null) {
      service.publish(info);
    }
    services.add(service);
  }

  /** The services, in order. */
  public List<AddressLookup> services() {
    return new ArrayList<>(services);
  }

  @Override
  public String provenance() {
    return PROVENANCE;
  }

  @Override
  public synchronized void publish(EndpointInfo info) {
    Objects.requireNonNull(info, "info");
    lastPublished = info;
    RuntimeException first = null;
    for (AddressLookup s : services) {
      try {
        s.publish(info);
      } catch (RuntimeException e) {
        // One service's failure (a closed publisher) must not keep the info from the others.
        if (first == null) {
          first = e;
        } else {
          first.addSuppressed(e);
        }
      }
    }
    if (first != null) {
      throw first;
    }
  }

  @Override
  public LookupStream resolve(PublicKey endpointId) {
    List<LookupStream> streams = new ArrayList<>(services.size());
    for (AddressLookup s : services) {
      try {
        streams.add(s.resolve(endpointId));
      } catch (RuntimeException e) {
        streams.add(LookupStream.failed(s.provenance(), e));
      }
    }
    return LookupStream.merge(streams);
  }
}
