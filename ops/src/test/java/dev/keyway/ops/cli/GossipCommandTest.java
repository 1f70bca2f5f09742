package dev.keyway.ops.cli;

import static org.assertj.core.api.Assertions.assertThat;

import dev.keyway.client.addr.EndpointAddr;
import dev.keyway.client.addr.SocketAddr;
import dev.keyway.client.addr.TransportAddr;
import dev.keyway.client.keys.PublicKey;
import dev.keyway.client.keys.SecretKey;
import java.io.IOException;
import java.nio.file.AccessDeniedException;
import java.nio.file.FileSystemException;
import java.nio.file.NoSuchFileException;
import java.time.Duration;
import java.util.List;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

/**
 * The pieces of {@code keyway gossip demo|swarm} that turn failures into words for an operator:
 * the bootstrap warnings and their rate limit (time passed in), dial and file-system reasons
 * ({@link GossipJoinWatch}, {@link GossipStartFailures}, {@link GossipJsonDump}). The commands
 * themselves run in GossipCliTest.
 */
class GossipCommandTest {
  private static final SplittableRandom RANDOM = new SplittableRandom(7);
  private static final long MINUTE = GossipJoinWatch.REPEAT.toMillis();

  private static PublicKey key() {
    byte[] seed = new byte[32];
    RANDOM.nextBytes(seed);
    return SecretKey.fromBytes(seed).publicKey();
  }

  private static EndpointAddr addr(PublicKey id, String hostPort) {
    return EndpointAddr.of(id, new TransportAddr.Ip(SocketAddr.parse(hostPort)));
  }

  @Test
  void aFailingBootstrapPeerIsReportedAtOnceThenAtMostOnceAMinuteAndTheJoinIsReported() {
    PublicKey self = key();
    PublicKey boot = key();
    GossipJoinWatch watch = new GossipJoinWatch("x", self, List.of(addr(boot, "127.0.0.1:17016")));
    String refused = "Connection refused: /127.0.0.1:17016";

    List<String> first = watch.dialFailed(boot, refused, 0, 1_000);
    assertThat(first).singleElement().asString()
        .startsWith("warning: node x cannot join through bootstrap peer " + boot + "@127.0.0.1:17016: ")
        .contains("connection refused");
    // The node retries every 1..10 s: those failures stay quiet for a minute.
    for (long t = 2_000; t < 1_000 + MINUTE; t += 10_000) {
      assertThat(watch.dialFailed(boot, refused, 0, t)).isEmpty();
    }
    List<String> again = watch.dialFailed(boot, refused, 0, 1_000 + MINUTE);
    assertThat(again).singleElement().asString()
        .startsWith("warning: node x still cannot join through bootstrap peer " + boot)
        .contains("7 more failed dial(s) since the last report, 8 in all");
    assertThat(watch.dialFailed(boot, refused, 0, 2_000 + MINUTE)).isEmpty();

    // Other peers are not bootstrap problems; neither are failures once the node has neighbours.
    assertThat(watch.dialFailed(key(), refused, 0, 3_000 + MINUTE)).isEmpty();
    assertThat(watch.tick(0, 3_000 + MINUTE)).isEmpty();
    assertThat(watch.tick(2, 4_000 + MINUTE)).singleElement().asString()
        .isEqualTo("node x joined: 2 neighbour(s) now, after 9 failed dial(s) to its bootstrap peers");
    assertThat(watch.tick(2, 5_000 + MINUTE)).isEmpty();
    assertThat(watch.dialFailed(boot, refused, 2, 6_000 + MINUTE)).isEmpty();

    // Isolated again later: the first failure is reported at once again.
    assertThat(watch.dialFailed(boot, refused, 0, 7_000 + MINUTE)).singleElement().asString()
        .startsWith("warning: node x cannot join through bootstrap peer");
  }

  /**
   * A node started without bootstrap peers (a first node, or one restarted without them) that
   * stays without a neighbour is told how to connect it, after the delay, at most once a minute;
   * a neighbour ends it.
   */
  @Test
  void aNodeWithoutBootstrapPeersThatStaysAloneIsTold() {
    GossipJoinWatch watch = new GossipJoinWatch("seed", key(), List.of(), Duration.ofSeconds(60));
    assertThat(watch.tick(0, 0)).isEmpty();
    assertThat(watch.tick(0, 59_000)).isEmpty();
    assertThat(watch.tick(0, 60_000)).singleElement().asString()
        .startsWith("warning: node seed has had no neighbour for 60 s and has no bootstrap peers")
        .contains("--bootstrap ID@HOST:PORT");
    assertThat(watch.tick(0, 60_000 + MINUTE - 1)).isEmpty();
    assertThat(watch.tick(0, 60_000 + MINUTE)).hasSize(1);
    assertThat(watch.tick(1, 200_000)).isEmpty();
    assertThat(watch.tick(0, 201_000)).isEmpty(); // alone again: the delay starts over
    assertThat(watch.tick(0, 261_000)).hasSize(1);
    // With bootstrap peers the dial failures speak instead.
    GossipJoinWatch joining = new GossipJoinWatch("x", key(), List.of(addr(key(), "127.0.0.1:1")),
        Duration.ofSeconds(60));
    assertThat(joining.tick(0, 0)).isEmpty();
    assertThat(joining.tick(0, 600_000)).isEmpty();
  }

  @Test
  void aNodeThatJoinsWithoutTroubleSaysNothing() {
    PublicKey boot = key();
    GossipJoinWatch watch = new GossipJoinWatch("x", key(), List.of(addr(boot, "127.0.0.1:1")));
    assertThat(watch.tick(0, 0)).isEmpty();
    assertThat(watch.tick(1, 1_000)).isEmpty();
  }

  @Test
  void dialFailuresInWords() {
    assertThat(GossipJoinWatch.describeDialFailure("Connection refused: /127.0.0.1:17016"))
        .startsWith("connection refused");
    assertThat(GossipJoinWatch.describeDialFailure("QUIC handshake with /127.0.0.1:17016 timed out"))
        .startsWith("no answer");
    assertThat(GossipJoinWatch.describeDialFailure("peer presented node id 6b3fcd6f65 but dfedc58dfc was dialled"))
        .startsWith("handshake rejected: the peer at that address presented another key (6b3fcd6f65..., not dfedc58dfc...)");
    assertThat(GossipJoinWatch.describeDialFailure(
        "error:1000007d:SSL routines:OPENSSL_internal:CERTIFICATE_VERIFY_FAILED"))
        .startsWith("handshake rejected: the peer at that address did not present the key dialled");
    assertThat(GossipJoinWatch.describeDialFailure("no address known")).isEqualTo("no address known");
    assertThat(GossipJoinWatch.describeDialFailure("Network is unreachable")).isEqualTo("Network is unreachable");
    assertThat(GossipJoinWatch.describeDialFailure(null)).isEqualTo("unknown error");
  }

  @Test
  void socketErrorsLoseNettysPrefix() {
    assertThat(GossipStartFailures.reason(new IllegalStateException(
        new IOException("bind(..) failed with error(-98): Address already in use"))))
        .isEqualTo("Address already in use");
    assertThat(GossipStartFailures.reason(new IOException("Cannot assign requested address")))
        .isEqualTo("Cannot assign requested address");
  }

  @Test
  void fileErrorsInWords() {
    assertThat(GossipJsonDump.ioReason(new NoSuchFileException("/gone/dir/x.json.tmp")))
        .isEqualTo("no such directory /gone/dir");
    assertThat(GossipJsonDump.ioReason(new AccessDeniedException("/ro/x.json.tmp")))
        .isEqualTo("permission denied (/ro/x.json.tmp)");
    assertThat(GossipJsonDump.ioReason(new FileSystemException("/full/x.json.tmp", null, "No space left on device")))
        .isEqualTo("No space left on device (/full/x.json.tmp)");
    assertThat(GossipJsonDump.ioReason(new IOException())).isEqualTo("IOException");
  }
}
