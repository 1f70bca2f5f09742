/**
 * HyParView membership and PlumTree broadcast as an IO-free state machine.
 *
 * <p>{@link dev.keyway.gossip.proto.GossipState#handle} takes an {@link dev.keyway.gossip.proto.InEvent}
 * and the current time and returns the {@link dev.keyway.gossip.proto.OutEvent}s the runtime must
 * carry out: messages to send, timers to arm (as relative delays), connections to drop and events
 * for the application. Nothing here does IO, reads a clock, starts a thread or draws unseeded
 * randomness; a seeded {@link java.util.random.RandomGenerator} is injected, and every collection
 * that drives a decision iterates in a deterministic order, so a seeded run replays exactly.
 *
 * <p>The layering follows iroh-gossip's {@code proto} module: one {@code HyParView} and one
 * {@code PlumTree} per topic (wrapped by {@code TopicState}), many topics per {@code GossipState}.
 * The wire messages are {@link dev.keyway.gossip.proto.Message} records and
 * {@link dev.keyway.gossip.proto.GossipCodec} turns them into CBOR frames and back (pure
 * {@code byte[]} work, no streams).
 *
 * <p>References: J. Leitão, J. Pereira, L. Rodrigues, "HyParView: a membership protocol for
 * reliable gossip-based broadcast", DSN 2007 (TR DI-FCUL 07-13); "Epidemic Broadcast Trees",
 * SRDS 2007 (TR DI-FCUL 07-14); n0-computer/iroh-gossip {@code src/proto}.
 */
package dev.keyway.gossip.proto;
