package dev.keyway.ops.cli;

import picocli.CommandLine.Command;
import picocli.CommandLine.Spec;
import picocli.CommandLine.Model.CommandSpec;

/**
 * {@code keyway up}: the embedded default deployment (DESIGN.md "Runtime picture").
 *
 * <p>The servers it starts arrive with the relay and DNS issues; until then it says so and exits
 * successfully, as the foundation issue allows.
 */
@Command(
    name = "up",
    mixinStandardHelpOptions = true,
    description = {
      "Run the embedded default deployment.",
      "DNS on 127.0.0.1:5300 (origin keyway.localhost.), the iroh API on 127.0.0.1:8080, the pkarr"
          + " relay on 127.0.0.1:6881 and metrics on 127.0.0.1:9117, sharing one H2 store under ./data."
    })
public final class UpCommand implements Runnable {
  @Spec CommandSpec spec;

  @Override
  public void run() {
    var out = spec.commandLine().getOut();
    out.println("keyway up: the embedded servers (DNS, iroh API, pkarr relay, metrics) are not built yet;");
    out.println("they arrive with the pkarr-relay and dns-server work. Nothing was started.");
    out.println("Available now: keyway key, keyway ticket, keyway packet (see keyway --help).");
    out.flush();
  }
}
