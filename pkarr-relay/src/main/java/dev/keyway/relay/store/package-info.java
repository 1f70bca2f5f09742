/**
 * The durable {@link dev.keyway.client.store.PacketStore}: {@link
 * dev.keyway.relay.store.JdbcPacketStore} (one writer with group commit, a Caffeine read cache,
 * eviction by age and by capacity) over a {@link dev.keyway.relay.store.SqlDialect}; embedded H2
 * ({@link dev.keyway.relay.store.H2Dialect}) is the default. Start with {@code JdbcPacketStore}.
 *
 * <p>All database-specific SQL and tuning lives in the dialect classes; the store itself speaks
 * standard SQL through them only.
 */
package dev.keyway.relay.store;
