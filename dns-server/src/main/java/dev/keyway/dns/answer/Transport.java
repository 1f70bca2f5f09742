package dev.keyway.dns.answer;

/** The transport a query arrived on; it decides the response size limit. */
public enum Transport {
  /** UDP: limit = the client's EDNS payload size (at least 512, at most ours), else 512. */
  UDP,
  /** TCP with 2-byte length framing (RFC 7766): up to 65535 bytes. */
  TCP,
  /** DNS over HTTPS (RFC 8484) and the JSON API: up to 65535 bytes. */
  HTTPS;

  /** Largest message a stream transport carries. */
  public static final int MAX_MESSAGE = 65535;
}
