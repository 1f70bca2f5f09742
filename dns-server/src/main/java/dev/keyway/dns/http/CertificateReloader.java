package dev.keyway.dns.http;

import io.vertx.core.net.KeyCertOptions;
import java.util.Objects;
import java.util.function.Consumer;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Keeps the HTTPS certificate current without a restart. Each {@link #check} locates the files
 * again (for {@code self_signed} that renews a certificate close to its end), and when their
 * bytes changed since the certificate being served was read, loads and checks them
 * ({@link TlsCertificates#load}) and serves them to new connections. Files that cannot be served
 * (missing while an ACME client replaces them, a key that is not the certificate's) leave the
 * served certificate as it is; each distinct problem is logged once, as a warning.
 *
 * <p>Checks may come from any thread but one at a time; they read files, so not on an event loop.
 */
public final class CertificateReloader {
  private static final Logger LOG = LoggerFactory.getLogger(CertificateReloader.class);

  private final Supplier<TlsCertificates.Pem> locate;
  private final Consumer<KeyCertOptions> serve;
  private volatile TlsCertificates.Loaded current;
  /** The last problem logged, so that a check every minute does not repeat it. */
  private String lastProblem;

  /**
   * @param locate where the files are now ({@link TlsCertificates#resolve} with the config)
   * @param serve serves a certificate to new connections, or throws if it cannot
   * @param initial what is served now
   */
  public CertificateReloader(Supplier<TlsCertificates.Pem> locate, Consumer<KeyCertOptions> serve,
      TlsCertificates.Loaded initial) {
    this.locate = Objects.requireNonNull(locate, "locate");
    this.serve = Objects.requireNonNull(serve, "serve");
    this.current = Objects.requireNonNull(initial, "initial");
  }

  /** The certificate served now. */
  public TlsCertificates.Loaded current() {
    return current;
  }

  /**
   * Serves the files' certificate if it changed and can be served.
   *
   * @return whether a different certificate is served now
   */
  public synchronized boolean check() {
    TlsCertificates.Loaded next;
    try {
      TlsCertificates.Pem pem = locate.get();
      if (pem.equals(current.files()) && TlsCertificates.fingerprint(pem).equals(current.fingerprint())) {
        lastProblem = null;
        return false;
      }
      next = TlsCertificates.load(pem);
      serve.accept(next.keyCertOptions());
    } catch (RuntimeException e) {
      String problem = e.getMessage();
      if (!Objects.equals(problem, lastProblem)) {
        lastProblem = problem;
        LOG.warn("https certificate not reloaded, still serving {}: {}", current.describe(), problem);
      }
      return false;
    }
    lastProblem = null;
    current = next;
    LOG.info("https certificate reloaded from {}: {}", next.files().certificate(), next.describe());
    return true;
  }
}
