package dev.keyway.dns;

import dev.keyway.client.store.UpsertOutcome;
import dev.keyway.dns.answer.Answer;
import dev.keyway.dns.answer.Transport;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;

/**
 * The DNS server's metrics, with iroh-dns-server's names where iroh has the metric (group prefix
 * {@code dns_server_}; Prometheus adds {@code _total} to counters).
 *
 * <table>
 *   <caption>Metrics</caption>
 *   <tr><th>name (Prometheus)</th><th>meaning</th><th>origin</th></tr>
 *   <tr><td>dns_server_dns_requests_total</td><td>DNS requests, every transport</td><td>iroh</td></tr>
 *   <tr><td>dns_server_dns_requests_udp_total</td><td>over UDP</td><td>iroh</td></tr>
 *   <tr><td>dns_server_dns_requests_https_total</td><td>over DoH</td><td>iroh</td></tr>
 *   <tr><td>dns_server_dns_requests_tcp_total</td><td>over TCP (iroh counts TCP only in the
 *       total)</td><td>keyway</td></tr>
 *   <tr><td>dns_server_dns_lookup_success_total</td><td>NOERROR with answers</td><td>iroh</td></tr>
 *   <tr><td>dns_server_dns_lookup_notfound_total</td><td>NXDOMAIN or NODATA</td><td>iroh</td></tr>
 *   <tr><td>dns_server_dns_lookup_error_total</td><td>any other RCODE</td><td>iroh</td></tr>
 *   <tr><td>dns_server_dns_dropped_total</td><td>messages not answered (responses, under 2
 *       bytes)</td><td>keyway</td></tr>
 *   <tr><td>dns_server_dns_truncated_total</td><td>UDP responses cut to TC=1 for size</td>
 *       <td>keyway</td></tr>
 *   <tr><td>dns_server_dns_rrl_dropped_total</td><td>UDP responses dropped by response rate
 *       limiting</td><td>keyway</td></tr>
 *   <tr><td>dns_server_dns_udp_send_dropped_total</td><td>UDP responses dropped because the
 *       socket's send buffer was full (a congested uplink)</td><td>keyway</td></tr>
 *   <tr><td>dns_server_dns_rrl_slipped_total</td><td>rate-limited UDP responses sent as TC=1
 *       instead</td><td>keyway</td></tr>
 *   <tr><td>dns_server_dns_request_duration_seconds{transport}</td><td>histogram: query in to
 *       response handed to the socket</td><td>keyway</td></tr>
 *   <tr><td>dns_server_pkarr_publish_update_total / _noop_total</td><td>PUT /pkarr that
 *       changed / did not change the stored packet</td><td>iroh</td></tr>
 *   <tr><td>dns_server_pkarr_publish_rate_limited_total</td><td>PUT /pkarr refused by
 *       {@code pkarr_put_rate_limit} (429)</td><td>keyway</td></tr>
 *   <tr><td>dns_server_pkarr_publish_refused_total{outcome}</td><td>PUT /pkarr refused
 *       otherwise, by the relay's {@code relay_publishes_total} outcome names: {@code invalid}
 *       (400: bad key, payload, signature, timestamp too far ahead, Content-Length or
 *       Expect), {@code too_large} (413), {@code timeout} (408: the body did not arrive in
 *       time), {@code overloaded} (503: the store's write queue is full), {@code error} (500:
 *       the store failed, or a bug). There is no {@code stale}: as in iroh, an older packet is
 *       answered 204 and counted as a no-op</td><td>keyway</td></tr>
 *   <tr><td>dns_server_store_packets_inserted_total / _updated_total / _expired_total, ...</td>
 *       <td>the store's own meters ({@code MicrometerStoreMetrics} with prefix
 *       {@code dns_server.}) when the server opens its store</td><td>iroh</td></tr>
 *   <tr><td>dns_server_http_requests_total, _success_total, _error_total,
 *       _duration_ms_total</td><td>iroh API requests (2xx / other), summed duration</td>
 *       <td>iroh</td></tr>
 *   <tr><td>dns_server_tls_certificate_expiry_timestamp_seconds</td><td>end of validity of the
 *       HTTPS certificate served (with {@code [https]}; registered by {@code IrohDnsServer})</td>
 *       <td>keyway</td></tr>
 *   <tr><td>dns_server_http_request_duration_seconds</td><td>histogram of the same</td>
 *       <td>keyway</td></tr>
 *   <tr><td>dns_server_cache_zones</td><td>zone cache entries</td><td>iroh</td></tr>
 * </table>
 */
public final class DnsMetrics {
  private static final String P = "dns_server.";

  private final MeterRegistry registry;
  private final Counter requests;
  private final Counter requestsUdp;
  private final Counter requestsTcp;
  private final Counter requestsHttps;
  private final Counter success;
  private final Counter notFound;
  private final Counter error;
  private final Counter dropped;
  private final Counter udpBackpressureDropped;
  private final Counter truncated;
  private final Counter rrlDropped;
  private final Counter rrlSlipped;
  private final Timer udpLatency;
  private final Timer tcpLatency;
  private final Timer httpsLatency;
  private final Counter publishUpdate;
  private final Counter publishNoop;
  private final Counter publishRateLimited;
  private final Counter refusedInvalid;
  private final Counter refusedTooLarge;
  private final Counter refusedTimeout;
  private final Counter refusedOverloaded;
  private final Counter refusedError;
  private final Counter httpRequests;
  private final Counter httpSuccess;
  private final Counter httpError;
  private final Counter httpDurationMs;
  private final Timer httpLatency;

  public DnsMetrics(MeterRegistry registry) {
    this.registry = registry;
    requests = counter("dns_requests", "DNS requests over every transport");
    requestsUdp = counter("dns_requests_udp", "DNS requests over UDP");
    requestsTcp = counter("dns_requests_tcp", "DNS requests over TCP");
    requestsHttps = counter("dns_requests_https", "DNS requests over HTTPS (DoH)");
    success = counter("dns_lookup_success", "DNS lookups answered with records");
    notFound = counter("dns_lookup_notfound", "DNS lookups answered NXDOMAIN or NODATA");
    error = counter("dns_lookup_error", "DNS lookups answered with an error RCODE");
    dropped = counter("dns_dropped", "DNS messages not answered (responses, runts)");
    truncated = counter("dns_truncated", "UDP responses truncated (TC=1) to fit the size limit");
    rrlDropped = counter("dns_rrl_dropped", "UDP responses dropped by response rate limiting");
    udpBackpressureDropped = counter("dns_udp_send_dropped",
        "UDP responses dropped because the socket's send buffer was full (congested uplink)");
    rrlSlipped = counter("dns_rrl_slipped", "rate-limited UDP responses sent truncated (TC=1)");
    udpLatency = latency("udp");
    tcpLatency = latency("tcp");
    httpsLatency = latency("https");
    publishUpdate = counter("pkarr_publish_update", "PUT /pkarr that changed the stored packet");
    publishNoop = counter("pkarr_publish_noop", "PUT /pkarr that left the stored packet as it was");
    publishRateLimited = counter("pkarr_publish_rate_limited",
        "PUT /pkarr refused by pkarr_put_rate_limit (429)");
    refusedInvalid = refused("invalid");
    refusedTooLarge = refused("too_large");
    refusedTimeout = refused("timeout");
    refusedOverloaded = refused("overloaded");
    refusedError = refused("error");
    httpRequests = counter("http_requests", "HTTP requests to the iroh API");
    httpSuccess = counter("http_requests_success", "HTTP requests answered 2xx");
    httpError = counter("http_requests_error", "HTTP requests answered other than 2xx");
    httpDurationMs = counter("http_requests_duration_ms", "summed HTTP request duration, ms");
    httpLatency = Timer.builder(P + "http_request_duration")
        .description("iroh API request duration")
        .publishPercentileHistogram()
        .minimumExpectedValue(Duration.ofNanos(50_000))
        .maximumExpectedValue(Duration.ofSeconds(10))
        .register(registry);
  }

  /** Metrics nobody scrapes, for tests and embedding. */
  public static DnsMetrics unregistered() {
    return new DnsMetrics(new SimpleMeterRegistry());
  }

  /** The registry these metrics live in. */
  public MeterRegistry registry() {
    return registry;
  }

  private Counter counter(String name, String help) {
    return Counter.builder(P + name).description(help).register(registry);
  }

  private Counter refused(String outcome) {
    return Counter.builder(P + "pkarr_publish_refused")
        .description("PUT /pkarr refused other than by the rate limit, by outcome")
        .tag("outcome", outcome)
        .register(registry);
  }

  private Timer latency(String transport) {
    return Timer.builder(P + "dns_request_duration")
        .description("time from a DNS query read to its response handed to the transport")
        .tag("transport", transport)
        .publishPercentileHistogram()
        .minimumExpectedValue(Duration.ofNanos(1_000))
        .maximumExpectedValue(Duration.ofSeconds(1))
        .register(registry);
  }

  /** Counts one answered (or dropped) query and its latency. */
  public void query(Transport transport, Answer answer, long nanos) {
    if (answer.wire() == null) {
      dropped.increment();
      return;
    }
    requests.increment();
    switch (transport) {
      case UDP -> {
        requestsUdp.increment();
        udpLatency.record(nanos, TimeUnit.NANOSECONDS);
      }
      case TCP -> {
        requestsTcp.increment();
        tcpLatency.record(nanos, TimeUnit.NANOSECONDS);
      }
      case HTTPS -> {
        requestsHttps.increment();
        httpsLatency.record(nanos, TimeUnit.NANOSECONDS);
      }
    }
    switch (answer.status().outcome()) {
      case SUCCESS -> success.increment();
      case NOT_FOUND -> notFound.increment();
      case ERROR -> error.increment();
    }
    if (answer.truncated()) {
      truncated.increment();
    }
  }

  /** A UDP response dropped by response rate limiting. */
  public void rrlDropped() {
    rrlDropped.increment();
  }

  /** A UDP response dropped because the socket's send buffer was full. */
  public void udpBackpressureDropped() {
    udpBackpressureDropped.increment();
  }

  /** A rate-limited UDP response sent as TC=1. */
  public void rrlSlipped() {
    rrlSlipped.increment();
  }

  /** Counts a PUT /pkarr outcome as iroh does: an update unless the store kept its packet. */
  public void publish(UpsertOutcome outcome) {
    if (outcome == UpsertOutcome.INSERTED || outcome == UpsertOutcome.UPDATED) {
      publishUpdate.increment();
    } else {
      publishNoop.increment();
    }
  }

  /** Counts a PUT /pkarr refused by the rate limit. */
  public void publishRateLimited() {
    publishRateLimited.increment();
  }

  /**
   * Counts a PUT /pkarr answered {@code status} other than 2xx, 429 (counted by
   * {@link #publishRateLimited}), 404 or 405 (not a publish): 408 timeout, 413 too large, other
   * 4xx invalid, 503 overloaded, other 5xx error.
   */
  public void publishRefused(int status) {
    Counter c = switch (status) {
      case 404, 405, 429 -> null;
      case 408 -> refusedTimeout;
      case 413 -> refusedTooLarge;
      case 503 -> refusedOverloaded;
      case 501 -> refusedInvalid; // a transfer coding the client chose, not a server fault
      default -> status >= 500 ? refusedError : status >= 400 ? refusedInvalid : null;
    };
    if (c != null) {
      c.increment();
    }
  }

  /** Counts one iroh API HTTP request. */
  public void http(int status, long nanos) {
    httpRequests.increment();
    if (status >= 200 && status < 300) {
      httpSuccess.increment();
    } else {
      httpError.increment();
    }
    httpDurationMs.increment(nanos / 1e6);
    httpLatency.record(nanos, TimeUnit.NANOSECONDS);
  }

  /** Registers the zone cache size gauge. */
  public void cacheSize(Supplier<Number> size) {
    Gauge.builder(P + "cache_zones", size).description("zones in the DNS zone cache").register(registry);
  }

  /** Reads a counter by its short name (tests). */
  public double count(String name) {
    Counter c = registry.find(P + name).counter();
    return c == null ? 0 : c.count();
  }

  /** Reads the counter of {@code name} with tag {@code outcome} (tests). */
  public double count(String name, String outcome) {
    Counter c = registry.find(P + name).tag("outcome", outcome).counter();
    return c == null ? 0 : c.count();
  }
}
