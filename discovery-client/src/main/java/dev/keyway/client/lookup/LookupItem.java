package dev.keyway.client.lookup;

import dev.keyway.client.addr.EndpointAddr;
import dev.keyway.client.packet.SignedPacket;
import dev.keyway.client.record.EndpointInfo;
import java.time.Duration;
import java.util.Objects;
import java.util.Optional;
import java.util.OptionalLong;

/**
 * One answer of an {@link AddressLookup} (iroh's {@code address_lookup::Item}): the
 * {@link EndpointInfo} found, which service found it ({@link #provenance()}, one constant per
 * service such as {@code "dns"}, {@code "pkarr"}, {@code "ticket"}) and, when known, when the
 * publisher last updated it ({@link #lastUpdatedMicros()}, µs since the epoch: the signed
 * timestamp of a pkarr packet; unknown for plain DNS answers).
 *
 * <p>Two cache hints travel with it for the {@link TtlCache}: {@link #ttl()}, how long the
 * source allows the answer to be reused (DNS: the smallest answer TTL; a relay: its
 * {@code Cache-Control: max-age}), and {@link #seenAtMicros()}, when the source itself last saw
 * it (a relay's {@code Memento-Datetime}). {@link #packet()} holds the verified signed packet
 * when the source had one, which lets a relay lookup revalidate with {@code If-Modified-Since}.
 *
 * <p>Immutable; equality covers every field.
 */
public final class LookupItem {
  private final EndpointInfo endpointInfo;
  private final String provenance;
  private final long lastUpdatedMicros;
  private final SignedPacket packet;
  private final Duration ttl;
  private final long seenAtMicros;

  private LookupItem(EndpointInfo endpointInfo, String provenance, long lastUpdatedMicros,
      SignedPacket packet, Duration ttl, long seenAtMicros) {
    this.endpointInfo = Objects.requireNonNull(endpointInfo, "endpointInfo");
    this.provenance = Objects.requireNonNull(provenance, "provenance");
    this.lastUpdatedMicros = lastUpdatedMicros;
    this.packet = packet;
    this.ttl = ttl;
    this.seenAtMicros = seenAtMicros;
  }

  /** An item with no timestamps, packet or cache hints. */
  public static LookupItem of(EndpointInfo endpointInfo, String provenance) {
    return new LookupItem(endpointInfo, provenance, -1, null, null, -1);
  }

  /**
   * An item read from a verified signed packet: last-updated is the packet's timestamp and the
   * packet is kept for revalidation.
   */
  public static LookupItem fromPacket(EndpointInfo endpointInfo, String provenance, SignedPacket packet) {
    Objects.requireNonNull(packet, "packet");
    return new LookupItem(endpointInfo, provenance, packet.timestampMicros(), packet, null, -1);
  }

  /** The endpoint's id, addresses and user data. */
  public EndpointInfo endpointInfo() {
    return endpointInfo;
  }

  /** The id and addresses as an {@link EndpointAddr} (user data dropped). */
  public EndpointAddr toEndpointAddr() {
    return endpointInfo.toEndpointAddr();
  }

  /** Which service produced the item: {@code "dns"}, {@code "doh"}, {@code "pkarr"}, … */
  public String provenance() {
    return provenance;
  }

  /** When the publisher last updated the info, µs since the epoch, if the source knows. */
  public OptionalLong lastUpdatedMicros() {
    return lastUpdatedMicros < 0 ? OptionalLong.empty() : OptionalLong.of(lastUpdatedMicros);
  }

  /** The verified signed packet the info was read from, if the source had one. */
  public Optional<SignedPacket> packet() {
    return Optional.ofNullable(packet);
  }

  /** How long the source allows reuse of this answer, if it said. */
  public Optional<Duration> ttl() {
    return Optional.ofNullable(ttl);
  }

  /** When the source itself last saw the record, µs since the epoch, if it said. */
  public OptionalLong seenAtMicros() {
    return seenAtMicros < 0 ? OptionalLong.empty() : OptionalLong.of(seenAtMicros);
  }

  /** A copy with this provenance. */
  public LookupItem withProvenance(String provenance) {
    return new LookupItem(endpointInfo, provenance, lastUpdatedMicros, packet, ttl, seenAtMicros);
  }

  /** A copy with a last-updated time (µs since the epoch). */
  public LookupItem withLastUpdatedMicros(long micros) {
    return new LookupItem(endpointInfo, provenance, micros, packet, ttl, seenAtMicros);
  }

  /** A copy with a cache TTL hint (null for none). */
  public LookupItem withTtl(Duration ttl) {
    return new LookupItem(endpointInfo, provenance, lastUpdatedMicros, packet, ttl, seenAtMicros);
  }

  /** A copy with the time the source last saw the record (µs since the epoch; -1 for none). */
  public LookupItem withSeenAtMicros(long micros) {
    return new LookupItem(endpointInfo, provenance, lastUpdatedMicros, packet, ttl, micros);
  }

  @Override
  public boolean equals(Object o) {
    return o instanceof LookupItem other
        && endpointInfo.equals(other.endpointInfo)
        && provenance.equals(other.provenance)
        && lastUpdatedMicros == other.lastUpdatedMicros
        && Objects.equals(packet, other.packet)
        && Objects.equals(ttl, other.ttl)
        && seenAtMicros == other.seenAtMicros;
  }

  @Override
  public int hashCode() {
    return Objects.hash(endpointInfo, provenance, lastUpdatedMicros, packet, ttl, seenAtMicros);
  }

  @Override
  public String toString() {
    return "LookupItem[" + provenance + ", " + endpointInfo
        + (lastUpdatedMicros < 0 ? "" : ", lastUpdated=" + lastUpdatedMicros) + "]";
  }
}
