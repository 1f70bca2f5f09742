/**
 * Gossip on a real network: the only package of gossip-discovery that does IO.
 *
 * <p>{@link dev.keyway.gossip.net.GossipNode} runs the IO-free
 * {@link dev.keyway.gossip.proto.GossipState} in a single-threaded actor on one Vert.x context and
 * only translates between it and the sockets (iroh-gossip's net actor does the same): out-events
 * become frames, timers, closes and application events; frames, timer expiries and lost
 * connections become in-events. Applications use {@link dev.keyway.gossip.net.GossipTopic}
 * (broadcast, neighbours, leave) and {@link dev.keyway.gossip.net.GossipEvents} (NeighborUp/Down,
 * Received, Lagged).
 *
 * <p>Transports ({@link dev.keyway.gossip.net.TransportKind}): QUIC through Netty's native codec
 * on the node's Vert.x event loop, or TLS 1.3 over TCP. Both authenticate by node key: the TLS
 * certificate is a self-signed wrapper of the Ed25519 node key
 * ({@link dev.keyway.gossip.net.NodeIdentity}), authentication is mutual, ALPN is
 * {@code keyway-gossip/1}, and a dialled peer is accepted only if its certificate carries the id
 * we dialled; an accepted peer's id is the key of its certificate. One unidirectional stream per
 * topic per direction, opened with a 32-byte topic header, carries u32-length-prefixed CBOR frames
 * ({@link dev.keyway.gossip.wire.GossipCodec}); the frame limit is enforced before any allocation.
 *
 * <p>Structured events (DEBUG, key-value only): {@code events.keyway.gossip.connection},
 * {@code events.keyway.gossip.dial}, {@code events.keyway.gossip.frame}.
 */
package dev.keyway.gossip.net;
