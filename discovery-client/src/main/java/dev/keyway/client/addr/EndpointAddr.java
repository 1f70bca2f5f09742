package dev.keyway.client.addr;

import dev.keyway.client.keys.PublicKey;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collection;
import java.util.Collections;
import java.util.List;
import java.util.Objects;
import java.util.SortedSet;
import java.util.TreeSet;
import java.util.stream.Collectors;

/**
 * How to reach an endpoint: its id and a set of transport addresses (iroh's {@code EndpointAddr},
 * formerly {@code NodeAddr}).
 *
 * <p>Immutable. The address set is copied into a sorted set in the natural
 * {@link TransportAddr} order (iroh's {@code BTreeSet} order), so duplicates collapse and iteration
 * order is canonical: relays, then IPs, then custom addresses.
 *
 * @param id the endpoint id (its Ed25519 public key)
 * @param addrs the addresses, sorted and unmodifiable
 */
public record EndpointAddr(PublicKey id, SortedSet<TransportAddr> addrs) {

  /** Copies {@code addrs} into an unmodifiable set in natural order. */
  public EndpointAddr {
    Objects.requireNonNull(id, "id");
    TreeSet<TransportAddr> copy = new TreeSet<>();
    for (TransportAddr a : addrs) {
      copy.add(Objects.requireNonNull(a, "address"));
    }
    addrs = Collections.unmodifiableSortedSet(copy);
  }

  /** An address with no transport addresses (reachable only through address lookup). */
  public static EndpointAddr of(PublicKey id) {
    return new EndpointAddr(id, new TreeSet<>());
  }

  /** An address with these transport addresses (duplicates collapse). */
  public static EndpointAddr of(PublicKey id, Collection<? extends TransportAddr> addrs) {
    return new EndpointAddr(id, new TreeSet<>(addrs));
  }

  /** An address with these transport addresses (duplicates collapse). */
  public static EndpointAddr of(PublicKey id, TransportAddr... addrs) {
    return of(id, Arrays.asList(addrs));
  }

  /** Starts a builder for the endpoint {@code id}. */
  public static Builder builder(PublicKey id) {
    return new Builder(id);
  }

  /** A copy with {@code more} added. */
  public EndpointAddr with(TransportAddr... more) {
    TreeSet<TransportAddr> all = new TreeSet<>(addrs);
    all.addAll(Arrays.asList(more));
    return new EndpointAddr(id, all);
  }

  /** A copy with a relay URL added. */
  public EndpointAddr withRelayUrl(RelayUrl url) {
    return with(new TransportAddr.Relay(url));
  }

  /** A copy with an IP address added. */
  public EndpointAddr withIpAddr(SocketAddr addr) {
    return with(new TransportAddr.Ip(addr));
  }

  /** A copy with a custom address added. */
  public EndpointAddr withCustomAddr(CustomAddr addr) {
    return with(new TransportAddr.Custom(addr));
  }

  /** True if there are no transport addresses. */
  public boolean isEmpty() {
    return addrs.isEmpty();
  }

  /** The relay URLs, in order (in practice zero or one: the home relay). */
  public List<RelayUrl> relayUrls() {
    return TransportAddr.relayUrls(addrs);
  }

  /** The IP addresses, in order. */
  public List<SocketAddr> ipAddrs() {
    return TransportAddr.ipAddrs(addrs);
  }

  /** The custom transport addresses, in order. */
  public List<CustomAddr> customAddrs() {
    return TransportAddr.customAddrs(addrs);
  }

  /** For logs: {@code EndpointAddr[id=<hex>, addrs=[relay:https://r./, ip:1.2.3.4:5]]}. */
  @Override
  public String toString() {
    return "EndpointAddr[id=" + id + ", addrs="
        + addrs.stream().map(TransportAddr::toString).collect(Collectors.joining(", ", "[", "]")) + "]";
  }

  /** Collects addresses for an {@link EndpointAddr}; text inputs are parsed as they are added. */
  public static final class Builder {
    private final PublicKey id;
    private final List<TransportAddr> addrs = new ArrayList<>();

    private Builder(PublicKey id) {
      this.id = Objects.requireNonNull(id, "id");
    }

    /** Adds any transport address. */
    public Builder addr(TransportAddr addr) {
      addrs.add(Objects.requireNonNull(addr, "addr"));
      return this;
    }

    /** Adds a relay URL, e.g. {@code https://relay.example.com}. */
    public Builder relay(String url) {
      return addr(TransportAddr.relay(url));
    }

    /** Adds a relay URL. */
    public Builder relay(RelayUrl url) {
      return addr(new TransportAddr.Relay(url));
    }

    /** Adds an IP address in Rust socket address form, e.g. {@code 1.2.3.4:5678}. */
    public Builder ip(String socketAddr) {
      return addr(TransportAddr.ip(socketAddr));
    }

    /** Adds an IP address. */
    public Builder ip(SocketAddr addr) {
      return addr(new TransportAddr.Ip(addr));
    }

    /** Adds a custom transport address. */
    public Builder custom(CustomAddr addr) {
      return addr(new TransportAddr.Custom(addr));
    }

    /** Builds the (sorted, de-duplicated) address. */
    public EndpointAddr build() {
      return EndpointAddr.of(id, addrs);
    }
  }
}
