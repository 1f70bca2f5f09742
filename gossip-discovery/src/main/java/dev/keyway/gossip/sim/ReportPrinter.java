package dev.keyway.gossip.sim;

import java.io.PrintStream;
import java.util.List;
import java.util.Locale;

/** Prints {@link SimReport}s as text tables (Markdown-compatible). */
public final class ReportPrinter {
  private ReportPrinter() {}

  /** Prints one report. */
  public static void print(SimReport report, PrintStream out) {
    Scenario s = report.scenario();
    if (s.kind() == Scenario.Kind.FAILURE) {
      printFailure(report, out);
    } else {
      out.printf(Locale.ROOT, "%s: %d nodes, %d seeds x %d rounds, latency %d-%d ms, wall %.1f s%n",
          s.name(), s.nodes(), s.seeds().size(), s.rounds(), s.latencyMinMs(), s.latencyMaxMs(),
          report.wallSeconds());
      out.println("|      |    RMR |   LDH | missed | reliability | duration ms |");
      out.println("|------|-------:|------:|-------:|------------:|------------:|");
      row(out, "mean", report.mean());
      row(out, "max", report.max());
      row(out, "min", report.min());
      if (s.rounds() > 1) {
        double first = 0;
        double later = 0;
        for (SeedResult r : report.runs()) {
          first += r.rounds().get(0).rmr();
          later += RoundStats.mean(r.rounds().subList(1, r.rounds().size())).rmr();
        }
        int n = report.runs().size();
        out.printf(Locale.ROOT, "RMR of round 1 (the first broadcast, before the tree has formed): %.4f; of rounds 2-%d: %.4f; over all rounds: %.4f%n",
            first / n, s.rounds(), later / n, report.mean().rmr());
      }
    }
    out.println(invariantLine(report.invariants()));
    out.println();
  }

  private static void row(PrintStream out, String label, RoundStats r) {
    out.printf(Locale.ROOT, "| %-4s | %6.3f | %5.2f | %6.2f | %10.2f%% | %11.1f |%n",
        label, r.rmr(), r.ldh(), r.missed(), r.reliability() * 100, r.durationMs());
  }

  private static void printFailure(SimReport report, PrintStream out) {
    Scenario s = report.scenario();
    out.printf(Locale.ROOT,
        "%s: %d nodes, %d seeds, crash at once then %d broadcasts (warm-up %d), latency %d-%d ms, detect %d ms, wall %.1f s%n",
        s.name(), s.nodes(), s.seeds().size(), s.maxBroadcasts(), s.warmupRounds(), s.latencyMinMs(),
        s.latencyMaxMs(), s.detectMs(), report.wallSeconds());
    int shown = Math.min(s.maxBroadcasts(), 5);
    StringBuilder head = new StringBuilder("| failed |   live | isolated |");
    StringBuilder rule = new StringBuilder("|-------:|-------:|---------:|");
    for (int b = 1; b <= shown; b++) {
      head.append(String.format(Locale.ROOT, "   rel #%d |", b));
      rule.append("---------:|");
    }
    head.append(String.format(Locale.ROOT, " rel #%d |", s.maxBroadcasts()));
    rule.append("-------:|");
    head.append(" 100%% at (mean/max) | never | recovery s | RMR #1 | RMR last | LDH last |");
    rule.append("-------------------:|------:|-----------:|-------:|---------:|---------:|");
    out.println(head.toString().replace("%%", "%"));
    out.println(rule);
    for (FailureRow r : report.failure()) {
      StringBuilder line = new StringBuilder();
      line.append(String.format(Locale.ROOT, "| %5.0f%% | %6.0f | %8.1f |", r.fraction() * 100, r.live(), r.isolated()));
      for (int b = 0; b < shown; b++) {
        line.append(String.format(Locale.ROOT, " %7.3f%% |", r.reliability().get(b) * 100));
      }
      line.append(String.format(Locale.ROOT, " %5.1f%% |", r.reliability().get(r.reliability().size() - 1) * 100));
      String rec = r.notRecovered() == r.seeds() ? "-"
          : String.format(Locale.ROOT, "%.2f / %s", r.recoveredMean(), r.notRecovered() > 0 ? "-" : r.recoveredMax());
      line.append(String.format(Locale.ROOT, " %18s | %5d | %10.2f | %6.3f | %8.3f | %8.2f |",
          rec, r.notRecovered(), r.recoverySeconds(), r.firstRmr(), r.lastRmr(), r.lastLdh()));
      out.println(line);
    }
  }

  static String invariantLine(Invariants i) {
    if (i.ok()) {
      return "invariants: ok (" + i.checks() + " checks; symmetric active views and eager sets, "
          + "no isolated node after bootstrap, no duplicate delivery)";
    }
    return String.format(Locale.ROOT,
        "invariants: VIOLATED (%d checks): asymmetric active %d, asymmetric eager %d, dead neighbours %d, "
            + "isolated after bootstrap %d, duplicate deliveries %d, not quiet %d",
        i.checks(), i.asymmetricActive(), i.asymmetricEager(), i.deadNeighbors(),
        i.isolatedAfterBootstrap(), i.duplicateDeliveries(), i.notQuiet());
  }

  /** Prints the change of each mean metric against a baseline run of the same scenario. */
  public static void printComparison(SimReport baseline, SimReport current, PrintStream out) {
    out.println("compared with baseline: " + current.scenario().name());
    if (current.scenario().kind() != Scenario.Kind.FAILURE) {
      if (baseline.mean() == null || current.mean() == null) {
        out.println("  (baseline has no round metrics)");
        return;
      }
      out.println("|      |        RMR |        LDH |     missed |   duration |");
      out.println("|------|-----------:|-----------:|-----------:|-----------:|");
      diffRow(out, "mean", baseline.mean(), current.mean());
      diffRow(out, "max", baseline.max(), current.max());
      diffRow(out, "min", baseline.min(), current.min());
    } else {
      out.println("| failed | rel #1 base -> now | 100% at base -> now |");
      out.println("|-------:|-------------------:|--------------------:|");
      for (FailureRow now : current.failure()) {
        for (FailureRow base : baseline.failure()) {
          if (Math.abs(base.fraction() - now.fraction()) < 1e-9) {
            out.printf(Locale.ROOT, "| %5.0f%% | %7.3f%% -> %7.3f%% | %8.2f -> %8.2f |%n",
                now.fraction() * 100, base.reliability().get(0) * 100, now.reliability().get(0) * 100,
                base.recoveredMean(), now.recoveredMean());
          }
        }
      }
    }
    out.println();
  }

  private static void diffRow(PrintStream out, String label, RoundStats b, RoundStats c) {
    out.printf(Locale.ROOT, "| %-4s | %10s | %10s | %10s | %10s |%n", label, pct(b.rmr(), c.rmr()),
        pct(b.ldh(), c.ldh()), pct(b.missed(), c.missed()), pct(b.durationMs(), c.durationMs()));
  }

  private static String pct(double base, double now) {
    if (base == now) {
      return "+0.00%";
    }
    if (base == 0) {
      return String.format(Locale.ROOT, "%+.3f", now - base);
    }
    return String.format(Locale.ROOT, "%+.2f%%", (now - base) / Math.abs(base) * 100);
  }

  /** One-line summary per report, for a list of reports. */
  public static void printSummary(List<SimReport> reports, PrintStream out) {
    for (SimReport r : reports) {
      if (r.mean() != null) {
        out.printf(Locale.ROOT, "%-24s RMR %.3f  LDH %.2f  missed %.2f  (%.1f s)%n", r.scenario().name(),
            r.mean().rmr(), r.mean().ldh(), r.mean().missed(), r.wallSeconds());
      }
    }
  }
}
