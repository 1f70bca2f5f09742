package dev.keyway.gossip.sim;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.List;
import org.junit.jupiter.api.Test;

class ScenarioFileTest {
  @Test
  void topLevelKeysAreDefaultsAndScenarioKeysOverrideThem() {
    List<Scenario> s = ScenarioFile.parse("""
        seeds = [3, 4]
        latency_ms = [5, 7]
        rounds = 9
        [[scenario]]
        sim = "GossipSingle"
        nodes = 20
        [[scenario]]
        name = "mine"
        sim = "GossipAll"
        nodes = 30
        rounds = 2
        seeds = [8]
        events = [{ before_round = 2, action = "crash", fraction = 0.25 }]
        """, "test");
    assertThat(s).hasSize(2);
    assertThat(s.get(0).name()).isEqualTo("GossipSingle-n20-r9");
    assertThat(s.get(0).seeds()).containsExactly(3L, 4L);
    assertThat(s.get(0).latencyMinMs()).isEqualTo(5);
    assertThat(s.get(0).roundTimeoutMs()).isEqualTo(5000);
    assertThat(s.get(1).name()).isEqualTo("mine");
    assertThat(s.get(1).kind()).isEqualTo(Scenario.Kind.ALL);
    assertThat(s.get(1).rounds()).isEqualTo(2);
    assertThat(s.get(1).seeds()).containsExactly(8L);
    assertThat(s.get(1).events()).containsExactly(new Scenario.FailureEvent(2, Scenario.Action.CRASH, 0.25));
  }

  @Test
  void mistakesAreReportedWithTheirPlace() {
    assertThatThrownBy(() -> ScenarioFile.parse("[[scenario]]\nsim = \"GossipSingle\"\nnodes = 5\nnodez = 3\n", "f.toml"))
        .hasMessageContaining("f.toml scenario #1").hasMessageContaining("nodez");
    assertThatThrownBy(() -> ScenarioFile.parse("[[scenario]]\nsim = \"Gossip\"\nnodes = 5\n", "f.toml"))
        .hasMessageContaining("unknown sim kind");
    assertThatThrownBy(() -> ScenarioFile.parse("[[scenario]]\nsim = \"Failure\"\nnodes = 5\n", "f.toml"))
        .hasMessageContaining("crash");
    assertThatThrownBy(() -> ScenarioFile.parse("seeds = [1]\n", "f.toml")).hasMessageContaining("no [[scenario]]");
    assertThatThrownBy(() -> ScenarioFile.load("no-such-scenario")).hasMessageContaining("no scenario file");
  }

  @Test
  void overridesApplyToEveryScenario() {
    List<Scenario> s = ScenarioFile.load("smoke", java.util.Map.of("detect_ms", "5000", "seeds", "[4]"));
    assertThat(s).allSatisfy(x -> {
      assertThat(x.detectMs()).isEqualTo(5000);
      assertThat(x.seeds()).containsExactly(4L);
    });
    assertThatThrownBy(() -> ScenarioFile.load("smoke", java.util.Map.of("detect_ms", "[oops")))
        .isInstanceOf(IllegalArgumentException.class);
  }

  @Test
  void everyBundledFileLoads() {
    for (String name : ScenarioFile.bundled()) {
      assertThat(ScenarioFile.load(name)).as(name).isNotEmpty();
    }
    List<Scenario> iroh = ScenarioFile.load("iroh-all");
    assertThat(iroh).extracting(Scenario::name).contains(
        "GossipSingle-n20-r30", "GossipSingle-n100-r30", "GossipSingle-n1000-r30",
        "GossipMulti-n20-r30", "GossipMulti-n100-r30", "GossipMulti-n1000-r30",
        "GossipAll-n20-r30", "GossipAll-n100-r5", "GossipAll-n1000-r3");
    Scenario f = ScenarioFile.load("failure-10k").get(0);
    assertThat(f.nodes()).isEqualTo(10_000);
    assertThat(f.crashFractions()).containsExactly(0.1, 0.2, 0.3, 0.4, 0.5, 0.6, 0.7, 0.8, 0.9, 0.95);
  }
}
