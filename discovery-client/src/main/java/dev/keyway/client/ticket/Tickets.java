package dev.keyway.client.ticket;

import dev.keyway.client.addr.EndpointAddr;

/** The one entry point for ticket text a user pastes: either ticket kind, one result type. */
public final class Tickets {
  private Tickets() {}

  /**
   * Decodes an {@code endpoint…} ticket (iroh &ge; 0.94) or a legacy {@code node…} ticket
   * (iroh &le; 0.93) into the endpoint address it holds. The text must be exactly the ticket:
   * no surrounding whitespace, lowercase prefix.
   *
   * @throws TicketFormatException if it is neither kind, or does not decode
   */
  public static EndpointAddr parse(String ticket) {
    if (ticket.startsWith(EndpointTicket.PREFIX)) {
      return EndpointTicket.parse(ticket).addr();
    }
    if (ticket.startsWith(NodeTicket.PREFIX)) {
      return NodeTicket.parse(ticket).addr();
    }
    throw new TicketFormatException((ticket.isEmpty() ? "empty ticket" : "unrecognised ticket")
        + ": expected a string starting with '" + EndpointTicket.PREFIX + "' (iroh 0.94 and later) or '"
        + NodeTicket.PREFIX + "' (iroh 0.93 and earlier), prefix in lowercase");
  }
}
