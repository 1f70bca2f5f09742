package dev.keyway.gossip.sim;

import java.util.List;

/**
 * Runs {@link SimCommand} from the command line:
 * {@code java -cp ... dev.keyway.gossip.sim.SimMain SCENARIO [options]}.
 */
public final class SimMain {
  private SimMain() {}

  public static void main(String[] args) {
    int status = SimCommand.run(List.of(args), System.out);
    System.out.flush();
    if (status != 0) {
      System.exit(status);
    }
  }
}
