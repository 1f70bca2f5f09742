/**
 * HTTP: {@link dev.keyway.relay.http.HttpServerHost} (bind, port 0, several event loops,
 * graceful shutdown) for any handler, and the pkarr v7 relay API on it: {@link
 * dev.keyway.relay.http.RelayHandler} (routes), {@link dev.keyway.relay.http.RelayError} (the one
 * failure-to-status mapping), {@link dev.keyway.relay.http.Cors}, {@link
 * dev.keyway.relay.http.HttpDates}, {@link dev.keyway.relay.http.StatusPage}.
 */
package dev.keyway.relay.http;
