package dev.keyway.client.keys;

import static org.assertj.core.api.Assertions.assertThat;

import dev.keyway.client.keys.EdwardsPoints.Affine;
import dev.keyway.client.keys.EdwardsPoints.Ext;
import dev.keyway.client.keys.EdwardsPoints.Temp;
import java.math.BigInteger;
import java.util.HexFormat;
import java.util.Random;
import org.junit.jupiter.api.Test;

/** Point arithmetic against the affine formulas computed with BigInteger. */
class EdwardsPointsTest {
  private static final BigInteger P = BigInteger.TWO.pow(255).subtract(BigInteger.valueOf(19));
  private static final BigInteger D = EdwardsPoints.fieldValue(EdwardsPoints.D);

  private record Xy(BigInteger x, BigInteger y) {}

  private static Xy affine(Ext e) {
    BigInteger zInv = EdwardsPoints.fieldValue(e.z).modInverse(P);
    return new Xy(EdwardsPoints.fieldValue(e.x).multiply(zInv).mod(P),
        EdwardsPoints.fieldValue(e.y).multiply(zInv).mod(P));
  }

  private static Xy affine(Affine a) {
    return new Xy(EdwardsPoints.fieldValue(a.x), EdwardsPoints.fieldValue(a.y));
  }

  /** (x1, y1) + (x2, y2) on -x^2 + y^2 = 1 + d x^2 y^2. */
  private static Xy add(Xy a, Xy b) {
    BigInteger t = D.multiply(a.x).multiply(b.x).multiply(a.y).multiply(b.y).mod(P);
    BigInteger x = a.x.multiply(b.y).add(a.y.multiply(b.x))
        .multiply(BigInteger.ONE.add(t).modInverse(P)).mod(P);
    BigInteger y = a.y.multiply(b.y).add(a.x.multiply(b.x))
        .multiply(BigInteger.ONE.subtract(t).mod(P).modInverse(P)).mod(P);
    return new Xy(x, y);
  }

  private static Xy negate(Xy a) {
    return new Xy(P.subtract(a.x).mod(P), a.y);
  }

  private static Affine randomPoint(Random random) {
    byte[] seed = new byte[32];
    random.nextBytes(seed);
    return SecretKey.fromBytes(seed).publicKey().point();
  }

  @Test
  void longChainsOfOperationsMatchTheAffineFormulas() {
    Random random = new Random(11);
    Temp tmp = new Temp();
    Ext acc = new Ext();
    Ext other = new Ext();
    acc.setIdentity();
    other.setIdentity();
    Xy expected = new Xy(BigInteger.ZERO, BigInteger.ONE);
    Xy expectedOther = expected;
    for (int i = 0; i < 400; i++) {
      Affine q = randomPoint(random);
      switch (random.nextInt(4)) {
        case 0 -> {
          EdwardsPoints.dbl(acc, acc, tmp);
          expected = add(expected, expected);
        }
        case 1 -> {
          boolean subtract = random.nextBoolean();
          EdwardsPoints.addAffine(acc, q, subtract, acc, tmp);
          expected = add(expected, subtract ? negate(affine(q)) : affine(q));
        }
        case 2 -> {
          EdwardsPoints.addAffine(other, q, false, other, tmp);
          expectedOther = add(expectedOther, affine(q));
        }
        default -> {
          EdwardsPoints.add(acc, other, acc, tmp);
          expected = add(expected, expectedOther);
        }
      }
      assertThat(affine(acc)).as("step %d", i).isEqualTo(expected);
    }
  }

  @Test
  void extendedAndAffineFormsOfOnePointAgree() {
    Random random = new Random(5);
    Temp tmp = new Temp();
    for (int i = 0; i < 50; i++) {
      Affine q = randomPoint(random);
      Ext e = new Ext();
      e.set(q, true);
      assertThat(affine(e)).isEqualTo(negate(affine(q)));
      EdwardsPoints.addAffine(e, q, false, e, tmp);
      assertThat(e.isIdentity()).isTrue();
    }
  }

  /** All-zero coordinates are no point, and not the identity that ends a batch's check. */
  @Test
  void zeroCoordinatesAreNotTheIdentity() {
    assertThat(new Ext().isIdentity()).isFalse();
  }

  /** Small order by its y coordinate agrees with [8]P = identity, on all 8 points and others. */
  @Test
  void smallOrderByYIsSmallOrderByMultiplication() {
    HexFormat hex = HexFormat.of();
    String[] ys = {
        "0100000000000000000000000000000000000000000000000000000000000000",
        "ecffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff7f",
        "0000000000000000000000000000000000000000000000000000000000000000",
        "c7176a703d4dd84fba3c0b760d10670f2a2053fa2c39ccc64ec7fd7792ac037a",
        "26e8958fc2b227b045c3f489f2ef98f0d5dfac05d3c63339b13802886d53fc05",
    };
    int decoded = 0;
    for (String y : ys) {
      for (int sign = 0; sign < 2; sign++) {
        byte[] enc = hex.parseHex(y);
        enc[31] |= (byte) (sign << 7);
        Affine p = EdwardsPoints.decode(enc, 0);
        if (p != null) {
          decoded++;
          assertThat(timesEightIsIdentity(p)).as("%s sign %d", y, sign).isTrue();
          assertThat(EdwardsPoints.hasSmallOrderY(enc, 0)).isTrue();
          assertThat(EdwardsPoints.decodeLargeOrder(enc, 0)).isNull();
        }
      }
    }
    assertThat(decoded).as("the eight points; x = 0 has no negative encoding").isEqualTo(8);
    Random random = new Random(3);
    int checked = 0;
    while (checked < 300) {
      byte[] enc = new byte[32];
      random.nextBytes(enc);
      Affine p = EdwardsPoints.decode(enc, 0);
      if (p != null) {
        checked++;
        assertThat(EdwardsPoints.hasSmallOrderY(enc, 0)).isEqualTo(timesEightIsIdentity(p));
      }
    }
  }

  private static boolean timesEightIsIdentity(Affine p) {
    Temp tmp = new Temp();
    Ext e = new Ext();
    e.set(p, false);
    for (int i = 0; i < 3; i++) {
      EdwardsPoints.dbl(e, e, tmp);
    }
    return e.isIdentity();
  }

  @Test
  void multiScalarSumsMatchDoubleAndAddForEveryWindowWidth() {
    Random random = new Random(17);
    int n = 6;
    Affine[] points = new Affine[n];
    BigInteger[] scalars = new BigInteger[n];
    for (int i = 0; i < n; i++) {
      points[i] = randomPoint(random);
      scalars[i] = i == 0 ? Ed25519Batch.L.subtract(BigInteger.ONE) // the largest scalar
          : new BigInteger(i % 2 == 0 ? 128 : 253, random);
    }
    Xy expected = new Xy(BigInteger.ZERO, BigInteger.ONE);
    for (int i = 0; i < n; i++) {
      Xy term = multiply(affine(points[i]), scalars[i]);
      expected = add(expected, i >= 2 ? negate(term) : term);
    }
    for (int c = 3; c <= 8; c++) {
      assertThat(affine(MultiScalar.sum(points, scalars, 2, new Temp(), c))).as("c = %d", c)
          .isEqualTo(expected);
    }
    assertThat(affine(MultiScalar.sum(points, scalars, 2, new Temp()))).isEqualTo(expected);
  }

  @Test
  void strausSumsMatchDoubleAndAdd() {
    Random random = new Random(23);
    int n = 8;
    Affine[] points = new Affine[n];
    BigInteger[] scalars = new BigInteger[n];
    for (int i = 0; i < n; i++) {
      points[i] = randomPoint(random);
      scalars[i] = switch (i) {
        case 0 -> Ed25519Batch.L.subtract(BigInteger.ONE);
        case 1 -> BigInteger.ZERO;
        case 2 -> BigInteger.ONE;
        case 3 -> BigInteger.TWO.pow(253).subtract(BigInteger.ONE); // all ones: carries throughout
        default -> new BigInteger(i % 2 == 0 ? 128 : 253, random);
      };
    }
    Xy expected = new Xy(BigInteger.ZERO, BigInteger.ONE);
    for (int i = 0; i < n; i++) {
      Xy term = multiply(affine(points[i]), scalars[i]);
      expected = add(expected, i >= 3 ? negate(term) : term);
    }
    assertThat(affine(MultiScalar.straus(points, scalars, 3, new Temp()))).isEqualTo(expected);
    assertThat(affine(MultiScalar.sum(points, scalars, 3, new Temp(), 5))).isEqualTo(expected);
  }

  @Test
  void strausOfOnlyZeroScalarsIsTheIdentity() {
    Random random = new Random(5);
    Affine[] points = {randomPoint(random), randomPoint(random)};
    BigInteger[] scalars = {BigInteger.ZERO, BigInteger.ZERO};
    assertThat(MultiScalar.straus(points, scalars, 1, new Temp()).isIdentity()).isTrue();
  }

  @Test
  void nonAdjacentFormsRebuildTheirScalar() {
    Random random = new Random(29);
    java.util.List<BigInteger> values = new java.util.ArrayList<>(java.util.List.of(
        BigInteger.ZERO, BigInteger.ONE, BigInteger.valueOf(15), BigInteger.valueOf(16),
        Ed25519Batch.L.subtract(BigInteger.ONE), BigInteger.TWO.pow(253).subtract(BigInteger.ONE),
        BigInteger.TWO.pow(252), BigInteger.TWO.pow(64).subtract(BigInteger.ONE)));
    for (int i = 0; i < 200; i++) {
      values.add(new BigInteger(1 + random.nextInt(253), random));
    }
    for (int w = 3; w <= 6; w++) {
      for (BigInteger v : values) {
        byte[] naf = MultiScalar.nonAdjacentForm(v, w);
        BigInteger rebuilt = BigInteger.ZERO;
        int lastNonZero = -w;
        for (int bit = 0; bit < naf.length; bit++) {
          int d = naf[bit];
          if (d == 0) {
            continue;
          }
          assertThat(d & 1).as("digit %d of %s (w = %d) is odd", bit, v, w).isEqualTo(1);
          assertThat(Math.abs(d)).isLessThan(1 << (w - 1));
          assertThat(bit - lastNonZero).as("spacing").isGreaterThanOrEqualTo(w);
          lastNonZero = bit;
          rebuilt = rebuilt.add(BigInteger.valueOf(d).shiftLeft(bit));
        }
        assertThat(rebuilt).as("%s with w = %d", v, w).isEqualTo(v);
      }
    }
  }

  @Test
  void strausIsChosenForSmallBatchesAndPippengerForLargeOnes() {
    Random random = new Random(31);
    // A batch of n signatures: B's 253-bit scalar, n 128-bit z_i, n 253-bit z_i k_i.
    java.util.function.IntFunction<BigInteger[]> batch = n -> {
      BigInteger[] scalars = new BigInteger[2 * n + 1];
      scalars[0] = new BigInteger(252, random);
      for (int i = 0; i < n; i++) {
        scalars[1 + i] = new BigInteger(128, random).setBit(127);
        scalars[1 + n + i] = new BigInteger(252, random).setBit(251);
      }
      return scalars;
    };
    BigInteger[] small = batch.apply(32);
    assertThat(MultiScalar.strausCost(small))
        .isLessThan(MultiScalar.pippengerCost(small, MultiScalar.windowBits(small)));
    BigInteger[] large = batch.apply(1024);
    assertThat(MultiScalar.strausCost(large))
        .isGreaterThan(MultiScalar.pippengerCost(large, MultiScalar.windowBits(large)));
  }

  private static Xy multiply(Xy p, BigInteger k) {
    Xy r = new Xy(BigInteger.ZERO, BigInteger.ONE);
    for (int bit = k.bitLength() - 1; bit >= 0; bit--) {
      r = add(r, r);
      if (k.testBit(bit)) {
        r = add(r, p);
      }
    }
    return r;
  }
}
