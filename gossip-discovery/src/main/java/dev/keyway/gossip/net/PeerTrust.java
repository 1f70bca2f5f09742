package dev.keyway.gossip.net;

import dev.keyway.client.keys.PublicKey;
import java.net.Socket;
import java.security.cert.CertificateException;
import java.security.cert.X509Certificate;
import javax.net.ssl.SSLEngine;
import javax.net.ssl.X509ExtendedTrustManager;

/**
 * The one trust rule of the gossip transports: a peer is its Ed25519 key, nothing else.
 *
 * <ul>
 *   <li>As a client (we dialled): the server's certificate must carry exactly the node id we
 *       dialled. The expected id travels with the TLS engine as its peer host name,
 *       {@code <z-base-32 id>.gossip.invalid} ({@link #peerHost}), so one TLS context serves
 *       every dial; it is also what the client sends as SNI.
 *   <li>As a server (we accepted): the client must present a certificate (mutual authentication)
 *       carrying a valid Ed25519 key; that key becomes the connection's peer id.
 * </ul>
 * Issuer, validity and host names are ignored. The transports check the key again after the
 * handshake, before any stream is opened, so even a TLS stack that did not hand the expected id to
 * this manager could not accept the wrong peer.
 */
final class PeerTrust extends X509ExtendedTrustManager {
  static final String HOST_SUFFIX = ".gossip.invalid";
  static final PeerTrust INSTANCE = new PeerTrust();

  private PeerTrust() {}

  /** The TLS peer host that names the node id we dial. */
  static String peerHost(PublicKey expected) {
    return expected.toZ32() + HOST_SUFFIX;
  }

  /** The node id named by a peer host from {@link #peerHost}, or null. */
  static PublicKey expectedKey(String peerHost) {
    if (peerHost == null || !peerHost.endsWith(HOST_SUFFIX)) {
      return null;
    }
    try {
      return PublicKey.fromZ32(peerHost.substring(0, peerHost.length() - HOST_SUFFIX.length()));
    } catch (IllegalArgumentException e) {
      return null;
    }
  }

  private static PublicKey leafKey(X509Certificate[] chain) throws CertificateException {
    if (chain == null || chain.length == 0) {
      throw new CertificateException("peer sent no certificate");
    }
    return NodeIdentity.peerKey(chain[0]);
  }

  private static void checkServer(X509Certificate[] chain, String peerHost) throws CertificateException {
    PublicKey actual = leafKey(chain);
    PublicKey expected = expectedKey(peerHost);
    // Without an expected id (a TLS stack that lost the peer host) the transport still compares
    // the key right after the handshake, before any stream is read or written.
    if (expected != null && !expected.equals(actual)) {
      throw new CertificateException("peer presented node id " + actual.fmtShort()
          + " but " + expected.fmtShort() + " was dialled");
    }
  }

  @Override
  public void checkClientTrusted(X509Certificate[] chain, String authType) throws CertificateException {
    leafKey(chain);
  }

  @Override
  public void checkClientTrusted(X509Certificate[] chain, String authType, Socket socket) throws CertificateException {
    leafKey(chain);
  }

  @Override
  public void checkClientTrusted(X509Certificate[] chain, String authType, SSLEngine engine) throws CertificateException {
    leafKey(chain);
  }

  @Override
  public void checkServerTrusted(X509Certificate[] chain, String authType) throws CertificateException {
    // No engine, so no expected id here: the transport checks the key after the handshake.
    leafKey(chain);
  }

  @Override
  public void checkServerTrusted(X509Certificate[] chain, String authType, Socket socket) throws CertificateException {
    leafKey(chain);
  }

  @Override
  public void checkServerTrusted(X509Certificate[] chain, String authType, SSLEngine engine) throws CertificateException {
    String host = engine == null ? null : engine.getPeerHost();
    // Netty's QUIC engine leaves getPeerHost() empty here but its handshake session has the host.
    if (host == null && engine != null && engine.getHandshakeSession() != null) {
      host = engine.getHandshakeSession().getPeerHost();
    }
    checkServer(chain, host);
  }

  @Override
  public X509Certificate[] getAcceptedIssuers() {
    return new X509Certificate[0];
  }
}
