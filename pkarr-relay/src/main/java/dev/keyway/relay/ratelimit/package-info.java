/**
 * Per-client rate limiting: {@link dev.keyway.relay.ratelimit.Quota} (pkarr-relay's
 * {@code "2r/s"} syntax and burst), {@link dev.keyway.relay.ratelimit.KeyedRateLimiter} (one
 * Bucket4j token bucket per key, idle buckets dropped) and {@link
 * dev.keyway.relay.ratelimit.ClientIp} (which address a request counts against, honouring proxy
 * headers only when told to). Independent of the relay routes; the DNS server's HTTP API uses
 * them too.
 */
package dev.keyway.relay.ratelimit;
