package dev.keyway.dns.http;

import dev.keyway.client.keys.PublicKey;
import dev.keyway.client.packet.SignedPacket;
import dev.keyway.client.store.PacketStore;
import dev.keyway.client.store.StoredPacket;
import dev.keyway.dns.DnsMetrics;
import dev.keyway.relay.http.ClientAddresses;
import dev.keyway.relay.http.PutVerifier;
import dev.keyway.relay.http.RelayHandler;
import dev.keyway.relay.metrics.RelayMetrics;
import io.vertx.core.Future;
import io.vertx.core.buffer.Buffer;
import io.vertx.ext.web.RoutingContext;
import java.security.SecureRandom;
import java.time.Clock;
import java.time.Duration;
import java.util.Optional;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * {@code PUT/GET /pkarr/{z32}}, with iroh-dns-server's semantics:
 * <ul>
 *   <li>the key must be lowercase z-base-32 of a valid key (400 {@code invalid key: …});
 *   <li>PUT: the body is a relay payload ({@code sig|ts|dns}) verified against the key in the
 *       path (400 {@code invalid body payload: …}, also for a payload signed by another key);
 *       a valid packet is answered 204 whether it was stored or ignored as older than the stored
 *       one, and only after the store has made it durable and the DNS zone cache forgot the key,
 *       so the next DNS query sees it. A packet signed long ago is stored too; the store keeps a
 *       packet for its eviction age after the later of its signing and its last PUT (iroh
 *       removes one signed longer ago than that seconds later, whatever its PUTs);
 *   <li>GET: 200 {@code application/x-pkarr-signed-packet} with the stored relay payload, or 404.
 * </ul>
 * PUT is rate limited per client by the {@link PutRateLimit} given (iroh's
 * {@code pkarr_put_rate_limit}); GET is not.
 */
public final class PkarrHandler {
  private static final Logger EVENTS = LoggerFactory.getLogger("events.keyway.dns.publish");
  static final String CONTENT_TYPE = "application/x-pkarr-signed-packet";

  private final PacketStore store;
  private final DnsMetrics metrics;
  private final PutRateLimit limit;
  private final Clock clock;
  private final Duration maxFutureSkew;
  // Bodies that complete together are verified as one signature batch, as on the relay.
  private final PutVerifier verifier =
      new PutVerifier(new SecureRandom(), PutVerifier.DEFAULT_MAX_BATCH, RelayMetrics.NOOP);

  /**
   * @param store the store every DNS answer reads through; pass the zone cache's
   *     {@code invalidatingStore()} so that a PUT is visible to the next query
   * @param clock "now" for the future-timestamp check
   * @param maxFutureSkew a packet signed further ahead of this server's clock is refused (400):
   *     it would outrank every later update of its key, here and, under {@code up}, on the
   *     relay that shares the store (iroh-dns-server does not check); zero: no check
   */
  public PkarrHandler(PacketStore store, DnsMetrics metrics, PutRateLimit limit, Clock clock,
      Duration maxFutureSkew) {
    this.store = store;
    this.metrics = metrics;
    this.limit = limit;
    this.clock = clock;
    this.maxFutureSkew = maxFutureSkew;
  }

  private static PublicKey key(RoutingContext ctx) {
    return PublicKey.fromZ32(ctx.pathParam("key"));
  }

  /** {@code PUT /pkarr/{key}}. */
  public void put(RoutingContext ctx) {
    long wait = limit.check(ctx.request());
    if (wait > 0) {
      metrics.publishRateLimited();
      throw ApiError.rateLimited(wait).asFailure();
    }
    PublicKey key = key(ctx);
    verifier.submit(ctx.vertx().getOrCreateContext(), key, RawBody.of(ctx).getBytes(),
        (packet, error) -> {
          if (error != null) {
            ctx.fail(error);
            return;
          }
          try {
            store(ctx, key, packet);
          } catch (RuntimeException e) {
            ctx.fail(e);
          }
        });
  }

  private void store(RoutingContext ctx, PublicKey key, SignedPacket packet) {
    long now = Math.multiplyExact(clock.millis(), 1_000L);
    long skewMicros = maxFutureSkew.toNanos() / 1_000;
    long ahead = packet.timestampMicros() - now;
    if (skewMicros > 0 && ahead > skewMicros) {
      throw ApiError.badRequest(RelayHandler.tooFarAhead(packet.timestampMicros(), ahead, skewMicros))
          .asFailure();
    }
    Future.fromCompletionStage(store.upsert(packet), ctx.vertx().getOrCreateContext())
        .onSuccess(outcome -> {
          metrics.publish(outcome);
          if (EVENTS.isDebugEnabled()) {
            EVENTS.atDebug().addKeyValue("key", key.toZ32()).addKeyValue("outcome", outcome)
                .addKeyValue("timestamp", packet.timestampMicros())
                .addKeyValue("client", ClientAddresses.format(ctx.request().remoteAddress())).log();
          }
          ctx.response().setStatusCode(204).end();
        })
        .onFailure(ctx::fail);
  }

  /** {@code GET /pkarr/{key}}. */
  public void get(RoutingContext ctx) {
    PublicKey key = key(ctx);
    Optional<StoredPacket> stored = store.get(key);
    if (stored.isEmpty()) {
      throw ApiError.notFound().asFailure();
    }
    ctx.response().putHeader("content-type", CONTENT_TYPE)
        .end(Buffer.buffer(stored.get().packet().toRelayPayload()));
  }
}
