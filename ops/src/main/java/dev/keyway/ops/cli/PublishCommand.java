package dev.keyway.ops.cli;

import dev.keyway.client.InvalidInputException;
import dev.keyway.client.addr.RelayUrl;
import dev.keyway.client.addr.SocketAddr;
import dev.keyway.client.addr.TransportAddr;
import dev.keyway.client.keys.KeyFiles;
import dev.keyway.client.keys.SecretKey;
import dev.keyway.client.lookup.ClientRuntime;
import dev.keyway.client.publish.AddrFilter;
import dev.keyway.client.publish.PkarrPublisher;
import dev.keyway.client.publish.PublishOutcome;
import dev.keyway.client.record.EndpointInfo;
import dev.keyway.client.record.IrohTxt;
import dev.keyway.client.record.UserData;
import dev.keyway.ops.log.OneShotPublishFilter;
import java.io.IOException;
import java.io.PrintWriter;
import java.io.UncheckedIOException;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/** {@code keyway publish}: sign a node's records and put them on relays. */
@Command(
    name = "publish",
    mixinStandardHelpOptions = true,
    description = {
      "Sign a node's _iroh records (relay URLs, direct addresses, user data) and PUT them to pkarr"
          + " relays, as iroh's PkarrPublisher does.",
      "--to takes iroh-dns-server style URLs (http://127.0.0.1:8080/pkarr) and pkarr relays"
          + " (http://127.0.0.1:6881) alike; without --to the local `keyway up` relay "
          + ClientOptions.LOCAL_RELAY + " is used.",
      "Every address given is published (no filter). With --watch the records are republished"
          + " every 5 minutes, and failed relays retried with backoff, until Ctrl-C."
    },
    exitCodeListHeading = "%nExit codes (without --watch):%n",
    exitCodeList = {
      "0:every relay accepted the records",
      "1:a relay refused them (400/413 invalid, 409/428 stale, 429 rate limited)",
      "2:usage error (bad key file, address, URL or option)",
      "3:network error (a relay could not be reached, timed out or failed)"
    })
public final class PublishCommand implements Callable<Integer> {
  @Spec CommandSpec spec;

  @Option(names = "--secret", required = true, paramLabel = "FILE",
      description = "Secret key file (keyway key generate --out FILE).")
  Path secret;

  @Option(names = "--relay-url", paramLabel = "URL", description = "Home relay URL to publish (repeatable).")
  List<String> relayUrls = new ArrayList<>();

  @Option(names = "--addr", paramLabel = "IP:PORT", description = "Direct address to publish (repeatable).")
  List<String> addrs = new ArrayList<>();

  @Option(names = "--user-data", paramLabel = "TEXT", description = "User data (at most 245 bytes).")
  String userData;

  @Option(names = "--ttl", paramLabel = "S", defaultValue = "30",
      description = "TTL of the records in seconds (default: ${DEFAULT-VALUE}).")
  long ttl;

  @Option(names = "--to", paramLabel = "URL", description = "pkarr relay to publish to (repeatable).")
  List<String> to = new ArrayList<>();

  @Option(names = "--timeout", paramLabel = "S", defaultValue = "10",
      description = "Time for each PUT in seconds (default: ${DEFAULT-VALUE}).")
  double timeoutSeconds;

  @Option(names = "--watch", description = "Keep republishing until Ctrl-C.")
  boolean watch;

  @Option(names = "--allow-empty", description = "Publish even with no --relay-url, --addr or"
      + " --user-data: an empty record set, which tells resolvers the node has no addresses.")
  boolean allowEmpty;

  @Option(names = "--json", description = "Print JSON (one document, or one line per outcome with --watch).")
  boolean json;

  @Override
  public Integer call() throws Exception {
    SecretKey key = readKey();
    if (ttl < 0 || ttl > 0x7FFF_FFFFL) {
      throw new InvalidInputException("--ttl must be 0..2147483647 seconds, got " + ttl);
    }
    Duration timeout = ClientOptions.seconds("--timeout", timeoutSeconds);
    List<TransportAddr> all = new ArrayList<>();
    relayUrls.forEach(u -> all.add(new TransportAddr.Relay(RelayUrl.parse(u))));
    addrs.forEach(a -> all.add(new TransportAddr.Ip(SocketAddr.parse(a))));
    if (all.isEmpty() && userData == null && !allowEmpty) {
      // It would replace the node's published addresses with nothing (DNS then answers NODATA).
      throw new InvalidInputException("nothing to publish: give --relay-url, --addr or --user-data"
          + " (or --allow-empty to publish an empty record set on purpose)");
    }
    EndpointInfo info = EndpointInfo.of(key.publicKey(), all, userData == null ? null : UserData.of(userData));
    List<URI> targets = (to.isEmpty() ? List.of(ClientOptions.LOCAL_RELAY) : to).stream()
        .map(ClientOptions::relay).toList();
    try {
      IrohTxt.toSignedPacket(info, key, ttl, 0); // too big for a packet is a usage error, before any network
    } catch (IllegalArgumentException e) {
      throw new InvalidInputException("cannot publish these records: " + e.getMessage());
    }

    PrintWriter out = spec.commandLine().getOut();
    try (ClientRuntime rt = ClientRuntime.create()) {
      PkarrPublisher.Builder b = PkarrPublisher.builder(rt, key)
          .ttl(Duration.ofSeconds(ttl))
          .requestTimeout(timeout)
          .addrFilter(AddrFilter.unfiltered());
      targets.forEach(b::relay);
      if (watch) {
        return watch(b, info, out);
      }
      // One round: the publisher's "failed ...; retrying in 1 s" warning would announce a retry
      // this command never makes; the outcome of every relay is printed below instead.
      try (AutoCloseable noRetryWarning = OneShotPublishFilter.install();
          PkarrPublisher publisher = b.build()) {
        List<PublishOutcome> round = publisher.publishNow(info).get(timeout.toMillis() * 3 + 5_000, TimeUnit.MILLISECONDS);
        Map<String, Object> f = new LinkedHashMap<>();
        f.put("id", key.publicKey().toString());
        f.put("z32", key.publicKey().toZ32());
        f.put("records", IrohTxt.toTxtStrings(info));
        f.put("ttl", ttl);
        f.put("timestamp", round.isEmpty() ? null : Instant.EPOCH.plusNanos(round.get(0).timestampMicros() * 1000).toString());
        List<Object> relays = new ArrayList<>();
        for (PublishOutcome o : round) {
          // One round only: the publisher's next attempt never happens, so it is not shown.
          relays.add(json ? outcomeJson(o) : o.relay() + ": " + describe(o, false));
        }
        f.put("relays", relays);
        Output.print(out, json, f);
        return exitCode(round);
      }
    }
  }

  private int watch(PkarrPublisher.Builder b, EndpointInfo info, PrintWriter out) throws InterruptedException {
    CountDownLatch stop = new CountDownLatch(1);
    Thread hook = new Thread(stop::countDown, "keyway-publish-stop");
    Runtime.getRuntime().addShutdownHook(hook);
    try (PkarrPublisher publisher = b.listener(o -> printOutcome(out, o)).build()) {
      if (!json) {
        out.println("publishing " + key(info) + " (" + String.join(", ", IrohTxt.toTxtStrings(info))
            + ") to " + publisher.relays() + "; Ctrl-C to stop");
        out.flush();
      }
      publisher.publish(info);
      stop.await();
      return 0;
    } finally {
      try {
        Runtime.getRuntime().removeShutdownHook(hook);
      } catch (IllegalStateException shuttingDown) {
        // the hook is running
      }
    }
  }

  private static String key(EndpointInfo info) {
    return info.endpointId().toZ32();
  }

  private void printOutcome(PrintWriter out, PublishOutcome o) {
    synchronized (out) {
      if (json) {
        out.println(Output.toJson(outcomeJson(o)).replaceAll("\\s*\\n\\s*", " "));
      } else {
        out.println(Instant.now() + " " + o.relay() + ": " + describe(o, true));
      }
      out.flush();
    }
  }

  private static Map<String, Object> outcomeJson(PublishOutcome o) {
    Map<String, Object> m = new LinkedHashMap<>();
    m.put("relay", o.relay().toString());
    m.put("status", o.status().name().toLowerCase(Locale.ROOT).replace('_', '-'));
    m.put("http-status", o.httpStatus() == 0 ? null : o.httpStatus());
    m.put("detail", o.detail());
    m.put("timestamp-us", o.timestampMicros());
    m.put("next-attempt-s", o.nextAttemptIn().map(d -> d.toMillis() / 1000.0).orElse(null));
    return m;
  }

  private static String describe(PublishOutcome o, boolean nextAttempt) {
    return o.status().name().toLowerCase(Locale.ROOT).replace('_', ' ')
        + (o.httpStatus() == 0 ? "" : " (HTTP " + o.httpStatus() + ")")
        + (o.status() == PublishOutcome.Status.PUBLISHED ? "" : ": " + o.detail())
        + (o.httpStatus() == 404 ? "; check the URL: an iroh-dns-server takes PUTs under"
            + " .../pkarr, a pkarr relay at its root" : "")
        + (nextAttempt ? o.nextAttemptIn().map(d -> "; next attempt in " + seconds(d)).orElse("") : "");
  }

  private static String seconds(Duration d) {
    return d.toMillis() < 10_000 ? String.format(Locale.ROOT, "%.1f s", d.toMillis() / 1000.0) : d.toSeconds() + " s";
  }

  static int exitCode(List<PublishOutcome> round) {
    boolean network = round.stream().anyMatch(o -> o.status() == PublishOutcome.Status.FAILED);
    boolean refused = round.stream().anyMatch(o -> !o.isSuccess() && o.status() != PublishOutcome.Status.FAILED);
    return network ? 3 : refused ? 1 : 0;
  }

  private SecretKey readKey() {
    try {
      if (!Files.isRegularFile(secret)) {
        throw new InvalidInputException("--secret: no such key file: " + secret);
      }
      SecretKey key = KeyFiles.read(secret);
      if (KeyFiles.isReadableByOthers(secret)) {
        spec.commandLine().getErr().println("keyway: warning: " + secret + " is readable by others; run chmod 600 " + secret);
      }
      return key;
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }
}
