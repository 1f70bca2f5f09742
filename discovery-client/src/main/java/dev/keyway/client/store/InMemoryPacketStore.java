package dev.keyway.client.store;

import dev.keyway.client.keys.PublicKey;
import dev.keyway.client.packet.MicrosClock;
import dev.keyway.client.packet.SignedPacket;
import java.util.Objects;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;

/**
 * A {@link PacketStore} in a concurrent map, for tests and for embedding. Nothing survives the
 * process, so every upsert is "durable" as soon as it returns. Unbounded: nothing is evicted.
 */
public final class InMemoryPacketStore implements PacketStore {
  private final MicrosClock clock;
  private final ConcurrentHashMap<PublicKey, StoredPacket> packets = new ConcurrentHashMap<>();
  private volatile boolean closed;

  /** A store whose last-seen times come from {@code clock}. */
  public InMemoryPacketStore(MicrosClock clock) {
    this.clock = Objects.requireNonNull(clock, "clock");
  }

  @Override
  public Optional<StoredPacket> get(PublicKey key) {
    checkOpen();
    return Optional.ofNullable(packets.get(key));
  }

  @Override
  public CompletableFuture<UpsertOutcome> upsert(SignedPacket packet) {
    Objects.requireNonNull(packet, "packet");
    if (closed) {
      return CompletableFuture.failedFuture(new IllegalStateException("packet store is closed"));
    }
    UpsertOutcome[] outcome = new UpsertOutcome[1];
    // compute() runs the decision under the key's lock, so it is atomic with the write.
    packets.compute(packet.publicKey(), (key, stored) -> {
      long now = clock.nowMicros();
      if (stored == null) {
        outcome[0] = UpsertOutcome.INSERTED;
        return new StoredPacket(packet, now);
      }
      if (packet.isMoreRecentThan(stored.packet())) {
        outcome[0] = UpsertOutcome.UPDATED;
        return new StoredPacket(packet, now);
      }
      if (packet.isSameAs(stored.packet())) {
        outcome[0] = UpsertOutcome.UNCHANGED;
        return now > stored.lastSeenMicros() ? new StoredPacket(stored.packet(), now) : stored;
      }
      // Equal timestamp and DNS bytes, other signature: as recent, so accepted, but kept as is.
      outcome[0] = stored.packet().isMoreRecentThan(packet)
          ? UpsertOutcome.STALE : UpsertOutcome.UNCHANGED;
      return stored;
    });
    return CompletableFuture.completedFuture(outcome[0]);
  }

  @Override
  public long count() {
    return packets.size();
  }

  @Override
  public void close() {
    closed = true;
  }

  private void checkOpen() {
    if (closed) {
      throw new IllegalStateException("packet store is closed");
    }
  }
}
