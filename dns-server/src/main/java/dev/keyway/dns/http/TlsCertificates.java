package dev.keyway.dns.http;

import io.vertx.core.buffer.Buffer;
import io.vertx.core.net.KeyCertOptions;
import io.vertx.core.net.PemKeyCertOptions;
import java.io.IOException;
import java.io.StringWriter;
import java.io.UncheckedIOException;
import java.math.BigInteger;
import java.net.InetAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.GeneralSecurityException;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.PrivateKey;
import java.security.SecureRandom;
import java.security.cert.CertificateFactory;
import java.security.cert.X509Certificate;
import java.security.spec.ECGenParameterSpec;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Date;
import java.util.HexFormat;
import java.util.List;
import java.util.Locale;
import org.bouncycastle.asn1.pkcs.PrivateKeyInfo;
import org.bouncycastle.asn1.x500.X500Name;
import org.bouncycastle.asn1.x509.Extension;
import org.bouncycastle.asn1.x509.GeneralName;
import org.bouncycastle.asn1.x509.GeneralNames;
import org.bouncycastle.cert.X509v3CertificateBuilder;
import org.bouncycastle.cert.jcajce.JcaX509CertificateConverter;
import org.bouncycastle.cert.jcajce.JcaX509v3CertificateBuilder;
import org.bouncycastle.openssl.PEMKeyPair;
import org.bouncycastle.openssl.PEMParser;
import org.bouncycastle.openssl.jcajce.JcaPEMKeyConverter;
import org.bouncycastle.openssl.jcajce.JcaPEMWriter;
import org.bouncycastle.operator.jcajce.JcaContentSignerBuilder;

/**
 * Where the HTTPS listener's certificate comes from ({@code [https] cert_mode}):
 * <ul>
 *   <li>{@code self_signed}: an ECDSA P-256 certificate for {@code domains}, generated once and
 *       kept in {@code <data_dir>/cert_cache/self_signed/} (iroh generates a new one at every
 *       start; keeping it lets clients pin it). It is regenerated when the domains change or
 *       fewer than 30 days of validity remain.
 *   <li>{@code manual}: exactly one domain; {@code <name>.crt} (PEM chain) and {@code <name>.key}
 *       (PEM key) where {@code <name>} is the domain with everything but {@code [A-Za-z0-9.-]}
 *       removed, read from {@code <data_dir>/cert_cache/manual/}, else
 *       {@code <data_dir>/cert_cache/}.
 *   <li>{@code lets_encrypt}: not supported yet; refused with a message at start.
 * </ul>
 */
public final class TlsCertificates {
  /** A PEM certificate chain and key on disk. */
  public record Pem(Path certificate, Path key) {}

  /**
   * A certificate chain and its key as read from disk, checked to belong together. The bytes are
   * what gets served (the key re-encoded as PKCS#8): the files may change again after they were
   * checked.
   *
   * @param files where they were read from
   * @param certificatePem the chain, as read
   * @param keyPem the key, as PKCS#8 PEM
   * @param fingerprint SHA-256 (hex) of the files' bytes: equal when the files are
   * @param leaf the first certificate of the chain, the one the key signs for
   */
  public record Loaded(Pem files, byte[] certificatePem, byte[] keyPem, X509Certificate leaf,
      String fingerprint) {
    /** The end of the leaf certificate's validity. */
    public Instant notAfter() {
      return leaf.getNotAfter().toInstant();
    }

    /** Vert.x options serving exactly these bytes. */
    public KeyCertOptions keyCertOptions() {
      return new PemKeyCertOptions().setCertValue(Buffer.buffer(certificatePem))
          .setKeyValue(Buffer.buffer(keyPem));
    }

    /** For logs: the subject, the names and the end of validity. */
    public String describe() {
      return leaf.getSubjectX500Principal().getName() + " valid until " + notAfter();
    }
  }

  /** The certificate modes of iroh-dns-server. */
  public enum CertMode {
    SELF_SIGNED,
    MANUAL,
    LETS_ENCRYPT;

    /** Parses iroh's spelling: {@code self_signed}, {@code manual}, {@code lets_encrypt}. */
    public static CertMode parse(String text) {
      return switch (text.trim().toLowerCase(Locale.ROOT)) {
        case "self_signed" -> SELF_SIGNED;
        case "manual" -> MANUAL;
        case "lets_encrypt", "letsencrypt" -> LETS_ENCRYPT;
        default -> throw new IllegalArgumentException(
            "cert_mode must be self_signed, manual or lets_encrypt, got '" + text + "'");
      };
    }
  }

  private static final Duration VALIDITY = Duration.ofDays(365);
  private static final Duration RENEW_BEFORE = Duration.ofDays(30);

  private TlsCertificates() {}

  /**
   * The certificate to serve, creating a self-signed one if needed.
   *
   * @throws IllegalArgumentException for a configuration that cannot work (lets_encrypt, manual
   *     with other than one domain, missing manual files), with the reason
   */
  public static Pem resolve(CertMode mode, List<String> domains, Path dataDir, Clock clock) {
    Path cache = dataDir.resolve("cert_cache");
    return switch (mode) {
      case LETS_ENCRYPT -> throw new IllegalArgumentException(
          "cert_mode = \"lets_encrypt\" is not supported by keyway yet; use \"manual\" with a"
              + " certificate from your ACME client (e.g. certbot) in " + cache.resolve("manual")
              + ", or \"self_signed\"");
      case MANUAL -> manual(domains, cache);
      case SELF_SIGNED -> selfSigned(domains, cache.resolve("self_signed"), clock);
    };
  }

  /**
   * What {@link #resolve} would refuse, without creating anything: for {@code --check}.
   *
   * @throws IllegalArgumentException with the reason
   */
  public static void check(CertMode mode, List<String> domains, Path dataDir) {
    switch (mode) {
      case LETS_ENCRYPT, MANUAL -> load(resolve(mode, domains, dataDir, Clock.systemUTC()));
      case SELF_SIGNED -> {
        if (domains.isEmpty()) {
          throw new IllegalArgumentException("[https] domains must name at least one domain");
        }
      }
    }
  }

  /**
   * Reads {@code pem} and checks that it can be served: at least one certificate, an unencrypted
   * PEM private key (PKCS#8, or PKCS#1/SEC1 as OpenSSL writes them), and that key
   * signing for the first certificate (a chain copied while the key was not yet, or the other way
   * round, would start TLS handshakes that all fail).
   *
   * @throws IllegalArgumentException with the reason when it cannot be served
   */
  public static Loaded load(Pem pem) {
    byte[] chain;
    byte[] key;
    try {
      chain = Files.readAllBytes(pem.certificate());
      key = Files.readAllBytes(pem.key());
    } catch (IOException e) {
      throw new IllegalArgumentException("cannot read " + e.getMessage(), e);
    }
    X509Certificate leaf;
    try {
      List<? extends java.security.cert.Certificate> certs = List.copyOf(
          CertificateFactory.getInstance("X.509").generateCertificates(new java.io.ByteArrayInputStream(chain)));
      if (certs.isEmpty()) {
        throw new IllegalArgumentException(pem.certificate() + " holds no PEM certificate");
      }
      leaf = (X509Certificate) certs.get(0);
    } catch (GeneralSecurityException e) {
      throw new IllegalArgumentException(pem.certificate() + " is not a PEM certificate chain: "
          + e.getMessage(), e);
    }
    PrivateKey privateKey = privateKey(pem.key(), key);
    if (!signsFor(privateKey, leaf.getPublicKey())) {
      throw new IllegalArgumentException(pem.key() + " is not the key of the certificate in "
          + pem.certificate() + " (" + leaf.getSubjectX500Principal().getName() + ")");
    }
    byte[] pkcs8; // the one form every Vert.x version reads, whatever form the file has
    try {
      pkcs8 = pemOf(new org.bouncycastle.openssl.jcajce.JcaPKCS8Generator(privateKey, null)
          .generate()).getBytes(StandardCharsets.US_ASCII);
    } catch (IOException e) {
      throw new IllegalArgumentException("cannot re-encode the key of " + pem.key(), e);
    }
    return new Loaded(pem, chain, pkcs8, leaf, fingerprint(chain, key));
  }

  /**
   * SHA-256 (hex) of the two files' bytes, to tell cheaply whether they changed since
   * {@link #load}.
   *
   * @throws UncheckedIOException if either cannot be read
   */
  public static String fingerprint(Pem pem) {
    try {
      return fingerprint(Files.readAllBytes(pem.certificate()), Files.readAllBytes(pem.key()));
    } catch (IOException e) {
      throw new UncheckedIOException("cannot read " + e.getMessage(), e);
    }
  }

  private static String fingerprint(byte[] chain, byte[] key) {
    java.security.MessageDigest sha = sha256();
    sha.update(chain);
    sha.update(key);
    return HexFormat.of().formatHex(sha.digest());
  }

  private static PrivateKey privateKey(Path file, byte[] pemBytes) {
    try (PEMParser parser = new PEMParser(new java.io.StringReader(
        new String(pemBytes, StandardCharsets.US_ASCII)))) {
      JcaPEMKeyConverter converter = new JcaPEMKeyConverter();
      for (Object o = parser.readObject(); o != null; o = parser.readObject()) {
        if (o instanceof PrivateKeyInfo info) {
          return converter.getPrivateKey(info);
        }
        if (o instanceof PEMKeyPair pair) {
          // not getKeyPair: a SEC1 key may leave out its public key
          return converter.getPrivateKey(pair.getPrivateKeyInfo());
        }
      }
    } catch (IOException e) {
      throw new IllegalArgumentException(file + " is not a PEM private key: " + e.getMessage(), e);
    }
    throw new IllegalArgumentException(file + " holds no unencrypted PEM private key");
  }

  /** Whether {@code key} makes signatures that {@code publicKey} verifies. */
  private static boolean signsFor(PrivateKey key, java.security.PublicKey publicKey) {
    String algorithm = switch (key.getAlgorithm()) {
      case "EC", "ECDSA" -> "SHA256withECDSA";
      case "RSA" -> "SHA256withRSA";
      case "Ed25519", "Ed448", "EdDSA" -> key.getAlgorithm();
      default -> throw new IllegalArgumentException("unsupported key algorithm " + key.getAlgorithm());
    };
    try {
      byte[] challenge = new byte[32];
      new SecureRandom().nextBytes(challenge);
      java.security.Signature signer = java.security.Signature.getInstance(algorithm);
      signer.initSign(key);
      signer.update(challenge);
      byte[] signature = signer.sign();
      java.security.Signature verifier = java.security.Signature.getInstance(algorithm);
      verifier.initVerify(publicKey);
      verifier.update(challenge);
      return verifier.verify(signature);
    } catch (GeneralSecurityException e) {
      return false; // e.g. an RSA key for an EC certificate
    }
  }

  static String escape(String domain) {
    return domain.replaceAll("[^a-zA-Z0-9.-]", "");
  }

  private static Pem manual(List<String> domains, Path cache) {
    if (domains.size() != 1) {
      throw new IllegalArgumentException("cert_mode = \"manual\" needs exactly one domain in"
          + " [https] domains, got " + domains.size());
    }
    String name = escape(domains.get(0));
    List<Path> tried = new ArrayList<>();
    for (Path dir : List.of(cache.resolve("manual"), cache)) {
      Pem pem = new Pem(dir.resolve(name + ".crt"), dir.resolve(name + ".key"));
      if (Files.isReadable(pem.certificate()) && Files.isReadable(pem.key())) {
        return pem;
      }
      tried.add(dir);
    }
    throw new IllegalArgumentException("cert_mode = \"manual\": no readable " + name + ".crt and "
        + name + ".key in " + tried);
  }

  private static Pem selfSigned(List<String> domains, Path dir, Clock clock) {
    if (domains.isEmpty()) {
      throw new IllegalArgumentException("[https] domains must name at least one domain");
    }
    String id = HexFormat.of().formatHex(
        sha256(String.join(",", domains).getBytes(StandardCharsets.UTF_8)), 0, 8);
    Pem pem = new Pem(dir.resolve(id + ".crt"), dir.resolve(id + ".key"));
    try {
      if (Files.isReadable(pem.certificate()) && Files.isReadable(pem.key())
          && validFor(pem.certificate(), clock.instant().plus(RENEW_BEFORE))) {
        return pem;
      }
      Files.createDirectories(dir);
      generate(domains, pem, clock.instant());
      return pem;
    } catch (IOException e) {
      throw new UncheckedIOException("cannot create the self-signed certificate in " + dir, e);
    } catch (GeneralSecurityException | org.bouncycastle.operator.OperatorCreationException e) {
      throw new IllegalStateException("cannot create a self-signed certificate", e);
    }
  }

  private static boolean validFor(Path certificate, Instant until) {
    try (var in = Files.newInputStream(certificate)) {
      X509Certificate c = (X509Certificate) CertificateFactory.getInstance("X.509")
          .generateCertificate(in);
      return c.getNotAfter().toInstant().isAfter(until);
    } catch (IOException | GeneralSecurityException e) {
      return false; // unreadable: make a new one
    }
  }

  private static void generate(List<String> domains, Pem pem, Instant now)
      throws IOException, GeneralSecurityException, org.bouncycastle.operator.OperatorCreationException {
    KeyPairGenerator gen = KeyPairGenerator.getInstance("EC");
    gen.initialize(new ECGenParameterSpec("secp256r1"), new SecureRandom());
    KeyPair pair = gen.generateKeyPair();
    X500Name subject = new X500Name("CN=" + escape(domains.get(0)));
    GeneralName[] names = new GeneralName[domains.size()];
    for (int i = 0; i < names.length; i++) {
      String d = domains.get(i);
      names[i] = isIpLiteral(d)
          ? new GeneralName(GeneralName.iPAddress, d)
          : new GeneralName(GeneralName.dNSName, d);
    }
    X509v3CertificateBuilder builder = new JcaX509v3CertificateBuilder(subject,
        new BigInteger(64, new SecureRandom()), Date.from(now.minus(Duration.ofMinutes(5))),
        Date.from(now.plus(VALIDITY)), subject, pair.getPublic())
        .addExtension(Extension.subjectAlternativeName, false, new GeneralNames(names));
    X509Certificate cert = new JcaX509CertificateConverter().getCertificate(
        builder.build(new JcaContentSignerBuilder("SHA256withECDSA").build(pair.getPrivate())));
    Path keyTmp = pem.key().resolveSibling(pem.key().getFileName() + ".tmp");
    Files.deleteIfExists(keyTmp);
    Files.createFile(keyTmp);
    try {
      Files.setPosixFilePermissions(keyTmp, PosixFilePermissions.fromString("rw-------"));
    } catch (UnsupportedOperationException notPosix) {
      // best effort outside POSIX file systems
    }
    Files.writeString(keyTmp, pemOf(new org.bouncycastle.openssl.jcajce.JcaPKCS8Generator(
        pair.getPrivate(), null).generate()));
    Files.move(keyTmp, pem.key(), java.nio.file.StandardCopyOption.REPLACE_EXISTING,
        java.nio.file.StandardCopyOption.ATOMIC_MOVE);
    Files.writeString(pem.certificate(), pemOf(cert));
  }

  private static boolean isIpLiteral(String s) {
    if (!s.matches("[0-9.]+|[0-9a-fA-F:]+")) {
      return false;
    }
    try {
      InetAddress.getByName(s);
      return true;
    } catch (IOException e) {
      return false;
    }
  }

  private static String pemOf(Object o) throws IOException {
    StringWriter w = new StringWriter();
    try (JcaPEMWriter pw = new JcaPEMWriter(w)) {
      pw.writeObject(o);
    }
    return w.toString();
  }

  private static byte[] sha256(byte[] b) {
    return sha256().digest(b);
  }

  private static java.security.MessageDigest sha256() {
    try {
      return java.security.MessageDigest.getInstance("SHA-256");
    } catch (GeneralSecurityException e) {
      throw new IllegalStateException(e);
    }
  }
}
