package dev.keyway.dns.answer;

/**
 * The result of {@link ZoneAnswerer#answer}: the response bytes (null when the query is dropped)
 * and what transports need to count, cache and log.
 */
public final class Answer {
  static final Answer DROPPED = new Answer(null, Status.DROPPED, false, -1, 0);

  private final byte[] wire;
  private final Status status;
  private final boolean truncated;
  private final long minTtl;
  private final int qtype;

  Answer(byte[] wire, Status status, boolean truncated, long minTtl, int qtype) {
    this.wire = wire;
    this.status = status;
    this.truncated = truncated;
    this.minTtl = minTtl;
    this.qtype = qtype;
  }

  /** The response message, or null when nothing must be sent. Callers must not modify it. */
  public byte[] wire() {
    return wire;
  }

  /** How the query was answered. */
  public Status status() {
    return status;
  }

  /** Whether the response was cut to header + question with TC=1 to fit the UDP limit. */
  public boolean truncated() {
    return truncated;
  }

  /**
   * How long the response may be cached (DoH's {@code max-age}): the smallest TTL in the answer
   * section, or for a negative answer the negative-caching TTL of its SOA (RFC 2308 §5); -1 for
   * errors and refusals.
   */
  public long minTtl() {
    return minTtl;
  }

  /** The question's type, or -1 if the question did not parse. */
  public int qtype() {
    return qtype;
  }

  @Override
  public String toString() {
    return "Answer[" + status + (truncated ? ", TC" : "") + ", "
        + (wire == null ? "dropped" : wire.length + " bytes") + "]";
  }
}
