/**
 * A deterministic discrete-event simulator for {@link dev.keyway.gossip.proto.GossipState}: virtual
 * time, an event queue ordered by (time, sequence), seeded per-link latency, optional loss, node
 * crashes, restarts and partitions; invariant checks; and the metrics of the PlumTree paper
 * (reliability, RMR, LDH) per round. Scenarios are TOML files (see {@link dev.keyway.gossip.sim.Scenario});
 * {@link dev.keyway.gossip.sim.SimCommand} is the command-line entry point.
 */
package dev.keyway.gossip.sim;
