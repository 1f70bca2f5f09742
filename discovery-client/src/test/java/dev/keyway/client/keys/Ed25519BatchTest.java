package dev.keyway.client.keys;

import static org.assertj.core.api.Assertions.assertThat;

import dev.keyway.client.keys.Ed25519Batch.Item;
import java.math.BigInteger;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class Ed25519BatchTest {
  private static final HexFormat HEX = HexFormat.of();

  static List<Item> signed(int n, long seed) {
    Random rnd = new Random(seed);
    List<Item> items = new ArrayList<>();
    for (int i = 0; i < n; i++) {
      byte[] sk = new byte[32];
      rnd.nextBytes(sk);
      SecretKey key = SecretKey.fromBytes(sk);
      byte[] msg = new byte[rnd.nextInt(300)];
      rnd.nextBytes(msg);
      byte[] sig = key.sign(msg);
      PublicKey pk = key.publicKey();
      items.add(new Item(pk.bytes(), pk.point(), sig, 0, msg, 0, msg.length));
    }
    return items;
  }

  @Test
  void baseDecodes() {
    assertThat(EdwardsPoints.fieldValue(EdwardsPoints.decode(base(), 0).x)).isEqualTo(new BigInteger(
        "15112221349535400772501151409588531511454012693041857206046113283949847762202"));
  }

  private static byte[] base() {
    byte[] b = new byte[32];
    java.util.Arrays.fill(b, (byte) 0x66);
    b[0] = 0x58;
    return b;
  }

  @ParameterizedTest
  @ValueSource(ints = {1, 2, 3, 4, 7, 9, 16, 40, 64, 128, 300})
  void validBatchesHoldAndAnyCorruptionFails(int n) {
    List<Item> items = signed(n, n);
    Random z = new Random(99);
    assertThat(Ed25519Batch.verifyAll(items, z)).isTrue();
    Random rnd = new Random(n * 31L);
    for (int trial = 0; trial < 6; trial++) {
      List<Item> bad = new ArrayList<>(items);
      int victim = rnd.nextInt(n);
      Item it = bad.get(victim);
      byte[] sig = it.sig().clone();
      byte[] msg = it.msg().clone();
      switch (trial % 3) {
        case 0 -> { if (msg.length == 0) { msg = new byte[] {1}; } else { msg[rnd.nextInt(msg.length)] ^= 1; } }
        case 1 -> sig[32 + rnd.nextInt(20)] ^= 4;
        default -> sig[rnd.nextInt(31)] ^= 2;
      }
      bad.set(victim, new Item(it.key(), it.point(), sig, 0, msg, 0, msg.length));
      assertThat(Ed25519Batch.verifyAll(bad, z)).as("trial %d", trial).isFalse();
    }
  }

  /**
   * Two signatures whose S errors cancel in a plain sum (S1 + 1, S2 - 1, same key and message)
   * pass a batch without random coefficients; with them the batch fails.
   */
  @Test
  void errorsThatCancelInASumStillFail() {
    SecretKey key = SecretKey.fromBytes(new byte[32]);
    byte[] msg = "same message".getBytes(java.nio.charset.StandardCharsets.US_ASCII);
    byte[] sig = key.sign(msg);
    BigInteger s = new BigInteger(1, reversed(sig, 32));
    byte[] up = sig.clone();
    byte[] down = sig.clone();
    System.arraycopy(reversed(toBytes32(s.add(BigInteger.ONE).mod(Ed25519Batch.L)), 0), 0, up, 32, 32);
    System.arraycopy(reversed(toBytes32(s.subtract(BigInteger.ONE).mod(Ed25519Batch.L)), 0), 0, down, 32, 32);
    PublicKey pk = key.publicKey();
    List<Item> items = new ArrayList<>(signed(6, 3));
    items.add(new Item(pk.bytes(), pk.point(), up, 0, msg, 0, msg.length));
    items.add(new Item(pk.bytes(), pk.point(), down, 0, msg, 0, msg.length));
    assertThat(Ed25519Batch.verifyAll(items, new java.security.SecureRandom())).isFalse();
    // The same batch with every z = 1 (zero bytes, then bit 0 set) passes: the test can tell.
    Random zeros = new Random() {
      @Override
      public void nextBytes(byte[] bytes) {
        java.util.Arrays.fill(bytes, (byte) 0);
      }
    };
    assertThat(Ed25519Batch.verifyAll(items, zeros)).as("every z = 1").isTrue();
  }

  private static byte[] reversed(byte[] b, int off) {
    byte[] out = new byte[32];
    for (int i = 0; i < 32; i++) {
      out[i] = b[off + 31 - i];
    }
    return out;
  }

  private static byte[] toBytes32(BigInteger v) {
    byte[] be = v.toByteArray();
    byte[] out = new byte[32];
    int n = Math.min(32, be.length);
    System.arraycopy(be, be.length - n, out, 32 - n, n);
    return out;
  }
}
