/**
 * Metrics: the small reporting interfaces the relay and the store call ({@link
 * dev.keyway.relay.metrics.RelayMetrics}, {@link dev.keyway.relay.store.StoreMetrics}), their
 * Micrometer implementations, and {@link dev.keyway.relay.metrics.MetricsServer}, which serves a
 * Prometheus registry as text on its own port.
 *
 * <h2>Metric names (Prometheus form)</h2>
 * <table>
 * <caption>relay</caption>
 * <tr><td>{@code relay_publishes_total{outcome}}</td><td>PUTs by outcome: inserted, updated,
 *     unchanged (all 204), stale (409), invalid (400), too_large (413), timeout (408: the body
 *     did not arrive within {@code request_body_timeout}), rate_limited (429), overloaded (503), error (500)</td></tr>
 * <tr><td>{@code relay_gets_total{outcome}}</td><td>GETs and HEADs: found (200), not_modified
 *     (304), not_found (404), invalid (400), rate_limited (429), error (500)</td></tr>
 * <tr><td>{@code relay_rate_limited_total}</td><td>requests refused with 429, any route</td></tr>
 * <tr><td>{@code relay_verify_batch_size}</td><td>PUT bodies whose signatures were verified
 *     together, per batch (summary: {@code _count} batches, {@code _sum} bodies)</td></tr>
 * <tr><td>{@code relay_verify_batch_failed_total}</td><td>batches that held a bad signature: a
 *     client is sending bad signatures, or a bug</td></tr>
 * <tr><td>{@code relay_verify_alone_total}</td><td>PUT bodies verified one by one in the
 *     cool-down after a failed batch</td></tr>
 * <tr><td>{@code relay_verify_skipped_total}</td><td>PUT bodies that were the stored packet's
 *     exact bytes (a republish of the same packet): its signature was checked when it was
 *     stored</td></tr>
 * <tr><td>{@code relay_put_bodies_receiving}</td><td>PUTs whose body is being received now
 *     (gauge): slow or stalled uploads</td></tr>
 * </table>
 * <table>
 * <caption>store (iroh-dns-server's names where it has the metric)</caption>
 * <tr><td>{@code store_packets}</td><td>packets stored (gauge)</td></tr>
 * <tr><td>{@code store_bytes}</td><td>database size on disk (gauge)</td></tr>
 * <tr><td>{@code store_backup_last_success_seconds}, {@code store_backup_size_bytes},
 *     {@code store_backup_duration_seconds}, {@code store_backup_interval_seconds}, {@code
 *     store_backup_failures_total}</td><td>the newest database copy (when it began, its size),
 *     how long the last one took, the configured interval, copies that failed; only when {@code
 *     backup_interval} is set</td></tr>
 * <tr><td>{@code store_packets_inserted_total}, {@code _updated_total},
 *     {@code _unchanged_total}, {@code _stale_total}</td><td>upsert outcomes</td></tr>
 * <tr><td>{@code store_packets_expired_total}</td><td>removed for age</td></tr>
 * <tr><td>{@code store_packets_evicted_total}</td><td>removed for capacity (LRU)</td></tr>
 * <tr><td>{@code store_commit_batch_size}</td><td>upserts per transaction (summary)</td></tr>
 * <tr><td>{@code store_commit_seconds}</td><td>commit latency incl. fsync (histogram)</td></tr>
 * <tr><td>{@code store_commit_failures_total}</td><td>failed transactions</td></tr>
 * <tr><td>{@code store_pending_upserts}</td><td>upserts waiting for the writer (gauge)</td></tr>
 * <tr><td>{@code store_cache_hits_total}, {@code store_cache_misses_total},
 *     {@code store_cache_size}</td><td>read cache</td></tr>
 * </table>
 * Each name may carry a prefix chosen by whoever registers it.
 */
package dev.keyway.relay.metrics;
