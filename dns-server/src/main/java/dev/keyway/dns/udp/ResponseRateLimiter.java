package dev.keyway.dns.udp;

import java.net.Inet4Address;
import java.net.Inet6Address;
import java.net.InetAddress;
import java.util.function.LongSupplier;

/**
 * Response rate limiting for UDP (after BIND's and Knot's RRL): each client network (an IPv4
 * /24 or an IPv6 /56 by default) gets a token bucket per kind of response ({@link #responseKey}:
 * as in BIND, an answer or NODATA by its question name and type, all NXDOMAIN answers together,
 * all errors together); when it is empty, responses are dropped, except every {@code slip}-th
 * one, which is sent truncated (TC=1, no records) so a real client behind that network retries
 * over TCP and still gets its answer. A spoofed-source flood thus reflects at most {@code rate}
 * identical responses per second per victim network, plus small TC=1 slips, while a busy
 * resolver's network asking for many different names is not held to one shared budget.
 *
 * <h2>Table</h2>
 * A fixed open-addressed table of {@code tableSize} slots (4-way probing). When a network's
 * probe window is full, the stalest slot is reused: memory never grows, and a reused slot starts
 * with a full bucket (a flood of many spoofed networks can only make limiting laxer, not block
 * anyone). Not thread-safe: one instance per UDP socket, used on its event loop only.
 *
 * <p>Time comes from the injected nanosecond clock.
 */
public final class ResponseRateLimiter {
  /** What to do with a response. */
  public enum Verdict {
    /** Send the response. */
    SEND,
    /** Send header + question with TC=1 instead. */
    SLIP,
    /** Send nothing. */
    DROP
  }

  private static final int WAYS = 4;

  private final boolean exemptLoopback;
  private final int v4Prefix;
  private final int v6Prefix;
  private final long nanosPerToken;
  private final long burstNanos;
  private final int slip;
  private final LongSupplier nanoClock;
  private final long[] keys;
  /** "Theoretical arrival time" per slot (GCRA form of a token bucket), nanoseconds. */
  private final long[] tat;
  private final int[] slipCount;
  private final int mask;

  /**
   * @param settings limits (see {@link RrlSettings})
   * @param nanoClock monotonic nanoseconds (System::nanoTime in production)
   */
  public ResponseRateLimiter(RrlSettings settings, LongSupplier nanoClock) {
    this.exemptLoopback = settings.exemptLoopback();
    this.v4Prefix = settings.ipv4PrefixLength();
    this.v6Prefix = settings.ipv6PrefixLength();
    this.nanosPerToken = 1_000_000_000L / settings.responsesPerSecond();
    this.burstNanos = nanosPerToken * settings.burst();
    this.slip = settings.slip();
    this.nanoClock = nanoClock;
    int size = Integer.highestOneBit(Math.max(WAYS, settings.tableSize()) - 1) << 1;
    this.keys = new long[size];
    this.tat = new long[size];
    this.slipCount = new int[size];
    this.mask = size - 1;
  }

  /** Decides the fate of one response to {@code client}, counted by its network alone. */
  public Verdict check(InetAddress client) {
    return check(client, 0);
  }

  /**
   * Which bucket a response counts against within its client's network (BIND's response
   * tuple): NXDOMAIN answers share one, as do errors (random names, the usual flood, gain
   * nothing); any other answer is keyed by its question name, case-folded, and, when it has
   * answer records, its type (NODATA answers of one name share a bucket, as in BIND).
   *
   * @param wire the response as sent
   */
  public static long responseKey(byte[] wire) {
    if (wire.length < 12) {
      return 2;
    }
    int rcode = wire[3] & 0x0f;
    if (rcode == 3) {
      return 1;
    }
    if (rcode != 0 || wire[5] == 0 && wire[4] == 0) {
      return 2;
    }
    long h = 0xcbf29ce484222325L; // FNV-1a over the question's labels and type
    int p = 12;
    while (p < wire.length) {
      int len = wire[p] & 0xff;
      if (len == 0 || len >= 0xc0 || p + len >= wire.length) {
        break;
      }
      h = (h ^ len) * 0x100000001b3L;
      for (int i = p + 1; i <= p + len; i++) {
        int b = wire[i] & 0xff;
        h = (h ^ (b >= 'A' && b <= 'Z' ? b + 32 : b)) * 0x100000001b3L;
      }
      p += 1 + len;
    }
    // The type only for answers with records: NODATA (and referrals) of one name share a bucket
    // whatever the type, as in BIND, or a flood cycling through 65,536 types is never limited.
    boolean hasAnswers = wire[6] != 0 || wire[7] != 0;
    if (hasAnswers && p + 2 < wire.length) {
      h = (h ^ (wire[p + 1] & 0xff)) * 0x100000001b3L;
      h = (h ^ (wire[p + 2] & 0xff)) * 0x100000001b3L;
    }
    return h;
  }

  /** Decides the fate of one response to {@code client} of the kind {@code responseKey}. */
  public Verdict check(InetAddress client, long responseKey) {
    long key;
    if (client instanceof Inet4Address) {
      byte[] a = client.getAddress();
      if (exemptLoopback && a[0] == 127) {
        return Verdict.SEND;
      }
      key = v4Key(a, 0);
    } else if (client instanceof Inet6Address) {
      byte[] a = client.getAddress();
      if (isV4Mapped(a)) {
        if (exemptLoopback && a[12] == 127) {
          return Verdict.SEND;
        }
        key = v4Key(a, 12);
      } else {
        if (exemptLoopback && client.isLoopbackAddress()) {
          return Verdict.SEND;
        }
        key = v6Key(a);
      }
    } else {
      return Verdict.SEND;
    }
    long combined = key ^ (responseKey * 0x9E3779B97F4A7C15L);
    return checkKey(combined == 0 ? 1 : combined);
  }

  /** An IPv4 network: bit 62 set, bit 63 clear, the masked address below. Never 0. */
  private long v4Key(byte[] a, int off) {
    long ip = ((a[off] & 0xffL) << 24) | ((a[off + 1] & 0xffL) << 16) | ((a[off + 2] & 0xffL) << 8)
        | (a[off + 3] & 0xffL);
    long masked = v4Prefix == 0 ? 0 : ip & ((0xffffffffL << (32 - v4Prefix)) & 0xffffffffL);
    return (1L << 62) | masked;
  }

  /**
   * An IPv6 network: bit 63 set, then the top 63 bits of the masked first 64 address bits
   * (prefixes are at most 64 bits; a /64 shares its bucket with its sibling /64). Never 0.
   */
  private long v6Key(byte[] a) {
    long hi = 0;
    for (int i = 0; i < 8; i++) {
      hi = (hi << 8) | (a[i] & 0xffL);
    }
    long masked = v6Prefix == 0 ? 0 : hi & (-1L << (64 - v6Prefix));
    return (1L << 63) | (masked >>> 1);
  }

  private static boolean isV4Mapped(byte[] a) {
    for (int i = 0; i < 10; i++) {
      if (a[i] != 0) {
        return false;
      }
    }
    return a[10] == (byte) 0xff && a[11] == (byte) 0xff;
  }

  private Verdict checkKey(long key) {
    long now = nanoClock.getAsLong();
    long h = key * 0x9E3779B97F4A7C15L;
    int base = (int) (h >>> 40) & mask & ~(WAYS - 1);
    int slot = -1;
    int stalest = base;
    for (int i = base; i < base + WAYS; i++) {
      if (keys[i] == key) {
        slot = i;
        break;
      }
      if (keys[i] == 0 || tat[i] < tat[stalest]) {
        stalest = i;
        if (keys[i] == 0) {
          break;
        }
      }
    }
    if (slot < 0) {
      slot = stalest;
      keys[slot] = key;
      tat[slot] = now;
      slipCount[slot] = 0;
    }
    // GCRA: allowed if the theoretical arrival time is within the burst window of now.
    long t = Math.max(tat[slot], now);
    if (t - now <= burstNanos - nanosPerToken) {
      tat[slot] = t + nanosPerToken;
      return Verdict.SEND;
    }
    if (slip > 0 && ++slipCount[slot] >= slip) {
      slipCount[slot] = 0;
      return Verdict.SLIP;
    }
    return Verdict.DROP;
  }
}
