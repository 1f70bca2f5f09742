package dev.keyway.dns.answer;

/**
 * How a query was answered, and the one place where that maps to a DNS RCODE and to the flags and
 * sections that go with it. The metric class (iroh's {@code dns_lookup_success / notfound /
 * error}) is derived here too.
 */
public enum Status {
  /** NOERROR with records in the answer section. */
  ANSWER(0, true),
  /** NOERROR, empty answer, SOA in authority: the name exists, the type does not (RFC 2308). */
  NODATA(0, true),
  /** NXDOMAIN, SOA in authority: the name does not exist (RFC 2308). */
  NXDOMAIN(3, true),
  /** REFUSED: outside our origins, not class IN, or a zone transfer (AXFR/IXFR). */
  REFUSED(5, false),
  /** NOTIMP: an opcode other than QUERY. */
  NOTIMP(4, false),
  /** FORMERR: the query could not be parsed, or broke a rule (RFC 1035, RFC 6891). */
  FORMERR(1, false),
  /** BADVERS (extended RCODE 16): EDNS version above 0 (RFC 6891 §6.1.3). */
  BADVERS(16, false),
  /** SERVFAIL: the store failed while answering. */
  SERVFAIL(2, false),
  /** Not answered at all: the message was a response (QR=1) or too short to carry an ID. */
  DROPPED(-1, false);

  private final int rcode;
  private final boolean authoritative;

  Status(int rcode, boolean authoritative) {
    this.rcode = rcode;
    this.authoritative = authoritative;
  }

  /** The full (extended) RCODE: low 4 bits in the header, the rest in the OPT record. */
  public int rcode() {
    return rcode;
  }

  /** Whether the response carries AA=1: answers and negative answers from our own zones. */
  public boolean authoritative() {
    return authoritative;
  }

  /** iroh's lookup metric class. */
  public Outcome outcome() {
    return switch (this) {
      case ANSWER -> Outcome.SUCCESS;
      case NODATA, NXDOMAIN -> Outcome.NOT_FOUND;
      default -> Outcome.ERROR;
    };
  }

  /** iroh-dns-server's lookup counters: success, notfound, error. */
  public enum Outcome {
    SUCCESS,
    NOT_FOUND,
    ERROR
  }
}
