/**
 * Published packets in the form the answer path serves them ({@link dev.keyway.dns.zone.PacketZone}),
 * keyed by the raw key bytes of a DNS label ({@link dev.keyway.dns.zone.ZoneKey}), cached in front
 * of the packet store ({@link dev.keyway.dns.zone.ZoneCache}), which also provides the store view
 * every writer must use so that a publish is visible to the next query.
 */
package dev.keyway.dns.zone;
