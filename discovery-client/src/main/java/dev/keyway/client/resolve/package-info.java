/**
 * The discovery services that resolve: {@link dev.keyway.client.resolve.DnsLookup} (TXT
 * {@code _iroh.<z32>.<origin>} over UDP/TCP with iroh's staggering),
 * {@link dev.keyway.client.resolve.DohLookup} (RFC 8484) and
 * {@link dev.keyway.client.resolve.PkarrRelayLookup} (pkarr relays and iroh's {@code /pkarr}
 * API, verified with the key). Each is an {@link dev.keyway.client.lookup.AddressLookup}; "not
 * found" is an empty result, failures are {@link dev.keyway.client.resolve.ResolveException}s.
 * JDK {@code HttpClient} and dnsjava only.
 */
package dev.keyway.client.resolve;
