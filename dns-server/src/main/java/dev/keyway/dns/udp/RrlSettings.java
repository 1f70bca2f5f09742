package dev.keyway.dns.udp;

/**
 * Response rate limiting settings ({@code [dns.rrl]}). Validated on construction.
 *
 * @param enabled whether UDP responses are rate limited at all
 * @param responsesPerSecond sustained responses per second per client network
 * @param burst responses a network may receive at once before the rate applies
 * @param slip every slip-th limited response is sent truncated (TC=1) instead of dropped;
 *     0 never, 1 always (BIND's and Knot's default is 2)
 * @param ipv4PrefixLength client IPv4 addresses are grouped by this prefix (0..32)
 * @param ipv6PrefixLength client IPv6 addresses are grouped by this prefix (0..64)
 * @param exemptLoopback whether 127.0.0.0/8 and ::1 are never limited
 * @param tableSize networks tracked at once (rounded up to a power of two)
 */
public record RrlSettings(
    boolean enabled,
    int responsesPerSecond,
    int burst,
    int slip,
    int ipv4PrefixLength,
    int ipv6PrefixLength,
    boolean exemptLoopback,
    int tableSize) {

  /** Defaults: on, 100/s per /24 or /56 with a burst of 200, slip 2, loopback exempt. */
  public static final RrlSettings DEFAULT = new RrlSettings(true, 100, 200, 2, 24, 56, true, 65536);
  /** Off. */
  public static final RrlSettings DISABLED = new RrlSettings(false, 100, 200, 2, 24, 56, true, 65536);

  public RrlSettings {
    if (responsesPerSecond < 1 || responsesPerSecond > 1_000_000_000) {
      throw new IllegalArgumentException("rrl responses_per_second must be 1..1e9, got " + responsesPerSecond);
    }
    if (burst < 1) {
      throw new IllegalArgumentException("rrl burst must be at least 1, got " + burst);
    }
    if (slip < 0 || slip > 10) {
      throw new IllegalArgumentException("rrl slip must be 0..10, got " + slip);
    }
    if (ipv4PrefixLength < 0 || ipv4PrefixLength > 32) {
      throw new IllegalArgumentException("rrl ipv4_prefix_length must be 0..32, got " + ipv4PrefixLength);
    }
    if (ipv6PrefixLength < 0 || ipv6PrefixLength > 64) {
      throw new IllegalArgumentException("rrl ipv6_prefix_length must be 0..64, got " + ipv6PrefixLength);
    }
    if (tableSize < 4 || tableSize > (1 << 24)) {
      throw new IllegalArgumentException("rrl table_size must be 4..16777216, got " + tableSize);
    }
  }
}
