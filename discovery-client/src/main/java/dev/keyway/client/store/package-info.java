/**
 * The store contract shared by the pkarr relay and the DNS server:
 * {@link dev.keyway.client.store.PacketStore} (newest packet per key, pkarr ordering, explicit
 * {@link dev.keyway.client.store.UpsertOutcome}) and an in-memory implementation. The test-jar
 * holds {@code PacketStoreContract}, the tests every implementation must pass.
 */
package dev.keyway.client.store;
