package dev.keyway.gossip.net;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assertions.assertThrows;

import dev.keyway.client.keys.SecretKey;
import java.math.BigInteger;
import java.security.cert.CertificateException;
import java.security.cert.X509Certificate;
import java.util.Date;
import org.bouncycastle.asn1.x500.X500Name;
import org.bouncycastle.cert.jcajce.JcaX509CertificateConverter;
import org.bouncycastle.cert.jcajce.JcaX509v3CertificateBuilder;
import org.bouncycastle.operator.jcajce.JcaContentSignerBuilder;
import org.junit.jupiter.api.Test;

class NodeIdentityTest {
  @Test
  void theCertificateCarriesTheNodeKeyAndIsStable() throws Exception {
    SecretKey key = NetTestSupport.key();
    NodeIdentity id = NodeIdentity.of(key);
    assertThat(NodeIdentity.peerKey(id.certificate())).isEqualTo(key.publicKey());
    assertThat(NodeIdentity.of(key).certificate().getEncoded()).isEqualTo(id.certificate().getEncoded());
    assertThat(id.keyManager().getPrivateKey("anything")).isEqualTo(id.privateKey());
    assertThat(PeerTrust.expectedKey(PeerTrust.peerHost(key.publicKey()))).isEqualTo(key.publicKey());
    assertThat(PeerTrust.expectedKey("example.org")).isNull();
  }

  @Test
  void aCertificateNotSignedByItsOwnKeyIsRefused() throws Exception {
    NodeIdentity claimed = NodeIdentity.of(NetTestSupport.key());
    NodeIdentity signer = NodeIdentity.of(NetTestSupport.key());
    X500Name name = new X500Name("CN=x");
    X509Certificate cert = new JcaX509CertificateConverter().getCertificate(
        new JcaX509v3CertificateBuilder(name, BigInteger.TWO, new Date(0), new Date(4_000_000_000_000L), name,
            claimed.certificate().getPublicKey())
            .build(new JcaContentSignerBuilder("Ed25519").build(signer.privateKey())));
    assertThrows(CertificateException.class, () -> NodeIdentity.peerKey(cert));
    assertThrows(CertificateException.class, () -> PeerTrust.INSTANCE.checkClientTrusted(new X509Certificate[] {cert}, "EdDSA"));
    assertThrows(CertificateException.class, () -> PeerTrust.INSTANCE.checkClientTrusted(new X509Certificate[0], "EdDSA"));
  }
}
