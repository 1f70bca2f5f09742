package dev.keyway.gossip.book;

/**
 * When a book hands itself over: at once for the first newcomer, then at most once per spacing,
 * however many newcomers arrive meanwhile (a swarm starting, a bootstrap node taking many joins,
 * or a peer joining again and again under fresh keys). No IO and no clock: the caller starts a
 * timer of one spacing whenever this says to hand over, and reports its end.
 */
final class HandOverPacer {
  private boolean spacing;
  private boolean wanted;

  /** A newcomer arrived: true if the caller should hand over now (and start the spacing timer). */
  boolean request() {
    if (spacing) {
      wanted = true;
      return false;
    }
    spacing = true;
    return true;
  }

  /** The spacing timer fired: true if the caller should hand over now (and start it again). */
  boolean spacingEnded() {
    if (wanted) {
      wanted = false;
      return true;
    }
    spacing = false;
    return false;
  }
}
