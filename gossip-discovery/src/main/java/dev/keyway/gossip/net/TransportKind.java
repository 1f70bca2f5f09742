package dev.keyway.gossip.net;

import io.netty.handler.codec.quic.Quic;

/** Which transport a node uses. Both use the same identity rule; a swarm must use one kind. */
public enum TransportKind {
  /** QUIC through Netty's native codec (quiche + BoringSSL), UDP. */
  QUIC,
  /** TLS 1.3 over TCP (the JDK's TLS engine), with a stream multiplex. */
  TCP,
  /** QUIC when the native library loads on this platform, otherwise TCP. */
  AUTO;

  /** Whether Netty's native QUIC library is usable here. */
  public static boolean quicAvailable() {
    try {
      return Quic.isAvailable();
    } catch (LinkageError e) {
      return false;
    }
  }

  /** This kind with {@link #AUTO} resolved. */
  public TransportKind resolve() {
    if (this != AUTO) {
      return this;
    }
    return quicAvailable() ? QUIC : TCP;
  }
}
