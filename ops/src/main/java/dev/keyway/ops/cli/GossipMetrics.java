package dev.keyway.ops.cli;

import dev.keyway.gossip.book.GossipAddressBook;
import dev.keyway.gossip.net.GossipNode;
import dev.keyway.relay.RelayServer;
import dev.keyway.relay.metrics.ProcessMeters;
import io.micrometer.core.instrument.FunctionCounter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import java.util.Map;
import java.util.function.IntSupplier;

/**
 * A gossip node's Prometheus series, served at {@code /metrics} of its web page: every counter of
 * the book ({@code gossip_book_<counter>_total}: announced, accepted, forged, untimely, expired,
 * ...) and of the network ({@code gossip_net_<counter>_total}: connections, dials, frames), the
 * book's size ({@code gossip_book_entries}), the gossip neighbours ({@code gossip_neighbors}), the
 * number of {@code --bootstrap} peers it was started with ({@code gossip_bootstrap_peers}: a member
 * given some is meant to have neighbours, so KeywayGossipIsolated fires for it even when it is the
 * only member its Prometheus scrapes), and the JVM and process series every keyway server exports.
 */
final class GossipMetrics implements AutoCloseable {
  /**
   * What each book counter counts, for its HELP line (see BookStats); a counter not listed here
   * gets its bare name.
   */
  static final Map<String, String> BOOK_HELP = Map.ofEntries(
      Map.entry("announced", "announcements of this node's own record broadcast"),
      Map.entry("accepted", "verified, newer announcements of other nodes taken into the book (hand-overs included)"),
      Map.entry("discovered", "nodes that were new to the book when announced"),
      Map.entry("forged", "announcements and leaves dropped: bad signature, or signed by another key than"
          + " the node named"),
      Map.entry("replayed", "announcements and leaves dropped: not newer than the book's entry or a removed"
          + " node's last message (a leave replayed after its node restarted)"),
      Map.entry("untimely", "announcements and leaves dropped: signed more than the expiry ahead of this"
          + " node's clock, or before the replay window (clock skew)"),
      Map.entry("malformed", "messages on the topic dropped: not an announcement, hand-over or leave of a"
          + " known kind (a hand-over counts once)"),
      Map.entry("left", "entries removed because their node said it was leaving (a verified leave newer"
          + " than its announcement): nodes stopped on purpose, removed at once instead of expiring"),
      Map.entry("expired", "entries removed by the sweep: nodes silent for longer than the expiry"),
      Map.entry("joined", "join requests sent: newly seen nodes asked to join, and redials of departed nodes"
          + " (not members that joined)"),
      Map.entry("lagged", "events lost because the book's subscription to the topic lagged"),
      Map.entry("relayed", "announcements taken from other members' hand-overs (counted in accepted too)"),
      Map.entry("handed_over", "hand-over messages (one frame's worth of the book each) queued to neighbours"),
      Map.entry("key_shared", "announcements of this node's id, signed with its key, from another process:"
          + " two nodes share one key"));

  /** What each network counter counts, for its HELP line (see NetStats). */
  static final Map<String, String> NET_HELP = Map.ofEntries(
      Map.entry("connections_opened", "authenticated connections opened, dialled or accepted"),
      Map.entry("connections_closed", "connections closed"),
      Map.entry("handshakes_rejected", "inbound handshakes that failed: a dialler expecting another node's id,"
          + " a bad certificate or protocol"),
      Map.entry("dials_failed", "dials that found no address or whose every address failed (wrong id included)"),
      Map.entry("frames_sent", "frames handed to a connection for sending"),
      Map.entry("frames_received", "frames received and handed to the gossip state machine"),
      Map.entry("frames_dropped", "frames not sent: a send queue was full, or a dial failed with frames waiting"),
      Map.entry("frames_oversized", "received frames over the size limit, skipped unread"),
      Map.entry("frames_malformed", "received frames that did not decode"),
      Map.entry("protocol_errors", "stream rule violations by peers"),
      Map.entry("frames_foreign_topic", "received frames on a topic this node never joined: a peer"
          + " configured with another --topic (warned once per peer)"));

  private final PrometheusMeterRegistry registry = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
  private final ProcessMeters process;

  /** {@code bootstrapPeers}: the number of {@code --bootstrap} values the node was started with. */
  GossipMetrics(GossipNode node, GossipAddressBook book, IntSupplier neighbours, int bootstrapPeers) {
    process = ProcessMeters.bind(registry, RelayServer.version());
    for (String counter : book.stats().asMap().keySet()) {
      FunctionCounter.builder("gossip.book." + counter, book, b -> b.stats().asMap().get(counter))
          .description("address book: " + BOOK_HELP.getOrDefault(counter, counter.replace('_', ' ')))
          .register(registry);
    }
    for (String counter : node.stats().asMap().keySet()) {
      FunctionCounter.builder("gossip.net." + counter, node, n -> n.stats().asMap().get(counter))
          .description("gossip network: " + NET_HELP.getOrDefault(counter, counter.replace('_', ' ')))
          .register(registry);
    }
    Gauge.builder("gossip.book.entries", book, b -> b.book().size())
        .description("nodes in the address book now, this node not included").register(registry);
    // Strong: Micrometer holds a gauge's object weakly, and nothing else holds this lambda.
    Gauge.builder("gossip.neighbors", neighbours, IntSupplier::getAsInt).strongReference(true)
        .description("gossip neighbours now (the topic's active view); 0: isolated, hears of no change").register(registry);
    Gauge.builder("gossip.bootstrap.peers", () -> bootstrapPeers).strongReference(true)
        .description("--bootstrap peers this member was started with (0: a first member, which waits to be"
            + " joined); a member with some and no neighbour is isolated even if it is the only one scraped")
        .register(registry);
  }

  /** The Prometheus text. */
  String scrape() {
    return registry.scrape();
  }

  @Override
  public void close() {
    process.close();
    registry.close();
  }
}
