/**
 * iroh tickets: an endpoint address as one copy-pasteable string.
 *
 * <p>{@link dev.keyway.client.ticket.Tickets#parse} reads both kinds;
 * {@link dev.keyway.client.ticket.EndpointTicket} ({@code endpoint…}, iroh-tickets 1.0) is what
 * current iroh reads and writes, {@link dev.keyway.client.ticket.NodeTicket} ({@code node…}) is
 * the legacy form of iroh 0.93 and earlier. Both are lowercase RFC 4648 base32 (no padding) of
 * postcard bytes, written by a small package-private postcard codec.
 *
 * <p>Decoding is strict and total: any malformed input, including every truncation of a valid
 * ticket, yields a {@link dev.keyway.client.ticket.TicketFormatException} (an
 * {@link dev.keyway.client.InvalidInputException}) whose message names the field and byte offset.
 * Encoding is canonical and byte-identical to iroh's.
 */
package dev.keyway.client.ticket;
