/**
 * Publishing one's own records: {@link dev.keyway.client.publish.PkarrPublisher} (iroh's
 * publisher: sign, PUT to relays, republish, back off) with its
 * {@link dev.keyway.client.publish.AddrFilter} and per-relay
 * {@link dev.keyway.client.publish.PublishOutcome}s.
 */
package dev.keyway.client.publish;
