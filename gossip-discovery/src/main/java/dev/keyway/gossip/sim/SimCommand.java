package dev.keyway.gossip.sim;

import com.fasterxml.jackson.core.type.TypeReference;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import dev.keyway.gossip.proto.GossipConfig;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * The {@code keyway gossip sim} command, independent of any CLI library: parse the arguments,
 * run the scenarios, print the tables.
 *
 * <pre>
 * keyway gossip sim SCENARIO [--baseline FILE] [--out FILE] [--only NAME[,NAME...]]
 *                            [--seeds S[,S...]] [--crash F[,F...]] [--set KEY=VALUE]...
 *                            [--plot FILE.png] [--quiet]
 * keyway gossip sim --from REPORT.json [--baseline FILE] [--only NAMES] [--plot FILE.png]
 *
 *   SCENARIO        a scenario file path, or a bundled name: iroh-all, iroh-small,
 *                   failure-10k, failure-1k, smoke
 *   --baseline FILE compare with a report written earlier with --out
 *   --out FILE      write this run's reports as JSON (a baseline for later runs)
 *   --only NAMES    run only the scenarios with these names
 *   --seeds SEEDS   replace every scenario's seeds
 *   --crash FRACS   replace the crash fractions of Failure scenarios
 *   --set K=V       set a scenario key (TOML value) in every scenario, e.g. detect_ms=5000
 *   --from FILE     do not run: print (and compare, plot) the reports stored in FILE by --out;
 *                   SCENARIO is then not needed
 *   --plot FILE     write reliability against failed fraction as a PNG (Failure scenarios)
 *   --quiet         no progress line per run
 * </pre>
 *
 * Exit status: 0 on success, 1 if an invariant was violated, 2 on a usage or scenario error.
 */
public final class SimCommand {
  private SimCommand() {}

  /** Parsed arguments. */
  public record Options(
      String scenario,
      Path baseline,
      Path out,
      List<String> only,
      List<Long> seeds,
      List<Double> crash,
      java.util.Map<String, String> set,
      Path from,
      Path plot,
      boolean quiet) {}

  /** Runs the command; returns the exit status. Output and errors go to {@code out}. */
  public static int run(List<String> args, PrintStream out) {
    Options o;
    try {
      o = parse(args);
    } catch (IllegalArgumentException e) {
      out.println("error: " + e.getMessage());
      out.println(usage());
      return 2;
    }
    if (o == null) {
      out.println(usage());
      return 0;
    }
    return run(o, out);
  }

  /** Runs with parsed options; returns the exit status. */
  public static int run(Options o, PrintStream out) {
    List<Scenario> scenarios = List.of();
    List<SimReport> stored = List.of();
    List<SimReport> baseline = List.of();
    try {
      if (o.from() != null) {
        stored = readReports(o.from());
      } else {
        scenarios = select(ScenarioFile.load(o.scenario(), o.set()), o);
      }
      if (o.baseline() != null) {
        baseline = readReports(o.baseline());
      }
    } catch (IllegalArgumentException | IOException e) {
      out.println("error: " + e.getMessage());
      return 2;
    }
    List<SimReport> reports = new ArrayList<>();
    boolean violated = false;
    List<Object> work = new ArrayList<>(o.from() != null ? stored : scenarios);
    for (Object item : work) {
      SimReport r = item instanceof SimReport stored1 ? stored1
          : Simulator.run((Scenario) item, GossipConfig.defaults(),
              o.quiet() ? line -> {} : line -> out.println("  " + line));
      Scenario s = r.scenario();
      if (!o.only().isEmpty() && !o.only().contains(s.name())) {
        continue;
      }
      reports.add(r);
      ReportPrinter.print(r, out);
      violated |= !r.invariants().ok();
      for (SimReport b : baseline) {
        if (b.scenario().name().equals(s.name())) {
          ReportPrinter.printComparison(b, r, out);
        }
      }
    }
    try {
      if (o.out() != null) {
        writeReports(reports, o.out());
        out.println("wrote " + o.out());
      }
      if (o.plot() != null) {
        List<FailureRow> rows = new ArrayList<>();
        String title = "";
        for (SimReport r : reports) {
          rows.addAll(r.failure());
          if (!r.failure().isEmpty()) {
            title = r.scenario().name();
          }
        }
        if (rows.isEmpty()) {
          out.println("no Failure scenario: nothing to plot");
        } else {
          FailureCurvePlot.write(rows, title, o.plot());
          out.println("wrote " + o.plot());
        }
      }
    } catch (IOException e) {
      out.println("error: " + e.getMessage());
      return 2;
    }
    return violated ? 1 : 0;
  }

  private static List<Scenario> select(List<Scenario> all, Options o) {
    List<Scenario> out = new ArrayList<>();
    for (Scenario s : all) {
      if (!o.only().isEmpty() && !o.only().contains(s.name())) {
        continue;
      }
      if (!o.seeds().isEmpty()) {
        s = s.withSeeds(o.seeds());
      }
      if (!o.crash().isEmpty() && s.kind() == Scenario.Kind.FAILURE) {
        s = s.withCrashFractions(o.crash());
      }
      out.add(s);
    }
    if (out.isEmpty()) {
      throw new IllegalArgumentException("no scenario selected; names: "
          + all.stream().map(Scenario::name).toList());
    }
    return out;
  }

  /** Parses the arguments; null means "print usage". */
  static Options parse(List<String> args) {
    String scenario = null;
    Path baseline = null;
    Path outFile = null;
    Path plot = null;
    List<String> only = new ArrayList<>();
    List<Long> seeds = new ArrayList<>();
    List<Double> crash = new ArrayList<>();
    java.util.Map<String, String> set = new java.util.LinkedHashMap<>();
    Path from = null;
    boolean quiet = false;
    for (int i = 0; i < args.size(); i++) {
      String a = args.get(i);
      switch (a) {
        case "-h", "--help" -> {
          return null;
        }
        case "--baseline" -> baseline = Path.of(value(args, ++i, a));
        case "--out" -> outFile = Path.of(value(args, ++i, a));
        case "--plot" -> plot = Path.of(value(args, ++i, a));
        case "--from" -> from = Path.of(value(args, ++i, a));
        case "--only" -> only.addAll(List.of(value(args, ++i, a).split(",")));
        case "--seeds" -> {
          for (String s : value(args, ++i, a).split(",")) {
            seeds.add(Long.parseLong(s.trim()));
          }
        }
        case "--crash" -> {
          for (String s : value(args, ++i, a).split(",")) {
            crash.add(Double.parseDouble(s.trim()));
          }
        }
        case "--set" -> {
          String kv = value(args, ++i, a);
          int eq = kv.indexOf('=');
          if (eq <= 0) {
            throw new IllegalArgumentException("--set needs KEY=VALUE, got " + kv);
          }
          set.put(kv.substring(0, eq).trim(), kv.substring(eq + 1).trim());
        }
        case "--quiet" -> quiet = true;
        default -> {
          if (a.startsWith("-")) {
            throw new IllegalArgumentException("unknown option " + a);
          }
          if (scenario != null) {
            throw new IllegalArgumentException("only one SCENARIO may be given");
          }
          scenario = a;
        }
      }
    }
    if (scenario == null && from == null) {
      throw new IllegalArgumentException("missing SCENARIO");
    }
    return new Options(scenario, baseline, outFile, only, seeds, crash, set, from, plot, quiet);
  }

  private static String value(List<String> args, int i, String option) {
    if (i >= args.size()) {
      throw new IllegalArgumentException(option + " needs a value");
    }
    return args.get(i);
  }

  /** The usage text. */
  public static String usage() {
    return """
        usage: keyway gossip sim SCENARIO [--baseline FILE] [--out FILE] [--only NAMES]
                                          [--seeds S,...] [--crash F,...] [--set KEY=VALUE]...
                                          [--plot FILE.png] [--quiet]
               keyway gossip sim --from REPORT.json [--baseline FILE] [--only NAMES] [--plot FILE.png]
          SCENARIO  a scenario file, or a bundled one: %s
        """.formatted(String.join(", ", ScenarioFile.bundled()));
  }

  private static ObjectMapper mapper() {
    return new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT);
  }

  /** Writes reports as JSON. */
  public static void writeReports(List<SimReport> reports, Path file) throws IOException {
    Path parent = file.toAbsolutePath().getParent();
    if (parent != null) {
      Files.createDirectories(parent);
    }
    mapper().writeValue(file.toFile(), reports);
  }

  /** Reads reports written by {@link #writeReports}. */
  public static List<SimReport> readReports(Path file) throws IOException {
    return mapper().readValue(file.toFile(), new TypeReference<List<SimReport>>() {});
  }
}
