package dev.keyway.gossip.net;

/**
 * The per-connection bounds of the transport.
 *
 * @param maxFrameSize the largest frame accepted or sent (the codec's limit)
 * @param sendQueueFrames frames queued per outbound stream before new ones are refused
 * @param maxTopics streams per direction per connection (one per topic)
 * @param maxInboundPending frames of one connection waiting for the actor before reading pauses
 * @param handshakeTimeoutMillis how long a dial or an accepted handshake may take
 * @param quicIdleTimeoutMillis QUIC's idle timeout: a silent peer is taken as gone after it
 */
record NetLimits(int maxFrameSize, int sendQueueFrames, int maxTopics, int maxInboundPending,
    long handshakeTimeoutMillis, long quicIdleTimeoutMillis) {}
