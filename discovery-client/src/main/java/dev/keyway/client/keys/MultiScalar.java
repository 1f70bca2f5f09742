package dev.keyway.client.keys;

import dev.keyway.client.keys.EdwardsPoints.Affine;
import dev.keyway.client.keys.EdwardsPoints.Ext;
import dev.keyway.client.keys.EdwardsPoints.Temp;
import java.math.BigInteger;

/**
 * Multi-scalar multiplication {@code sum [s_i] P_i} by Pippenger's bucket method with signed
 * c-bit digits: per window, each point is added once into the bucket of its digit, and the
 * buckets are combined with two running sums, so the cost per point is about (bits / c) mixed
 * additions instead of a scalar multiplication's (bits) doublings.
 */
final class MultiScalar {
  private MultiScalar() {}

  /**
   * Returns {@code sum [s_i] P_i}, where the points from index {@code firstNegated} on count
   * negated. Scalars must be non-negative and below 2^253.
   */
  static Ext sum(Affine[] points, BigInteger[] scalars, int firstNegated, Temp tmp) {
    return sum(points, scalars, firstNegated, tmp, windowBits(scalars));
  }

  /** {@link #sum} with windows of {@code c} bits. */
  static Ext sum(Affine[] points, BigInteger[] scalars, int firstNegated, Temp tmp, int c) {
    int n = points.length;
    int windows = (254 + c - 1) / c; // the top window takes the last digit's carry
    int[][] digits = new int[n][];
    int top = 0;
    for (int i = 0; i < n; i++) {
      digits[i] = signedDigits(scalars[i], c, windows);
      for (int w = windows - 1; w >= 0; w--) {
        if (digits[i][w] != 0) {
          top = Math.max(top, w);
          break;
        }
      }
    }
    int bucketCount = 1 << (c - 1);
    Ext[] buckets = new Ext[bucketCount];
    for (int j = 0; j < bucketCount; j++) {
      buckets[j] = new Ext();
    }
    boolean[] filled = new boolean[bucketCount];
    Ext acc = new Ext();
    acc.setIdentity();
    Ext running = new Ext();
    Ext windowSum = new Ext();
    for (int w = top; w >= 0; w--) {
      for (int k = 0; k < c && w != top; k++) {
        EdwardsPoints.dbl(acc, acc, tmp);
      }
      java.util.Arrays.fill(filled, false);
      for (int i = 0; i < n; i++) {
        int d = digits[i][w];
        if (d == 0) {
          continue;
        }
        boolean negate = (d < 0) != (i >= firstNegated);
        int b = Math.abs(d) - 1;
        if (filled[b]) {
          EdwardsPoints.addAffine(buckets[b], points[i], negate, buckets[b], tmp);
        } else {
          buckets[b].set(points[i], negate);
          filled[b] = true;
        }
      }
      // windowSum = sum (j+1) * bucket[j], from the top bucket down.
      boolean runningSet = false;
      boolean sumSet = false;
      for (int j = bucketCount - 1; j >= 0; j--) {
        if (filled[j]) {
          if (runningSet) {
            EdwardsPoints.add(running, buckets[j], running, tmp);
          } else {
            running.set(buckets[j]);
            runningSet = true;
          }
        }
        if (runningSet) {
          if (sumSet) {
            EdwardsPoints.add(windowSum, running, windowSum, tmp);
          } else {
            windowSum.set(running);
            sumSet = true;
          }
        }
      }
      if (sumSet) {
        EdwardsPoints.add(acc, windowSum, acc, tmp);
      }
    }
    return acc;
  }

  /**
   * The window width with the least estimated cost for these scalars: each point costs one mixed
   * addition (7 multiplications) per window its scalar reaches, and each window's buckets cost
   * two extended additions (10) each.
   */
  static int windowBits(BigInteger[] scalars) {
    int best = 3;
    long bestCost = Long.MAX_VALUE;
    int maxBits = 1;
    for (BigInteger s : scalars) {
      maxBits = Math.max(maxBits, s.bitLength());
    }
    for (int c = 3; c <= 8; c++) {
      long cost = (long) ((maxBits + c) / c) * (1L << (c - 1)) * 20;
      for (BigInteger s : scalars) {
        cost += (long) ((s.bitLength() + c) / c) * 7;
      }
      if (cost < bestCost) {
        bestCost = cost;
        best = c;
      }
    }
    return best;
  }

  /** Digits d_w in [-2^(c-1), 2^(c-1)) with value = sum d_w 2^(cw). */
  static int[] signedDigits(BigInteger value, int c, int windows) {
    long[] limbs = new long[5];
    byte[] be = value.toByteArray();
    for (int i = 0; i < be.length; i++) {
      int bit = 8 * (be.length - 1 - i);
      if (bit < 320) {
        limbs[bit >>> 6] |= (be[i] & 0xFFL) << (bit & 63);
      }
    }
    int[] digits = new int[windows];
    int half = 1 << (c - 1);
    int mask = (1 << c) - 1;
    int carry = 0;
    for (int w = 0; w < windows; w++) {
      int bit = w * c;
      int word = bit >>> 6;
      int shift = bit & 63;
      long bits = limbs[word] >>> shift;
      if (shift + c > 64 && word + 1 < limbs.length) {
        bits |= limbs[word + 1] << (64 - shift);
      }
      int d = (int) (bits & mask) + carry;
      carry = d >= half ? 1 : 0;
      digits[w] = d - (carry << c);
    }
    if (carry != 0) {
      throw new IllegalArgumentException("scalar too large for " + windows + " windows of " + c);
    }
    return digits;
  }
}
