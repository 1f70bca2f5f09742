package dev.keyway.ops.cli;

import dev.keyway.gossip.book.GossipAddressBook;
import dev.keyway.gossip.net.GossipNode;
import dev.keyway.relay.RelayServer;
import dev.keyway.relay.metrics.ProcessMeters;
import io.micrometer.core.instrument.FunctionCounter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import java.util.function.IntSupplier;

/**
 * A gossip node's Prometheus series, served at {@code /metrics} of its web page: every counter of
 * the book ({@code gossip_book_<counter>_total}: announced, accepted, forged, untimely, expired,
 * ...) and of the network ({@code gossip_net_<counter>_total}: connections, dials, frames), the
 * book's size ({@code gossip_book_entries}), the gossip neighbours ({@code gossip_neighbors}),
 * and the JVM and process series every keyway server exports.
 */
final class GossipMetrics implements AutoCloseable {
  private final PrometheusMeterRegistry registry = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
  private final ProcessMeters process;

  GossipMetrics(GossipNode node, GossipAddressBook book, IntSupplier neighbours) {
    process = ProcessMeters.bind(registry, RelayServer.version());
    for (String counter : book.stats().asMap().keySet()) {
      FunctionCounter.builder("gossip.book." + counter, book, b -> b.stats().asMap().get(counter))
          .description("address book: " + counter.replace('_', ' '))
          .register(registry);
    }
    for (String counter : node.stats().asMap().keySet()) {
      FunctionCounter.builder("gossip.net." + counter, node, n -> n.stats().asMap().get(counter))
          .description("gossip network: " + counter.replace('_', ' '))
          .register(registry);
    }
    Gauge.builder("gossip.book.entries", book, b -> b.book().size())
        .description("nodes in the address book").register(registry);
    // Strong: Micrometer holds a gauge's object weakly, and nothing else holds this lambda.
    Gauge.builder("gossip.neighbors", neighbours, IntSupplier::getAsInt).strongReference(true)
        .description("gossip neighbours (the topic's active view)").register(registry);
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
