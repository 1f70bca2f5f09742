package dev.keyway.ops.cli;

import dev.keyway.client.InvalidInputException;
import dev.keyway.client.addr.CustomAddr;
import dev.keyway.client.addr.EndpointAddr;
import dev.keyway.client.addr.RelayUrl;
import dev.keyway.client.addr.SocketAddr;
import dev.keyway.client.keys.PublicKey;
import dev.keyway.client.ticket.EndpointTicket;
import dev.keyway.client.ticket.NodeTicket;
import dev.keyway.client.ticket.Tickets;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/** {@code keyway ticket decode|encode}: iroh endpoint tickets. */
@Command(
    name = "ticket",
    description = "Decode and encode iroh tickets (endpoint..., and legacy node... tickets).",
    mixinStandardHelpOptions = true,
    subcommands = {TicketCommand.Decode.class, TicketCommand.Encode.class})
public final class TicketCommand {

  /** {@code keyway ticket decode TICKET}. */
  @Command(
      name = "decode",
      mixinStandardHelpOptions = true,
      description = {
        "Show the id and addresses in a ticket.",
        "Accepts endpoint... tickets (iroh 0.94 and later) and legacy node... tickets (iroh 0.93 and"
            + " earlier)."
      })
  static final class Decode implements Runnable {
    @Spec CommandSpec spec;

    @Parameters(paramLabel = "TICKET", description = "The ticket string.")
    String ticket;

    @Option(names = "--json", description = "Print JSON.")
    boolean json;

    @Override
    public void run() {
      String text = ticket.strip();
      EndpointAddr addr = Tickets.parse(text);
      Map<String, Object> fields = new LinkedHashMap<>();
      fields.put("kind", text.startsWith(EndpointTicket.PREFIX) ? "endpoint" : "node (legacy)");
      fields.putAll(describe(addr));
      Output.print(spec.commandLine().getOut(), json, fields);
    }
  }

  /** {@code keyway ticket encode --id ID [--relay URL]... [--addr IP:PORT]...}. */
  @Command(
      name = "encode",
      mixinStandardHelpOptions = true,
      description = {
        "Make a ticket from an id and addresses.",
        "The ticket is byte-identical to what iroh 1.0 makes for the same address set. --legacy"
            + " makes a node... ticket for iroh 0.93 and earlier (at most one relay, no custom"
            + " addresses)."
      })
  static final class Encode implements Runnable {
    @Spec CommandSpec spec;

    @Option(names = "--id", required = true, paramLabel = "ID",
        description = "Endpoint id: hex, base32, z-base-32 or pk:<z32>.")
    String id;

    @Option(names = "--relay", paramLabel = "URL", description = "Home relay URL (repeatable).")
    List<String> relays = new ArrayList<>();

    @Option(names = "--addr", paramLabel = "IP:PORT",
        description = "Direct address, e.g. 192.0.2.1:4433 or [2001:db8::1]:4433 (repeatable).")
    List<String> addrs = new ArrayList<>();

    @Option(names = "--custom", paramLabel = "ID_HEXDATA",
        description = "Custom transport address, e.g. 1_a1b2c3 (repeatable).")
    List<String> customs = new ArrayList<>();

    @Option(names = "--legacy", description = "Make a legacy node... ticket.")
    boolean legacy;

    @Option(names = "--json", description = "Print JSON.")
    boolean json;

    @Override
    public void run() {
      EndpointAddr.Builder builder = EndpointAddr.builder(KeyCommand.parseAnyPublic(id));
      relays.forEach(r -> builder.relay(RelayUrl.parse(r)));
      addrs.forEach(a -> builder.ip(SocketAddr.parse(a)));
      customs.forEach(c -> builder.custom(CustomAddr.parse(c)));
      EndpointAddr addr = builder.build();
      String ticket;
      try {
        ticket = legacy ? NodeTicket.of(addr).toString() : EndpointTicket.of(addr).toString();
      } catch (IllegalArgumentException e) { // a legacy ticket holds one relay and no custom address
        throw new InvalidInputException("cannot make this ticket: " + e.getMessage(), e);
      }
      var out = spec.commandLine().getOut();
      if (json) {
        Map<String, Object> fields = new LinkedHashMap<>();
        fields.put("ticket", ticket);
        fields.putAll(describe(Tickets.parse(ticket))); // what the ticket holds (no IPv6 scope ids)
        Output.print(out, true, fields);
      } else {
        out.println(ticket);
        out.flush();
      }
    }
  }

  static Map<String, Object> describe(EndpointAddr addr) {
    PublicKey id = addr.id();
    Map<String, Object> fields = new LinkedHashMap<>();
    fields.put("id", id.toString());
    fields.put("z32", id.toZ32());
    fields.put("relays", addr.relayUrls().stream().map(Object::toString).toList());
    fields.put("addrs", addr.ipAddrs().stream().map(Object::toString).toList());
    if (!addr.customAddrs().isEmpty()) {
      fields.put("custom", addr.customAddrs().stream().map(Object::toString).toList());
    }
    return fields;
  }
}
