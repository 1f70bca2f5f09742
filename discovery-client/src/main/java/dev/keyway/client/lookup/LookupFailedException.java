package dev.keyway.client.lookup;

import java.util.List;
import java.util.stream.Collectors;

/**
 * Every source of a lookup failed: none found the endpoint and none could say that it does not
 * exist. The message names each source and its error; {@link #outcomes()} has the details.
 */
public final class LookupFailedException extends RuntimeException {
  private static final long serialVersionUID = 1L;
  private final transient List<SourceOutcome> outcomes;

  public LookupFailedException(List<SourceOutcome> outcomes) {
    super(message(outcomes), firstError(outcomes), false, false);
    this.outcomes = List.copyOf(outcomes);
  }

  /** What each source did (all {@link SourceOutcome.Status#FAILED} or cancelled). */
  public List<SourceOutcome> outcomes() {
    return outcomes;
  }

  private static Throwable firstError(List<SourceOutcome> outcomes) {
    return outcomes.stream().flatMap(o -> o.error().stream()).findFirst().orElse(null);
  }

  private static String message(List<SourceOutcome> outcomes) {
    return "lookup failed: " + outcomes.stream()
        .map(o -> o.source() + ": " + o.error().map(LookupFailedException::describe).orElse(o.status().toString()))
        .collect(Collectors.joining("; "));
  }

  /** A one-line description of an error: its message, or its type if it has none. */
  public static String describe(Throwable t) {
    String m = t.getMessage();
    return m == null || m.isBlank() ? t.getClass().getSimpleName() : m;
  }
}
