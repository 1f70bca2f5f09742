package dev.keyway.gossip.net;

import dev.keyway.client.keys.PublicKey;
import dev.keyway.client.keys.SecretKey;
import java.math.BigInteger;
import java.net.Socket;
import java.security.GeneralSecurityException;
import java.security.KeyFactory;
import java.security.Principal;
import java.security.PrivateKey;
import java.security.cert.CertificateException;
import java.security.cert.X509Certificate;
import java.security.spec.PKCS8EncodedKeySpec;
import java.security.spec.X509EncodedKeySpec;
import java.time.Instant;
import java.util.Arrays;
import java.util.Date;
import java.util.HexFormat;
import java.util.Objects;
import javax.net.ssl.SSLEngine;
import javax.net.ssl.X509ExtendedKeyManager;
import org.bouncycastle.asn1.x500.X500Name;
import org.bouncycastle.cert.X509CertificateHolder;
import org.bouncycastle.cert.jcajce.JcaX509CertificateConverter;
import org.bouncycastle.cert.jcajce.JcaX509v3CertificateBuilder;
import org.bouncycastle.operator.OperatorCreationException;
import org.bouncycastle.operator.jcajce.JcaContentSignerBuilder;

/**
 * A node's TLS identity: its Ed25519 node key as a JCA key pair and a self-signed X.509
 * certificate that carries the public key. Neither QUIC nor JSSE offers raw public keys
 * (RFC 7250), so the certificate is only a wrapper: issuer, serial and validity mean nothing and
 * are never checked; the peer is identified by the certificate's key alone
 * ({@link #peerKey(X509Certificate)}).
 *
 * <p>The certificate is deterministic for a key (fixed serial, names and dates), so restarting a
 * node presents the same certificate.
 */
public final class NodeIdentity {
  /** DER prefix of an Ed25519 SubjectPublicKeyInfo; the 32 raw key bytes follow. */
  static final byte[] SPKI_PREFIX = HexFormat.of().parseHex("302a300506032b6570032100");
  /** DER prefix of an Ed25519 PKCS#8 private key; the 32-byte seed follows. */
  private static final byte[] PKCS8_PREFIX = HexFormat.of().parseHex("302e020100300506032b657004220420");
  private static final String ALIAS = "node";

  private final SecretKey secretKey;
  private final PrivateKey privateKey;
  private final X509Certificate certificate;

  private NodeIdentity(SecretKey secretKey, PrivateKey privateKey, X509Certificate certificate) {
    this.secretKey = secretKey;
    this.privateKey = privateKey;
    this.certificate = certificate;
  }

  /** The identity of {@code key}. */
  public static NodeIdentity of(SecretKey key) {
    Objects.requireNonNull(key, "key");
    try {
      KeyFactory kf = KeyFactory.getInstance("Ed25519");
      PrivateKey priv = kf.generatePrivate(new PKCS8EncodedKeySpec(concat(PKCS8_PREFIX, key.toBytes())));
      java.security.PublicKey pub = kf.generatePublic(
          new X509EncodedKeySpec(concat(SPKI_PREFIX, key.publicKey().toBytes())));
      X500Name name = new X500Name("CN=" + key.publicKey().toZ32());
      X509CertificateHolder holder = new JcaX509v3CertificateBuilder(name, BigInteger.ONE,
          Date.from(Instant.parse("2024-01-01T00:00:00Z")), Date.from(Instant.parse("9999-12-31T23:59:59Z")),
          name, pub)
          .build(new JcaContentSignerBuilder("Ed25519").build(priv));
      X509Certificate cert = new JcaX509CertificateConverter().getCertificate(holder);
      return new NodeIdentity(key, priv, cert);
    } catch (GeneralSecurityException | OperatorCreationException e) {
      throw new IllegalStateException("the JDK cannot make an Ed25519 certificate", e);
    }
  }

  /** The node key. */
  public SecretKey secretKey() {
    return secretKey;
  }

  /** The node id. */
  public PublicKey nodeId() {
    return secretKey.publicKey();
  }

  /** The node key as a JCA private key. */
  public PrivateKey privateKey() {
    return privateKey;
  }

  /** The self-signed certificate carrying the node key. */
  public X509Certificate certificate() {
    return certificate;
  }

  /**
   * The node id a certificate carries: its key must be Ed25519 and the certificate must be signed
   * by that key (proof that the key is the certificate's own; the TLS handshake itself proves the
   * peer holds the private key).
   *
   * @throws CertificateException if it is not such a certificate
   */
  public static PublicKey peerKey(X509Certificate cert) throws CertificateException {
    byte[] spki = cert.getPublicKey().getEncoded();
    if (spki == null || spki.length != SPKI_PREFIX.length + PublicKey.LENGTH
        || !Arrays.equals(spki, 0, SPKI_PREFIX.length, SPKI_PREFIX, 0, SPKI_PREFIX.length)) {
      throw new CertificateException("peer certificate does not carry an Ed25519 key");
    }
    PublicKey key;
    try {
      key = PublicKey.fromBytes(Arrays.copyOfRange(spki, SPKI_PREFIX.length, spki.length));
    } catch (IllegalArgumentException e) {
      throw new CertificateException("peer certificate key is not a valid node id: " + e.getMessage(), e);
    }
    try {
      cert.verify(cert.getPublicKey());
    } catch (GeneralSecurityException e) {
      throw new CertificateException("peer certificate is not self-signed by its key", e);
    }
    return key;
  }

  /**
   * A key manager that always presents this identity, whatever key type the TLS stack asks for:
   * BoringSSL (QUIC) asks only for "RSA" or "EC" aliases and would otherwise find no key
   * (java-stack.md §2).
   */
  public X509ExtendedKeyManager keyManager() {
    return new X509ExtendedKeyManager() {
      @Override
      public String[] getClientAliases(String keyType, Principal[] issuers) {
        return new String[] {ALIAS};
      }

      @Override
      public String chooseClientAlias(String[] keyType, Principal[] issuers, Socket socket) {
        return ALIAS;
      }

      @Override
      public String chooseEngineClientAlias(String[] keyType, Principal[] issuers, SSLEngine engine) {
        return ALIAS;
      }

      @Override
      public String[] getServerAliases(String keyType, Principal[] issuers) {
        return new String[] {ALIAS};
      }

      @Override
      public String chooseServerAlias(String keyType, Principal[] issuers, Socket socket) {
        return ALIAS;
      }

      @Override
      public String chooseEngineServerAlias(String keyType, Principal[] issuers, SSLEngine engine) {
        return ALIAS;
      }

      @Override
      public X509Certificate[] getCertificateChain(String alias) {
        return new X509Certificate[] {certificate};
      }

      @Override
      public PrivateKey getPrivateKey(String alias) {
        return privateKey;
      }
    };
  }

  private static byte[] concat(byte[] a, byte[] b) {
    byte[] out = Arrays.copyOf(a, a.length + b.length);
    System.arraycopy(b, 0, out, a.length, b.length);
    return out;
  }

  @Override
  public String toString() {
    return "NodeIdentity[" + nodeId().fmtShort() + "]";
  }
}
