package dev.keyway.client.keys;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import java.util.Random;
import org.junit.jupiter.api.Test;

/** A compact key is the same key without its decoded point, which it decodes again when needed. */
class PublicKeyCompactTest {
  static SecretKey key(int seed) {
    byte[] b = new byte[32];
    new Random(seed).nextBytes(b);
    return SecretKey.fromBytes(b);
  }

  @Test
  void aCompactKeyIsEqualAndDropsItsPoint() {
    PublicKey full = key(1).publicKey();
    PublicKey compact = full.compact();
    assertThat(compact).isEqualTo(full).hasSameHashCodeAs(full).isNotSameAs(full);
    assertThat(compact.toZ32()).isEqualTo(full.toZ32());
    assertThat(compact.compact()).isSameAs(compact);
  }

  @Test
  void aCompactKeyStillVerifiesAloneAndInABatch() {
    SecretKey[] keys = {key(2), key(3), key(4), key(5)};
    SignatureBatch batch = new SignatureBatch(new Random(7));
    for (SecretKey k : keys) {
      byte[] msg = ("message of " + k.publicKey().fmtShort()).getBytes(StandardCharsets.US_ASCII);
      byte[] sig = k.sign(msg);
      PublicKey compact = k.publicKey().compact();
      assertThat(compact.verify(msg, sig)).isTrue();
      batch.add(k.publicKey().compact(), msg, 0, msg.length, sig, 0);
    }
    assertThat(batch.verifyAll()).isTrue();
    byte[] msg = "other".getBytes(StandardCharsets.US_ASCII);
    SignatureBatch bad = new SignatureBatch(new Random(7));
    bad.add(keys[0].publicKey().compact(), msg, 0, msg.length, keys[1].sign(msg), 0);
    bad.add(keys[2].publicKey().compact(), msg, 0, msg.length, keys[2].sign(msg), 0);
    assertThat(bad.verifyAll()).isFalse();
  }
}
