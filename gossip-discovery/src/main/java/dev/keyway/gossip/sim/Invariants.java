package dev.keyway.gossip.sim;

/**
 * Invariant violations found during a run. Checks run after bootstrap and after every round, once
 * the network is quiet (no message, disconnect or short protocol timer pending).
 *
 * @param checks how many times the checks ran
 * @param asymmetricActive active-view entries whose peer does not hold us in its active view
 * @param asymmetricEager eager entries whose peer does not hold us as eager, or eager/lazy sets
 *     that are not a split of the active view
 * @param deadNeighbors active-view entries naming a crashed node after the network was quiet
 * @param isolatedAfterBootstrap live nodes without a neighbour right after bootstrap
 * @param duplicateDeliveries messages delivered twice to the same node's application
 * @param notQuiet checks skipped because the network did not become quiet in time
 */
public record Invariants(
    int checks,
    int asymmetricActive,
    int asymmetricEager,
    int deadNeighbors,
    int isolatedAfterBootstrap,
    int duplicateDeliveries,
    int notQuiet) {

  /** No violation at all. */
  public boolean ok() {
    return asymmetricActive == 0 && asymmetricEager == 0 && deadNeighbors == 0
        && isolatedAfterBootstrap == 0 && duplicateDeliveries == 0 && notQuiet == 0;
  }

  Invariants plus(Invariants o) {
    return new Invariants(checks + o.checks, asymmetricActive + o.asymmetricActive,
        asymmetricEager + o.asymmetricEager, deadNeighbors + o.deadNeighbors,
        isolatedAfterBootstrap + o.isolatedAfterBootstrap,
        duplicateDeliveries + o.duplicateDeliveries, notQuiet + o.notQuiet);
  }

  static final Invariants NONE = new Invariants(0, 0, 0, 0, 0, 0, 0);
}
