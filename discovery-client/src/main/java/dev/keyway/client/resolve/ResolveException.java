package dev.keyway.client.resolve;

/**
 * A lookup source could not answer: no response in time, an I/O error, a server error (DNS
 * SERVFAIL or REFUSED, an unexpected HTTP status), or a record set that does not verify or
 * parse. "Not found" is never an exception: it is an empty result.
 */
public class ResolveException extends RuntimeException {
  private static final long serialVersionUID = 1L;

  public ResolveException(String message) {
    super(message);
  }

  public ResolveException(String message, Throwable cause) {
    super(message, cause);
  }
}
