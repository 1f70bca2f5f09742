package dev.keyway.gossip.wire;

import dev.keyway.client.keys.PublicKey;

/**
 * How a peer identity is written on the wire: a fixed number of raw bytes.
 *
 * @param <P> the peer identity type
 */
public interface PeerEncoding<P> {
  /** Bytes per peer. {@link dev.keyway.gossip.proto.FrameSizes} assumes 32. */
  int length();

  /** Writes {@code peer} into {@code dst[off..off+length())}. */
  void write(P peer, byte[] dst, int off);

  /**
   * Reads a peer from {@code src[off..off+length())}.
   *
   * @throws IllegalArgumentException if the bytes are not a valid identity
   */
  P read(byte[] src, int off);

  /** Ed25519 public keys (iroh EndpointIds), validated as {@link PublicKey#fromBytes} does. */
  PeerEncoding<PublicKey> PUBLIC_KEYS = new PeerEncoding<>() {
    @Override
    public int length() {
      return PublicKey.LENGTH;
    }

    @Override
    public void write(PublicKey peer, byte[] dst, int off) {
      peer.copyTo(dst, off);
    }

    @Override
    public PublicKey read(byte[] src, int off) {
      return PublicKey.fromBytes(src, off);
    }
  };
}
