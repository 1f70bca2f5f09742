/**
 * pkarr signed packets: parse-and-verify at the boundary, build and sign, ordering.
 *
 * <p>Start from {@link dev.keyway.client.packet.SignedPacket}: {@code fromBytes} /
 * {@code fromRelayPayload} for bytes from outside (every failure is an
 * {@link dev.keyway.client.packet.InvalidPacketException} with a
 * {@link dev.keyway.client.packet.InvalidPacketException.Reason}), {@code builder()} to publish,
 * {@code records(name, type)} to answer DNS queries. {@link dev.keyway.client.packet.Timestamps}
 * issues the strictly increasing microsecond timestamps packets are signed with.
 */
package dev.keyway.client.packet;
