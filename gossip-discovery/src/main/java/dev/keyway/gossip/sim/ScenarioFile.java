package dev.keyway.gossip.sim;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.dataformat.toml.TomlMapper;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Locale;
import java.util.Set;

/**
 * Reads scenario files. A file has top-level defaults and one {@code [[scenario]]} table per
 * scenario; a key in a scenario overrides the top-level one. Keys (all optional except
 * {@code sim} and {@code nodes}):
 *
 * <pre>
 * seeds = [0, 1, 212312388123, 123]   # one run per seed
 * latency_ms = [10, 50]               # per-link one-way latency range
 * [[scenario]]
 * name = "GossipSingle-n100-r30"      # default: iroh's label
 * sim = "GossipSingle"                # GossipSingle | GossipMulti | GossipAll | Failure
 * nodes = 100
 * rounds = 30
 * loss = 0.0
 * round_timeout_ms = 5000
 * bootstrap_nodes = 5
 * settle_ms = 0
 * detect_ms = 1000
 * message_size = 32
 * shuffle_interval_ms = 0             # 0: protocol default (60 s)
 * check_invariants = true
 * events = [{ before_round = 10, action = "crash", fraction = 0.2 }]   # crash|restart|partition|heal
 * crash = [0.1, 0.5]                  # Failure: fractions crashed at once
 * warmup_rounds = 5                   # Failure: broadcasts before the crash
 * max_broadcasts = 10                 # Failure: broadcasts after it
 * </pre>
 *
 * A scenario given by name is looked up as {@code scenarios/NAME.toml} on the classpath (the
 * files shipped in this module); anything else is a file path.
 */
public final class ScenarioFile {
  private static final Set<String> KEYS = Set.of("name", "sim", "nodes", "seeds", "rounds",
      "latency_ms", "loss", "round_timeout_ms", "bootstrap_nodes", "settle_ms", "detect_ms",
      "message_size", "shuffle_interval_ms", "check_invariants", "events", "crash",
      "warmup_rounds", "max_broadcasts", "scenario");

  private ScenarioFile() {}

  /** The names of the scenario files shipped on the classpath. */
  public static List<String> bundled() {
    return List.of("iroh-all", "iroh-small", "failure-10k", "failure-1k", "smoke");
  }

  /**
   * Loads the scenarios of a file given by path, or of a bundled file given by name.
   *
   * @throws IllegalArgumentException if the file is missing or invalid
   */
  public static List<Scenario> load(String nameOrPath) {
    return load(nameOrPath, java.util.Map.of());
  }

  /**
   * Loads as {@link #load(String)}, then sets each {@code key = value} of {@code overrides} (TOML
   * values, e.g. {@code detect_ms=5000} or {@code crash=[0.5, 0.8]}) in every scenario table.
   */
  public static List<Scenario> load(String nameOrPath, java.util.Map<String, String> overrides) {
    Path path = Path.of(nameOrPath);
    try {
      if (Files.isRegularFile(path)) {
        return parse(Files.readString(path), nameOrPath, overrides);
      }
      String resource = "scenarios/" + (nameOrPath.endsWith(".toml") ? nameOrPath : nameOrPath + ".toml");
      try (InputStream in = ScenarioFile.class.getClassLoader().getResourceAsStream(resource)) {
        if (in == null) {
          throw new IllegalArgumentException("no scenario file '" + nameOrPath
              + "' (not a file, and not one of " + bundled() + ")");
        }
        return parse(new String(in.readAllBytes(), java.nio.charset.StandardCharsets.UTF_8), resource, overrides);
      }
    } catch (IOException e) {
      throw new IllegalArgumentException("cannot read scenario file " + nameOrPath + ": " + e.getMessage(), e);
    }
  }

  /** Parses scenario TOML text; {@code origin} names it in error messages. */
  public static List<Scenario> parse(String toml, String origin) {
    return parse(toml, origin, java.util.Map.of());
  }

  private static List<Scenario> parse(String toml, String origin, java.util.Map<String, String> overrides) {
    JsonNode root;
    try {
      root = new TomlMapper().readTree(toml);
    } catch (IOException e) {
      throw new IllegalArgumentException(origin + ": invalid TOML: " + e.getMessage(), e);
    }
    checkKeys(root, origin);
    JsonNode list = root.get("scenario");
    if (list == null || !list.isArray() || list.isEmpty()) {
      throw new IllegalArgumentException(origin + ": no [[scenario]] tables");
    }
    List<Scenario> out = new ArrayList<>();
    int i = 0;
    for (JsonNode s : list) {
      i++;
      String where = origin + " scenario #" + i;
      for (java.util.Map.Entry<String, String> o : overrides.entrySet()) {
        ((com.fasterxml.jackson.databind.node.ObjectNode) s).set(o.getKey(), tomlValue(o.getKey(), o.getValue()));
      }
      checkKeys(s, where);
      out.add(scenario(new Layered(s, root), where));
    }
    return out;
  }

  private static Scenario scenario(Layered v, String where) {
    try {
      Scenario.Kind kind = Scenario.Kind.parse(v.text("sim", null));
      int nodes = v.integer("nodes", -1);
      if (nodes < 0) {
        throw new IllegalArgumentException("nodes is required");
      }
      Scenario.Builder b = Scenario.builder(kind, nodes);
      int rounds = v.integer("rounds", 30);
      b.rounds(rounds);
      String name = v.text("name", null);
      if (name != null) {
        b.name(name);
      }
      JsonNode seeds = v.get("seeds");
      if (seeds != null) {
        List<Long> list = new ArrayList<>();
        for (JsonNode n : seeds) {
          list.add(n.asLong());
        }
        b.seeds(list);
      }
      JsonNode lat = v.get("latency_ms");
      if (lat != null) {
        if (!lat.isArray() || lat.size() != 2) {
          throw new IllegalArgumentException("latency_ms must be [min, max]");
        }
        b.latencyMs(lat.get(0).asInt(), lat.get(1).asInt());
      }
      b.loss(v.decimal("loss", 0));
      b.roundTimeoutMs(v.integer("round_timeout_ms", 5000));
      b.bootstrapNodes(v.integer("bootstrap_nodes", 5));
      b.settleMs(v.integer("settle_ms", 0));
      b.detectMs(v.integer("detect_ms", 1000));
      b.messageSize(v.integer("message_size", 32));
      b.shuffleIntervalMs(v.integer("shuffle_interval_ms", 0));
      b.checkInvariants(v.bool("check_invariants", true));
      b.warmupRounds(v.integer("warmup_rounds", 5));
      b.maxBroadcasts(v.integer("max_broadcasts", 10));
      JsonNode crash = v.get("crash");
      if (crash != null) {
        List<Double> fractions = new ArrayList<>();
        for (JsonNode n : crash) {
          fractions.add(n.asDouble());
        }
        b.crashFractions(fractions);
      }
      JsonNode events = v.get("events");
      if (events != null) {
        List<Scenario.FailureEvent> list = new ArrayList<>();
        for (JsonNode e : events) {
          list.add(new Scenario.FailureEvent(
              e.path("before_round").asInt(0),
              Scenario.Action.valueOf(e.path("action").asText("").toUpperCase(Locale.ROOT)),
              e.path("fraction").asDouble(0)));
        }
        b.events(list);
      }
      return b.build();
    } catch (IllegalArgumentException e) {
      throw new IllegalArgumentException(where + ": " + e.getMessage(), e);
    }
  }

  private static JsonNode tomlValue(String key, String value) {
    try {
      return new TomlMapper().readTree("v = " + value).get("v");
    } catch (IOException e) {
      throw new IllegalArgumentException("--set " + key + ": not a TOML value: " + value, e);
    }
  }

  private static void checkKeys(JsonNode table, String where) {
    for (Iterator<String> it = table.fieldNames(); it.hasNext(); ) {
      String k = it.next();
      if (!KEYS.contains(k)) {
        throw new IllegalArgumentException(where + ": unknown key '" + k + "'");
      }
    }
  }

  /** A scenario table over the file's top-level defaults. */
  private record Layered(JsonNode scenario, JsonNode root) {
    JsonNode get(String key) {
      JsonNode v = scenario.get(key);
      return v != null ? v : ("scenario".equals(key) ? null : root.get(key));
    }

    String text(String key, String dflt) {
      JsonNode v = get(key);
      return v == null ? dflt : v.asText();
    }

    int integer(String key, int dflt) {
      JsonNode v = get(key);
      if (v == null) {
        return dflt;
      }
      if (!v.canConvertToInt()) {
        throw new IllegalArgumentException(key + " must be an integer");
      }
      return v.asInt();
    }

    double decimal(String key, double dflt) {
      JsonNode v = get(key);
      return v == null ? dflt : v.asDouble();
    }

    boolean bool(String key, boolean dflt) {
      JsonNode v = get(key);
      return v == null ? dflt : v.asBoolean();
    }
  }
}
