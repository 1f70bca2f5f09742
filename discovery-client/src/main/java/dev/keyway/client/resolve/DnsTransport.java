package dev.keyway.client.resolve;

import java.net.InetSocketAddress;
import java.util.concurrent.CompletableFuture;
import org.xbill.DNS.Message;

/**
 * Sends one DNS query to one server and returns the matching response. {@link DnsLookup} adds
 * staggering and timeouts on top; a transport itself never times out.
 *
 * <p>The future completes with the first response whose id and question match the query (a
 * truncated UDP response is retried over TCP first), or exceptionally on an I/O error (e.g. ICMP
 * port unreachable). Completing or cancelling it from outside closes the socket.
 */
@FunctionalInterface
public interface DnsTransport {

  /** Sends {@code query} to {@code server}. */
  CompletableFuture<Message> query(InetSocketAddress server, Message query);
}
