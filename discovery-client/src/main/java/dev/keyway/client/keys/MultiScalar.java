package dev.keyway.client.keys;

import dev.keyway.client.keys.EdwardsPoints.Affine;
import dev.keyway.client.keys.EdwardsPoints.Ext;
import dev.keyway.client.keys.EdwardsPoints.Temp;
import java.math.BigInteger;

/**
 * Multi-scalar multiplication {@code sum [s_i] P_i}, by whichever of two methods is estimated to
 * cost fewer field multiplications for the scalars at hand (curve25519-dalek switches between the
 * same two by the number of points):
 * <ul>
 *   <li>Straus: one table of odd multiples per point and one shared chain of doublings, adding
 *       each point's table entry at the nonzero digits of its scalar's width-w NAF. About
 *       bits / (w + 1) additions per point plus the table; best for up to a hundred or so points.
 *   <li>Pippenger's bucket method with signed c-bit digits: per window, each point is added once
 *       into the bucket of its digit, and the buckets are combined with two running sums, so the
 *       cost per point is about bits / c mixed additions, plus the buckets' fixed cost per window.
 * </ul>
 */
final class MultiScalar {
  private MultiScalar() {}

  /*
   * Cost of each operation in field multiplications, as measured on JDK 17 with BouncyCastle's
   * field (a squaring is 0.7 of a multiplication; additions, carries and table look-ups make up
   * the rest). With these the choice switches from Straus to Pippenger between 48 and 64
   * signatures, where the two measured within 3 % of each other.
   */
  private static final int MIXED_ADD = 7;
  private static final int CACHED_ADD = 10;
  private static final int EXT_ADD = 10;
  private static final int DOUBLE = 7;

  /**
   * Returns {@code sum [s_i] P_i}, where the points from index {@code firstNegated} on count
   * negated. Scalars must be non-negative and below 2^253.
   */
  static Ext sum(Affine[] points, BigInteger[] scalars, int firstNegated, Temp tmp) {
    int c = windowBits(scalars);
    if (strausCost(scalars) <= pippengerCost(scalars, c)) {
      return straus(points, scalars, firstNegated, tmp);
    }
    return sum(points, scalars, firstNegated, tmp, c);
  }

  /** Pippenger's method ({@link #sum}) with windows of {@code c} bits. */
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
   * addition per window its scalar reaches, and each window's buckets two extended additions
   * each.
   */
  static int windowBits(BigInteger[] scalars) {
    int best = 3;
    long bestCost = Long.MAX_VALUE;
    for (int c = 3; c <= 8; c++) {
      long cost = pippengerCost(scalars, c);
      if (cost < bestCost) {
        bestCost = cost;
        best = c;
      }
    }
    return best;
  }

  /** Estimated multiplications of Pippenger's method with c-bit windows. */
  static long pippengerCost(BigInteger[] scalars, int c) {
    int maxBits = maxBits(scalars);
    int windows = (maxBits + c) / c;
    long cost = (long) windows * (1L << (c - 1)) * 2 * EXT_ADD + (long) maxBits * DOUBLE;
    for (BigInteger s : scalars) {
      cost += (long) ((s.bitLength() + c) / c) * MIXED_ADD;
    }
    return cost;
  }

  /** Estimated multiplications of Straus's method, each point with its best NAF width. */
  static long strausCost(BigInteger[] scalars) {
    long cost = (long) maxBits(scalars) * DOUBLE;
    for (BigInteger s : scalars) {
      cost += tableAndAdditions(s.bitLength(), nafWidth(s.bitLength()));
    }
    return cost;
  }

  private static int maxBits(BigInteger[] scalars) {
    int maxBits = 1;
    for (BigInteger s : scalars) {
      maxBits = Math.max(maxBits, s.bitLength());
    }
    return maxBits;
  }

  /** The NAF width (3 to 6) with the fewest multiplications for a scalar of this many bits. */
  static int nafWidth(int bits) {
    int best = 3;
    for (int w = 4; w <= 6; w++) {
      if (tableAndAdditions(bits, w) < tableAndAdditions(bits, best)) {
        best = w;
      }
    }
    return best;
  }

  /** A table of 2^(w-2) odd multiples, then one cached addition per nonzero NAF digit. */
  private static long tableAndAdditions(int bits, int w) {
    int entries = 1 << (w - 2);
    long table = DOUBLE + (long) (entries - 1) * CACHED_ADD + entries;
    return table + (long) bits * CACHED_ADD / (w + 1);
  }

  /**
   * Straus's method: for each point a table of its odd multiples [1]P, [3]P, ... in cached form,
   * then from the top bit down one doubling of the sum and, for each point whose scalar's NAF
   * digit there is nonzero, the addition (or subtraction) of that multiple.
   */
  static Ext straus(Affine[] points, BigInteger[] scalars, int firstNegated, Temp tmp) {
    int n = points.length;
    byte[][] nafs = new byte[n][];
    EdwardsPoints.Cached[][] tables = new EdwardsPoints.Cached[n][];
    int top = -1;
    for (int i = 0; i < n; i++) {
      int w = nafWidth(scalars[i].bitLength());
      nafs[i] = nonAdjacentForm(scalars[i], w);
      for (int bit = nafs[i].length - 1; bit > top; bit--) {
        if (nafs[i][bit] != 0) {
          top = bit;
          break;
        }
      }
      tables[i] = oddMultiples(points[i], 1 << (w - 2), tmp);
    }
    Ext acc = new Ext();
    acc.setIdentity();
    for (int bit = top; bit >= 0; bit--) {
      if (bit != top) {
        EdwardsPoints.dbl(acc, acc, tmp);
      }
      for (int i = 0; i < n; i++) {
        int d = nafs[i][bit];
        if (d != 0) {
          boolean negate = (d < 0) != (i >= firstNegated);
          EdwardsPoints.addCached(acc, tables[i][Math.abs(d) >>> 1], negate, acc, tmp);
        }
      }
    }
    return acc;
  }

  /** [1]P, [3]P, ..., [2 count - 1]P in cached form. */
  private static EdwardsPoints.Cached[] oddMultiples(Affine p, int count, Temp tmp) {
    EdwardsPoints.Cached[] table = new EdwardsPoints.Cached[count];
    Ext current = new Ext();
    current.set(p, false);
    table[0] = new EdwardsPoints.Cached();
    table[0].set(current);
    if (count > 1) {
      Ext twice = new Ext();
      EdwardsPoints.dbl(current, twice, tmp);
      EdwardsPoints.Cached step = new EdwardsPoints.Cached();
      step.set(twice);
      for (int j = 1; j < count; j++) {
        EdwardsPoints.addCached(current, step, false, current, tmp);
        table[j] = new EdwardsPoints.Cached();
        table[j].set(current);
      }
    }
    return table;
  }

  /**
   * The width-w non-adjacent form of a scalar below 2^253: digits at bit positions, each zero or
   * odd with absolute value below 2^(w-1), any two nonzero digits at least w positions apart.
   */
  static byte[] nonAdjacentForm(BigInteger value, int w) {
    long[] limbs = limbs(value);
    byte[] naf = new byte[256];
    int width = 1 << w;
    int mask = width - 1;
    int carry = 0;
    int pos = 0;
    while (pos < 256) {
      int word = pos >>> 6;
      int shift = pos & 63;
      long bits = limbs[word] >>> shift;
      if (shift + w > 64) {
        bits |= limbs[word + 1] << (64 - shift);
      }
      int window = carry + (int) (bits & mask);
      if ((window & 1) == 0) {
        // An even window: this digit is zero, and a pending carry moves on to the next bit.
        pos++;
        continue;
      }
      if (window < width / 2) {
        carry = 0;
        naf[pos] = (byte) window;
      } else {
        carry = 1;
        naf[pos] = (byte) (window - width);
      }
      pos += w;
    }
    if (carry != 0) {
      throw new IllegalArgumentException("scalar too large for a 256-digit NAF");
    }
    return naf;
  }

  /** The scalar's 64-bit little-endian words, with a zero word above (room for a window). */
  private static long[] limbs(BigInteger value) {
    long[] limbs = new long[5];
    byte[] be = value.toByteArray();
    for (int i = 0; i < be.length; i++) {
      int bit = 8 * (be.length - 1 - i);
      if (bit < 320) {
        limbs[bit >>> 6] |= (be[i] & 0xFFL) << (bit & 63);
      }
    }
    return limbs;
  }

  /** Digits d_w in [-2^(c-1), 2^(c-1)) with value = sum d_w 2^(cw). */
  static int[] signedDigits(BigInteger value, int c, int windows) {
    long[] limbs = limbs(value);
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
