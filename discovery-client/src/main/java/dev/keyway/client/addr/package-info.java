/**
 * Endpoint addresses, wire-compatible with iroh 1.0 ({@code iroh-base}).
 *
 * <p>Start from {@link dev.keyway.client.addr.EndpointAddr}: an endpoint id plus a sorted set of
 * {@link dev.keyway.client.addr.TransportAddr}s, each a
 * {@link dev.keyway.client.addr.RelayUrl relay URL}, an IP
 * {@link dev.keyway.client.addr.SocketAddr socket address} or a
 * {@link dev.keyway.client.addr.CustomAddr custom address}.
 *
 * <p>Text forms and orderings match iroh's byte for byte, because tickets and {@code _iroh} TXT
 * records are compared and signed as bytes. Every parser here throws
 * {@link dev.keyway.client.addr.AddrFormatException} (an
 * {@link dev.keyway.client.InvalidInputException}) with a message naming what is wrong; nothing
 * here resolves host names.
 */
package dev.keyway.client.addr;
