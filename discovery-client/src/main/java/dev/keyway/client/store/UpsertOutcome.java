package dev.keyway.client.store;

/**
 * What {@link PacketStore#upsert} did with a packet.
 *
 * <p>HTTP mapping at the edge: a pkarr v7 relay answers {@link #INSERTED}, {@link #UPDATED} and
 * {@link #UNCHANGED} with 204 No Content and {@link #STALE} with 409 Conflict; iroh-dns-server's
 * {@code PUT /pkarr/{key}} answers 204 for all four.
 */
public enum UpsertOutcome {
  /** No packet was stored for the key; this one is now. */
  INSERTED,
  /** A less recent packet was stored for the key; this one replaced it. */
  UPDATED,
  /**
   * An equally recent packet was stored already and stays: the same bytes (only last-seen moved,
   * forward, never back) or the same timestamp and DNS bytes under another signature (nothing
   * moved).
   */
  UNCHANGED,
  /** The stored packet is more recent than this one, which was dropped. */
  STALE;

  /**
   * Whether the store now holds the packet that was offered or one as recent (every outcome but
   * STALE).
   */
  public boolean isCurrent() {
    return this != STALE;
  }
}
