package dev.keyway.client.ticket;

import dev.keyway.client.addr.CustomAddr;
import dev.keyway.client.addr.RelayUrl;
import dev.keyway.client.addr.SocketAddr;
import dev.keyway.client.addr.TransportAddr;
import dev.keyway.client.keys.PublicKey;
import dev.keyway.client.keys.SecretKey;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.List;
import java.util.Random;

/** Random keys and addresses for property-style tests, and a reference order written from the rules. */
final class RandomAddrs {
  private final Random random;

  RandomAddrs(long seed) {
    this.random = new Random(seed);
  }

  Random random() {
    return random;
  }

  PublicKey key() {
    byte[] seed = new byte[32];
    random.nextBytes(seed);
    return SecretKey.fromBytes(seed).publicKey();
  }

  List<TransportAddr> addrs(int n) {
    List<TransportAddr> out = new ArrayList<>();
    for (int i = 0; i < n; i++) {
      switch (random.nextInt(4)) {
        case 0 -> out.add(new TransportAddr.Relay(relay()));
        case 1 -> out.add(new TransportAddr.Ip(v4()));
        case 2 -> out.add(new TransportAddr.Ip(v6()));
        default -> out.add(new TransportAddr.Custom(custom()));
      }
    }
    return out;
  }

  RelayUrl relay() {
    StringBuilder url = new StringBuilder(random.nextBoolean() ? "https://" : "http://");
    if (random.nextInt(5) == 0) {
      url.append(random.nextInt(256)).append('.').append(random.nextInt(256)).append(".0.").append(random.nextInt(256));
    } else {
      int labels = 1 + random.nextInt(4);
      for (int i = 0; i < labels; i++) {
        url.append(i > 0 ? "." : "").append(label());
      }
      if (random.nextBoolean()) {
        url.append('.');
      }
    }
    if (random.nextInt(3) == 0) {
      url.append(':').append(random.nextInt(65536));
    }
    if (random.nextBoolean()) {
      url.append('/').append(label());
    }
    return RelayUrl.parse(url.toString());
  }

  private String label() {
    String alphabet = "abcdefghijklmnopqrstuvwxyz0123456789-";
    int n = 1 + random.nextInt(12);
    StringBuilder out = new StringBuilder();
    for (int i = 0; i < n; i++) {
      out.append(alphabet.charAt(random.nextInt(i == 0 ? 26 : alphabet.length())));
    }
    return out.toString();
  }

  SocketAddr v4() {
    byte[] ip = new byte[4];
    random.nextBytes(ip);
    return SocketAddr.of(ip, port());
  }

  SocketAddr v6() {
    byte[] ip = new byte[16];
    random.nextBytes(ip);
    int shape = random.nextInt(4);
    if (shape == 0) { // a run of zeros
      int start = random.nextInt(8);
      Arrays.fill(ip, 2 * start, 2 * (start + random.nextInt(8 - start) + 1), (byte) 0);
    } else if (shape == 1) { // IPv4-mapped
      Arrays.fill(ip, 0, 10, (byte) 0);
      ip[10] = (byte) 0xff;
      ip[11] = (byte) 0xff;
    }
    return SocketAddr.of(ip, port());
  }

  private int port() {
    return random.nextInt(4) == 0 ? random.nextInt(128) : random.nextInt(65536);
  }

  CustomAddr custom() {
    long id = switch (random.nextInt(3)) {
      case 0 -> random.nextInt(4);
      case 1 -> random.nextLong();
      default -> random.nextInt(1 << 20);
    };
    byte[] data = new byte[random.nextInt(41)];
    random.nextBytes(data);
    if (random.nextInt(4) == 0 && data.length > 0) {
      data[0] = 0;
    }
    return CustomAddr.of(id, data);
  }

  /**
   * The order of iroh's derived {@code Ord}, spelled out: variant index, then relay URL bytes;
   * socket address as (family, octets, port, scope); custom as (id, inline-or-heap, then
   * (size, 30 padded bytes) or the heap bytes).
   */
  static final Comparator<TransportAddr> REFERENCE = (a, b) -> {
    int ka = kind(a);
    int kb = kind(b);
    if (ka != kb) {
      return Integer.compare(ka, kb);
    }
    if (ka == 0) {
      return Arrays.compareUnsigned(a.value().getBytes(StandardCharsets.UTF_8), b.value().getBytes(StandardCharsets.UTF_8));
    }
    if (ka == 1) {
      return Arrays.compareUnsigned(socketKey(((TransportAddr.Ip) a).addr()), socketKey(((TransportAddr.Ip) b).addr()));
    }
    CustomAddr x = ((TransportAddr.Custom) a).addr();
    CustomAddr y = ((TransportAddr.Custom) b).addr();
    if (x.id() != y.id()) {
      return Long.compareUnsigned(x.id(), y.id());
    }
    boolean xHeap = x.dataLength() > 30;
    boolean yHeap = y.dataLength() > 30;
    if (xHeap != yHeap) {
      return xHeap ? 1 : -1;
    }
    if (xHeap) {
      return Arrays.compareUnsigned(x.data(), y.data());
    }
    return Arrays.compareUnsigned(inlineKey(x.data()), inlineKey(y.data()));
  };

  private static int kind(TransportAddr a) {
    return a instanceof TransportAddr.Relay ? 0 : a instanceof TransportAddr.Ip ? 1 : 2;
  }

  private static byte[] socketKey(SocketAddr s) {
    byte[] ip = s.ip();
    byte[] key = new byte[1 + 16 + 2 + 4];
    key[0] = (byte) (s.isIpv4() ? 0 : 1);
    System.arraycopy(ip, 0, key, 1, ip.length); // same-family addresses have the same length
    key[17] = (byte) (s.port() >> 8);
    key[18] = (byte) s.port();
    long scope = s.scopeId();
    for (int i = 0; i < 4; i++) {
      key[19 + i] = (byte) (scope >> (24 - 8 * i));
    }
    return key;
  }

  private static byte[] inlineKey(byte[] data) {
    byte[] key = new byte[31];
    key[0] = (byte) data.length;
    System.arraycopy(data, 0, key, 1, data.length);
    return key;
  }
}
