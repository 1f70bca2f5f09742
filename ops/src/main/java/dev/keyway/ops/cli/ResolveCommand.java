package dev.keyway.ops.cli;

import dev.keyway.client.InvalidInputException;
import dev.keyway.client.addr.EndpointAddr;
import dev.keyway.client.keys.PublicKey;
import dev.keyway.client.lookup.ClientRuntime;
import dev.keyway.client.lookup.LookupFailedException;
import dev.keyway.client.lookup.LookupItem;
import dev.keyway.client.lookup.LookupStream;
import dev.keyway.client.lookup.LookupSummary;
import dev.keyway.client.lookup.Resolver;
import dev.keyway.client.lookup.SourceOutcome;
import dev.keyway.client.lookup.TtlCache;
import dev.keyway.client.record.EndpointInfo;
import dev.keyway.client.resolve.DnsLookup;
import dev.keyway.client.resolve.DohLookup;
import dev.keyway.client.resolve.PkarrRelayLookup;
import dev.keyway.client.ticket.Tickets;
import java.io.PrintWriter;
import java.net.InetSocketAddress;
import java.net.URI;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.Callable;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/** {@code keyway resolve ID|Z32|TICKET}: look a node up. */
@Command(
    name = "resolve",
    mixinStandardHelpOptions = true,
    description = {
      "Look a node up: its relay URLs, direct addresses and user data.",
      "The node is an id (hex, base32, z-base-32 or pk:<z32>) or a ticket (endpoint... or node...)."
          + " DNS, DoH and pkarr relays are asked at once; the first answer wins and the table"
          + " shows which source gave it and how long it took.",
      "Without --dns, --doh or --relay the local `keyway up` is asked:",
      "  DNS " + ClientOptions.LOCAL_DNS + " with origin " + ClientOptions.LOCAL_ORIGIN,
      "  relay " + ClientOptions.LOCAL_RELAY,
      "With any of them, only the sources given are asked.",
      "A ticket's own addresses are shown at once, without network; --refresh also waits for"
          + " discovery and shows what every source found, merged."
    },
    exitCodeListHeading = "%nExit codes:%n",
    exitCodeList = {
      "0:found",
      "1:not found (every source that answered said so)",
      "2:usage error (bad id, ticket or option)",
      "3:network error (no source could answer: unreachable, timeout, server error, invalid record)"
    })
public final class ResolveCommand implements Callable<Integer> {
  static final int FOUND = 0;
  static final int NOT_FOUND = 1;
  static final int NETWORK_ERROR = 3;

  @Spec CommandSpec spec;

  @Parameters(paramLabel = "ID|Z32|TICKET", description = "Node id in any form, or a ticket.")
  String target;

  @Option(names = "--dns", paramLabel = "HOST:PORT", description = "DNS server to ask (repeatable).")
  List<String> dns = new ArrayList<>();

  @Option(names = "--origin", paramLabel = "ORIGIN", defaultValue = ClientOptions.LOCAL_ORIGIN,
      description = "Origin of _iroh.<z32>.<origin> for DNS and DoH (default: ${DEFAULT-VALUE}).")
  String origin;

  @Option(names = "--doh", paramLabel = "URL", description = "DNS-over-HTTPS URL, e.g. http://127.0.0.1:8080/dns-query (repeatable).")
  List<String> doh = new ArrayList<>();

  @Option(names = "--relay", paramLabel = "URL",
      description = "pkarr relay base URL, e.g. http://127.0.0.1:8080/pkarr or http://127.0.0.1:6881 (repeatable).")
  List<String> relays = new ArrayList<>();

  @Option(names = "--timeout", paramLabel = "S", defaultValue = "10",
      description = "Give up after S seconds (default: ${DEFAULT-VALUE}).")
  double timeoutSeconds;

  @Option(names = "--refresh", description = "For a ticket: also ask discovery.")
  boolean refresh;

  @Option(names = "--all", description = "Wait for every source instead of stopping at the first answer.")
  boolean all;

  @Option(names = "--json", description = "Print JSON.")
  boolean json;

  /** --all, or a ticket with --refresh: every source is awaited and their answers merged. */
  private boolean waitForAll;

  @Override
  public Integer call() throws Exception {
    Duration timeout = ClientOptions.seconds("--timeout", timeoutSeconds);
    EndpointAddr ticket = null;
    PublicKey id;
    String text = target.strip();
    if (text.startsWith("endpoint") || text.startsWith("node")) {
      ticket = Tickets.parse(text);
      id = ticket.id();
    } else {
      id = KeyCommand.parseAnyPublic(text);
    }
    List<InetSocketAddress> dnsServers = dns.stream().map(ClientOptions::hostPort).toList();
    List<URI> dohUrls = doh.stream().map(ClientOptions::httpUrl).toList();
    List<URI> relayUrls = relays.stream().map(ClientOptions::relay).toList();
    if (dnsServers.isEmpty() && dohUrls.isEmpty() && relayUrls.isEmpty()) {
      dnsServers = List.of(ClientOptions.hostPort(ClientOptions.LOCAL_DNS));
      relayUrls = List.of(ClientOptions.relay(ClientOptions.LOCAL_RELAY));
    }
    try {
      org.xbill.DNS.Name.fromString(origin.endsWith(".") ? origin : origin + ".");
    } catch (org.xbill.DNS.TextParseException e) {
      throw new InvalidInputException("invalid --origin '" + origin + "': " + e.getMessage());
    }

    long start = System.nanoTime();
    try (ClientRuntime rt = ClientRuntime.create()) {
      TtlCache cache = new TtlCache(rt.clock());
      Resolver.Builder b = Resolver.builder(rt).cache(cache);
      try {
        if (!dnsServers.isEmpty()) {
          DnsLookup.Builder d = DnsLookup.builder(rt, origin);
          dnsServers.forEach(d::nameserver);
          b.lookup(d.build());
        }
        for (URI u : dohUrls) {
          b.lookup(DohLookup.builder(rt, u, origin).timeout(timeout).build());
        }
      } catch (IllegalArgumentException e) { // an --origin too long for _iroh.<z32>. in front
        throw new InvalidInputException(e.getMessage(), e);
      }
      for (URI u : relayUrls) {
        b.lookup(PkarrRelayLookup.builder(rt, u).timeout(timeout).knownPackets(cache::knownPacket).build());
      }
      try (Resolver resolver = b.build()) {
        LookupStream stream = ticket != null ? resolver.resolve(ticket, refresh) : resolver.resolve(id);
        // A refreshed ticket answers at once from its own addresses: wait for discovery too, or
        // --refresh would show only what the ticket already said.
        waitForAll = all || (ticket != null && refresh);
        List<Long> arrivals = new ArrayList<>();
        stream.onItem(i -> {
          synchronized (arrivals) {
            arrivals.add(System.nanoTime() - start);
          }
        });
        Optional<LookupItem> first;
        String failure = null;
        boolean timedOut = false;
        try {
          long budget = timeout.toNanos();
          if (waitForAll) {
            try {
              stream.done().get(budget, TimeUnit.NANOSECONDS);
            } catch (TimeoutException e) {
              // A source still runs; what the others found by now still counts (below).
            }
          }
          first = stream.first().get(Math.max(0, budget - (System.nanoTime() - start)), TimeUnit.NANOSECONDS);
        } catch (TimeoutException e) {
          first = Optional.empty();
          timedOut = true;
          failure = "no answer within " + timeout.toMillis() + " ms";
        } catch (ExecutionException e) {
          first = Optional.empty();
          failure = e.getCause() instanceof LookupFailedException l ? l.getMessage() : String.valueOf(e.getCause());
        }
        long tookNanos = System.nanoTime() - start;
        stream.cancel();
        LookupSummary summary = stream.done().get(5, TimeUnit.SECONDS);
        int code = first.isPresent() ? FOUND
            : summary.notFound() ? NOT_FOUND : NETWORK_ERROR;
        print(id, first, summary, arrivals, tookNanos, code, failure, timedOut);
        return code;
      }
    }
  }

  private void print(PublicKey id, Optional<LookupItem> first, LookupSummary summary, List<Long> arrivals,
      long tookNanos, int code, String failure, boolean timedOut) {
    PrintWriter out = spec.commandLine().getOut();
    Map<String, Object> f = new LinkedHashMap<>();
    f.put("id", id.toString());
    f.put("z32", id.toZ32());
    f.put("result", code == FOUND ? "found" : code == NOT_FOUND ? "not found" : "error");
    if (first.isPresent()) {
      LookupItem item = first.get();
      EndpointInfo info = waitForAll ? summary.merged().orElse(item.endpointInfo()) : item.endpointInfo();
      f.put("source", waitForAll ? foundSources(summary) : item.provenance() + sourceSuffix(summary, item));
      f.put("relays", info.relayUrls().stream().map(Object::toString).toList());
      f.put("addrs", info.ipAddrs().stream().map(Object::toString).toList());
      if (!info.customAddrs().isEmpty()) {
        f.put("custom", info.customAddrs().stream().map(Object::toString).toList());
      }
      f.put("user-data", info.userData().map(Object::toString).orElse(null));
      f.put("last-updated", item.lastUpdatedMicros().isPresent()
          ? Instant.EPOCH.plusNanos(item.lastUpdatedMicros().getAsLong() * 1000).toString() : null);
      long firstNanos;
      synchronized (arrivals) {
        firstNanos = arrivals.isEmpty() ? tookNanos : arrivals.get(0);
      }
      f.put("time-ms", millis(firstNanos));
    } else {
      f.put("time-ms", millis(tookNanos));
      if (failure != null && code != NOT_FOUND && (json || timedOut)) {
        f.put("error", failure); // in text, the per-source lines below say the same
      }
      if (timedOut) {
        f.put("timed-out", true);
      }
    }
    List<Object> sources = new ArrayList<>();
    for (SourceOutcome o : summary.outcomes()) {
      if (json) {
        Map<String, Object> s = new LinkedHashMap<>();
        s.put("source", o.source());
        s.put("status", o.status().name().toLowerCase(java.util.Locale.ROOT).replace('_', '-'));
        o.error().ifPresent(e -> s.put("error", LookupFailedException.describe(e)));
        sources.add(s);
      } else {
        sources.add(o.source() + ": " + o.status().name().toLowerCase(java.util.Locale.ROOT).replace('_', ' ')
            + o.error().map(e -> " (" + LookupFailedException.describe(e) + ")").orElse(""));
      }
    }
    f.put("sources", sources);
    Output.print(out, json, f);
  }

  private static String sourceSuffix(LookupSummary summary, LookupItem item) {
    for (SourceOutcome o : summary.outcomes()) {
      if (o.item().filter(i -> i == item).isPresent()) {
        String rest = o.source().startsWith(item.provenance())
            ? o.source().substring(item.provenance().length()).strip() : null;
        return rest == null ? " (via " + o.source() + ")" : rest.isEmpty() ? "" : " (" + rest + ")";
      }
    }
    return "";
  }

  /** Every source that found the node, merged into what is shown ("dns 127.0.0.1:53 + ticket"). */
  private static String foundSources(LookupSummary summary) {
    List<String> found = new ArrayList<>();
    for (SourceOutcome o : summary.outcomes()) {
      if (o.item().isPresent()) {
        found.add(o.source());
      }
    }
    return String.join(" + ", found);
  }

  private static double millis(long nanos) {
    return Math.round(nanos / 1e4) / 100.0;
  }
}
