package dev.keyway.client.lookup;

import java.util.Objects;
import java.util.Optional;

/**
 * How one source of a {@link LookupStream} ended.
 *
 * @param source the source's name, e.g. {@code dns 127.0.0.1:5300} or
 *     {@code pkarr http://127.0.0.1:8080/pkarr}
 * @param status found, not found (a definitive "no such record"), failed, or cancelled
 * @param item the item, when found
 * @param error the error, when failed
 */
public record SourceOutcome(String source, Status status, Optional<LookupItem> item, Optional<Throwable> error) {

  /** The end of a source. */
  public enum Status {
    /** The source answered with the endpoint's info. */
    FOUND,
    /** The source answered that it has no record for the endpoint (NXDOMAIN, NODATA, 404). */
    NOT_FOUND,
    /** The source could not answer: network error, timeout, server error, invalid record. */
    FAILED,
    /** The lookup was cancelled before the source answered. */
    CANCELLED
  }

  public SourceOutcome {
    Objects.requireNonNull(source, "source");
    Objects.requireNonNull(status, "status");
    Objects.requireNonNull(item, "item");
    Objects.requireNonNull(error, "error");
  }
}
