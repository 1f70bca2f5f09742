package dev.keyway.gossip.sim;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import javax.imageio.ImageIO;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class SimCommandTest {
  @TempDir
  Path dir;

  record Result(int status, String out) {}

  static Result run(String... args) {
    ByteArrayOutputStream bytes = new ByteArrayOutputStream();
    int status = SimCommand.run(List.of(args), new PrintStream(bytes, true, StandardCharsets.UTF_8));
    return new Result(status, bytes.toString(StandardCharsets.UTF_8));
  }

  @Test
  void usageErrorsExitWithTwo() {
    assertThat(run().status()).isEqualTo(2);
    assertThat(run("--bogus", "x").out()).contains("unknown option --bogus").contains("usage:");
    assertThat(run("no-such-file").status()).isEqualTo(2);
    assertThat(run("--help").status()).isZero();
  }

  @Test
  void runsAScenarioPrintsTablesAndComparesWithABaseline() throws Exception {
    Path file = dir.resolve("s.toml");
    Files.writeString(file, """
        seeds = [1, 2]
        [[scenario]]
        sim = "GossipMulti"
        nodes = 40
        rounds = 4
        [[scenario]]
        name = "F"
        sim = "Failure"
        nodes = 100
        settle_ms = 60000
        max_broadcasts = 3
        crash = [0.3, 0.6]
        """);
    Path baseline = dir.resolve("base.json");
    Path plot = dir.resolve("curve.png");
    Result first = run(file.toString(), "--out", baseline.toString(), "--plot", plot.toString(), "--quiet");
    assertThat(first.status()).as(first.out()).isZero();
    assertThat(first.out()).contains("GossipMulti-n40-r4", "| mean |", "|    30% |", "invariants: ok");
    assertThat(ImageIO.read(plot.toFile()).getWidth()).isPositive();

    Result second = run(file.toString(), "--baseline", baseline.toString(), "--only", "GossipMulti-n40-r4", "--seeds", "1,2");
    assertThat(second.status()).isZero();
    assertThat(second.out()).contains("compared with baseline: GossipMulti-n40-r4").contains("+0.00%");
    assertThat(second.out()).doesNotContain("| failed |");

    // Stored reports can be printed and plotted again without running.
    Path again = dir.resolve("again.png");
    Result replay = run("--from", baseline.toString(), "--plot", again.toString());
    assertThat(replay.status()).isZero();
    assertThat(replay.out()).contains("GossipMulti-n40-r4", "|    30% |").doesNotContain("seed=");
    assertThat(Files.size(again)).isPositive();
  }
}
