/**
 * The gossip wire format: {@link dev.keyway.gossip.proto.Message} records to CBOR frames and back
 * (Jackson's CBOR streaming API), with a frame size limit. Pure {@code byte[]} work; the transport
 * that moves frames lives elsewhere.
 */
package dev.keyway.gossip.wire;
