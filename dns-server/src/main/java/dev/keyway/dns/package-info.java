/**
 * keyway's authoritative DNS server for a discovery zone, compatible with iroh-dns-server: start
 * at {@link dev.keyway.dns.IrohDnsServer} (DNS over UDP/TCP, the iroh HTTP API, metrics, over one
 * packet store) configured by {@link dev.keyway.dns.DnsServerConfig}; metric names are in
 * {@link dev.keyway.dns.DnsMetrics}.
 *
 * <p>Data flows one way: a published packet ({@code http}) goes into the store through the zone
 * cache ({@code zone}), which invalidates the key; a query ({@code udp}, {@code tcp}, DoH in
 * {@code http}) goes to the one answering function ({@code answer}), which reads the zone cache.
 *
 * <p>Structured events (DEBUG, key-value fields only, the client always as {@code ip:port}):
 * {@code events.keyway.dns.query} (one per query, the same fields over UDP, TCP and DoH: see
 * {@link dev.keyway.dns.QueryEvents}), {@code events.keyway.dns.udp} (socket errors),
 * {@code events.keyway.dns.tcp} (connection refusals, errors and timeouts),
 * {@code events.keyway.dns.publish} (one per accepted PUT).
 */
package dev.keyway.dns;
