package dev.keyway.client.record;

import dev.keyway.client.addr.CustomAddr;
import dev.keyway.client.addr.EndpointAddr;
import dev.keyway.client.addr.RelayUrl;
import dev.keyway.client.addr.SocketAddr;
import dev.keyway.client.addr.TransportAddr;
import dev.keyway.client.keys.PublicKey;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collection;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.stream.Collectors;

/**
 * What an endpoint publishes about itself (iroh's {@code EndpointInfo}): its id, the addresses
 * it can be reached at (relay URLs, IP socket addresses, custom transport addresses) and optional
 * {@link UserData}.
 *
 * <p>Unlike {@link EndpointAddr}, whose set is sorted, the addresses keep the order they were
 * given in (iroh's {@code EndpointData} keeps a list, so order can express priority); duplicates
 * are dropped, keeping the first. Immutable; equality covers id, address order and user data.
 * {@link IrohTxt} converts it to and from {@code _iroh} TXT records.
 */
public final class EndpointInfo {
  private final PublicKey endpointId;
  private final List<TransportAddr> addrs;
  private final UserData userData;

  private EndpointInfo(PublicKey endpointId, List<TransportAddr> addrs, UserData userData) {
    this.endpointId = Objects.requireNonNull(endpointId, "endpointId");
    this.addrs = addrs;
    this.userData = userData;
  }

  /** Info with these addresses in this order (duplicates dropped) and optional user data. */
  public static EndpointInfo of(
      PublicKey endpointId, Collection<? extends TransportAddr> addrs, UserData userData) {
    LinkedHashSet<TransportAddr> unique = new LinkedHashSet<>();
    for (TransportAddr a : addrs) {
      unique.add(Objects.requireNonNull(a, "address"));
    }
    return new EndpointInfo(endpointId, List.copyOf(unique), userData);
  }

  /** Info with these addresses in this order and no user data. */
  public static EndpointInfo of(PublicKey endpointId, TransportAddr... addrs) {
    return of(endpointId, Arrays.asList(addrs), null);
  }

  /** Info with the addresses of {@code addr}, in its (sorted) order, and no user data. */
  public static EndpointInfo of(EndpointAddr addr) {
    return of(addr.id(), addr.addrs(), null);
  }

  /** The endpoint id: the public key that signs its records. */
  public PublicKey endpointId() {
    return endpointId;
  }

  /** All addresses, in order. */
  public List<TransportAddr> addrs() {
    return addrs;
  }

  /** The relay URLs, in order. */
  public List<RelayUrl> relayUrls() {
    return addrs.stream().filter(a -> a instanceof TransportAddr.Relay)
        .map(a -> ((TransportAddr.Relay) a).url()).toList();
  }

  /** The IP socket addresses, in order. */
  public List<SocketAddr> ipAddrs() {
    return addrs.stream().filter(a -> a instanceof TransportAddr.Ip)
        .map(a -> ((TransportAddr.Ip) a).addr()).toList();
  }

  /** The custom transport addresses, in order. */
  public List<CustomAddr> customAddrs() {
    return addrs.stream().filter(a -> a instanceof TransportAddr.Custom)
        .map(a -> ((TransportAddr.Custom) a).addr()).toList();
  }

  /** The user data, if any. */
  public Optional<UserData> userData() {
    return Optional.ofNullable(userData);
  }

  /** A copy with {@code userData} (or none, for null). */
  public EndpointInfo withUserData(UserData userData) {
    return new EndpointInfo(endpointId, addrs, userData);
  }

  /** A copy with {@code more} appended (addresses already present are not repeated). */
  public EndpointInfo withAddrs(TransportAddr... more) {
    List<TransportAddr> all = new ArrayList<>(addrs);
    all.addAll(Arrays.asList(more));
    return of(endpointId, all, userData);
  }

  /** The id and addresses as an {@link EndpointAddr} (sorted; user data is dropped). */
  public EndpointAddr toEndpointAddr() {
    return EndpointAddr.of(endpointId, addrs);
  }

  /** Whether there is at least one address. */
  public boolean hasAddrs() {
    return !addrs.isEmpty();
  }

  @Override
  public boolean equals(Object o) {
    return o instanceof EndpointInfo other
        && endpointId.equals(other.endpointId)
        && addrs.equals(other.addrs)
        && Objects.equals(userData, other.userData);
  }

  @Override
  public int hashCode() {
    return Objects.hash(endpointId, addrs, userData);
  }

  /** For logs: id, addresses and the length of the user data (not its content). */
  @Override
  public String toString() {
    return "EndpointInfo[id=" + endpointId.fmtShort() + ", addrs="
        + addrs.stream().map(TransportAddr::toString).collect(Collectors.joining(", ", "[", "]"))
        + (userData == null ? "" : ", userData=" + userData.value().length() + " chars") + "]";
  }
}
