package dev.keyway.client.keys;

import java.math.BigInteger;
import org.bouncycastle.math.ec.rfc7748.X25519Field;

/**
 * Point arithmetic on edwards25519 ({@code -x^2 + y^2 = 1 + d x^2 y^2} over GF(2^255 - 19)) for
 * {@link Ed25519Batch}, on BouncyCastle's field elements (ten signed limbs, {@link X25519Field}).
 *
 * <p>Accumulators use extended coordinates (X:Y:Z:T with x = X/Z, y = Y/Z, xy = T/Z); points that
 * are added many times are kept affine in the form {@code (y+x, y-x, 2dxy)}, which makes a mixed
 * addition seven multiplications. The formulas are the unified ones of Hisil, Wong, Carter and
 * Dawson (2008) for a = -1; with d not a square they are complete, so the identity, torsion points
 * and doubling need no special case.
 *
 * <p>Limb bounds: {@link X25519Field#mul} takes the output of a multiplication, or the sum or
 * difference of two such outputs; anything built from more terms is {@link X25519Field#carry
 * carried} first. Nothing here is constant time: every input is public.
 */
final class EdwardsPoints {
  private static final BigInteger P = BigInteger.TWO.pow(255).subtract(BigInteger.valueOf(19));

  /** The curve constant d = -121665/121666. */
  static final int[] D = fieldOf(BigInteger.valueOf(-121665)
      .multiply(BigInteger.valueOf(121666).modInverse(P)).mod(P));
  /** 2d, used by every addition. */
  static final int[] D2 = fieldOf(BigInteger.TWO.multiply(fieldValue(D)).mod(P));

  private EdwardsPoints() {}

  /** A point in extended coordinates; its four arrays are overwritten in place. */
  static final class Ext {
    final int[] x = X25519Field.create();
    final int[] y = X25519Field.create();
    final int[] z = X25519Field.create();
    final int[] t = X25519Field.create();

    void setIdentity() {
      X25519Field.zero(x);
      X25519Field.one(y);
      X25519Field.one(z);
      X25519Field.zero(t);
    }

    void set(Ext p) {
      X25519Field.copy(p.x, 0, x, 0);
      X25519Field.copy(p.y, 0, y, 0);
      X25519Field.copy(p.z, 0, z, 0);
      X25519Field.copy(p.t, 0, t, 0);
    }

    /** Sets this to the affine point {@code q}, or to its negation. */
    void set(Affine q, boolean negate) {
      X25519Field.copy(q.x, 0, x, 0);
      X25519Field.copy(q.y, 0, y, 0);
      X25519Field.one(z);
      X25519Field.copy(q.xy, 0, t, 0);
      if (negate) {
        X25519Field.negate(x, x);
        X25519Field.negate(t, t);
      }
    }

    /**
     * True if this is the neutral element (x = 0 and y = 1). Y = Z = 0, no point at all, is not:
     * the complete formulas never make it, but a check that passed it would accept anything.
     */
    boolean isIdentity() {
      int[] diff = X25519Field.create();
      X25519Field.sub(y, z, diff);
      X25519Field.normalize(diff);
      int[] xs = X25519Field.create();
      X25519Field.copy(x, 0, xs, 0);
      X25519Field.normalize(xs);
      int[] ys = X25519Field.create();
      X25519Field.copy(y, 0, ys, 0);
      X25519Field.normalize(ys);
      return X25519Field.isZeroVar(xs) && X25519Field.isZeroVar(diff)
          && !X25519Field.isZeroVar(ys);
    }
  }

  /** An affine point with the values a mixed addition needs. */
  static final class Affine {
    final int[] x;
    final int[] y;
    final int[] xy;
    final int[] ypx = X25519Field.create();
    final int[] ymx = X25519Field.create();
    final int[] xy2d = X25519Field.create();

    Affine(int[] x, int[] y) {
      this.x = x;
      this.y = y;
      this.xy = X25519Field.create();
      X25519Field.mul(x, y, xy);
      X25519Field.add(y, x, ypx);
      X25519Field.sub(y, x, ymx);
      X25519Field.mul(xy, D2, xy2d);
    }
  }

  /**
   * A point in the form an addition reads most cheaply (Y+X, Y-X, 2Z, 2dT): the entries of a
   * precomputed table, each added many times.
   */
  static final class Cached {
    final int[] ypx = X25519Field.create();
    final int[] ymx = X25519Field.create();
    final int[] z2 = X25519Field.create();
    final int[] t2d = X25519Field.create();

    /** Sets this to {@code p}. */
    void set(Ext p) {
      X25519Field.apm(p.y, p.x, ypx, ymx);
      X25519Field.add(p.z, p.z, z2);
      X25519Field.mul(p.t, D2, t2d);
    }
  }

  /** Scratch space for one thread's additions and doublings. */
  static final class Temp {
    final int[] a = X25519Field.create();
    final int[] b = X25519Field.create();
    final int[] c = X25519Field.create();
    final int[] d = X25519Field.create();
    final int[] e = X25519Field.create();
    final int[] f = X25519Field.create();
    final int[] g = X25519Field.create();
    final int[] h = X25519Field.create();
  }

  /**
   * Decodes a point as RFC 8032 section 5.1.3 does, rejecting a y that is not below p and the
   * encodings of x = 0 with the sign bit set; returns null for bytes that are not a curve point.
   */
  static Affine decode(byte[] buf, int off) {
    if (!canonicalY(buf, off)) {
      return null;
    }
    byte[] yBytes = new byte[32];
    System.arraycopy(buf, off, yBytes, 0, 32);
    int sign = (yBytes[31] & 0x80) >>> 7;
    yBytes[31] &= 0x7F;
    int[] y = X25519Field.create();
    X25519Field.decode(yBytes, 0, y);
    int[] u = X25519Field.create();
    int[] v = X25519Field.create();
    X25519Field.sqr(y, u);
    X25519Field.mul(D, u, v);
    X25519Field.subOne(u); // u = y^2 - 1
    X25519Field.addOne(v); // v = d y^2 + 1
    int[] x = X25519Field.create();
    if (!X25519Field.sqrtRatioVar(u, v, x)) {
      return null;
    }
    X25519Field.normalize(x);
    if (X25519Field.isZeroVar(x) && sign == 1) {
      return null;
    }
    if ((x[0] & 1) != sign) {
      X25519Field.negate(x, x);
      X25519Field.carry(x);
      X25519Field.normalize(x);
    }
    X25519Field.normalize(y);
    return new Affine(x, y);
  }

  /** True unless the 255-bit y (sign bit ignored) is p or more. */
  private static boolean canonicalY(byte[] buf, int off) {
    if ((buf[off + 31] & 0x7F) != 0x7F) {
      return true;
    }
    for (int i = 30; i >= 1; i--) {
      if (buf[off + i] != (byte) 0xFF) {
        return true;
      }
    }
    return (buf[off] & 0xFF) < 0xED;
  }

  /**
   * The y coordinates (little-endian, sign bit clear) of the eight points of small order: the
   * identity (y = 1), (0, -1), the two of order 4 (y = 0) and the four of order 8. A canonical
   * encoding of a curve point has small order exactly when its y is one of these
   * ({@code EdwardsPointsTest} checks this against [8]P).
   */
  private static final byte[][] SMALL_ORDER_Y = {
      hex("0100000000000000000000000000000000000000000000000000000000000000"),
      hex("ecffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff7f"),
      hex("0000000000000000000000000000000000000000000000000000000000000000"),
      hex("c7176a703d4dd84fba3c0b760d10670f2a2053fa2c39ccc64ec7fd7792ac037a"),
      hex("26e8958fc2b227b045c3f489f2ef98f0d5dfac05d3c63339b13802886d53fc05"),
  };

  /**
   * Decodes a point and accepts it only if it has large order, as dalek's {@code verify_strict}
   * requires of keys and of R; null otherwise.
   */
  static Affine decodeLargeOrder(byte[] buf, int off) {
    Affine p = decode(buf, off);
    return p == null || hasSmallOrderY(buf, off) ? null : p;
  }

  /** True if the encoding's y (sign bit ignored) is that of a point of small order. */
  static boolean hasSmallOrderY(byte[] buf, int off) {
    for (byte[] y : SMALL_ORDER_Y) {
      boolean same = (buf[off + 31] & 0x7F) == y[31];
      for (int i = 0; same && i < 31; i++) {
        same = buf[off + i] == y[i];
      }
      if (same) {
        return true;
      }
    }
    return false;
  }

  private static byte[] hex(String s) {
    return java.util.HexFormat.of().parseHex(s);
  }

  /** r = p + q (or p - q), q affine; r may be p. */
  static void addAffine(Ext p, Affine q, boolean subtract, Ext r, Temp t) {
    X25519Field.apm(p.y, p.x, t.b, t.a); // b = Y+X, a = Y-X
    X25519Field.mul(t.a, subtract ? q.ypx : q.ymx, t.a);
    X25519Field.mul(t.b, subtract ? q.ymx : q.ypx, t.b);
    X25519Field.mul(p.t, q.xy2d, t.c);
    if (subtract) {
      X25519Field.negate(t.c, t.c);
    }
    X25519Field.add(p.z, p.z, t.d);
    finish(r, t);
  }

  /** r = p + q (or p - q), q cached; r may be p. Eight multiplications. */
  static void addCached(Ext p, Cached q, boolean subtract, Ext r, Temp t) {
    X25519Field.apm(p.y, p.x, t.b, t.a); // b = Y+X, a = Y-X
    X25519Field.mul(t.a, subtract ? q.ypx : q.ymx, t.a);
    X25519Field.mul(t.b, subtract ? q.ymx : q.ypx, t.b);
    X25519Field.mul(p.t, q.t2d, t.c);
    if (subtract) {
      X25519Field.negate(t.c, t.c);
    }
    X25519Field.mul(p.z, q.z2, t.d);
    finish(r, t);
  }

  /** r = p + q, both extended; r may be p or q. */
  static void add(Ext p, Ext q, Ext r, Temp t) {
    X25519Field.apm(p.y, p.x, t.b, t.a);
    X25519Field.apm(q.y, q.x, t.f, t.e);
    X25519Field.mul(t.a, t.e, t.a);
    X25519Field.mul(t.b, t.f, t.b);
    X25519Field.mul(q.t, D2, t.c);
    X25519Field.mul(p.t, t.c, t.c);
    X25519Field.add(q.z, q.z, t.d);
    X25519Field.mul(p.z, t.d, t.d);
    finish(r, t);
  }

  /** The common tail of both additions, from A, B, C and D in {@code t}. */
  private static void finish(Ext r, Temp t) {
    X25519Field.apm(t.b, t.a, t.h, t.e); // h = B+A, e = B-A
    X25519Field.apm(t.d, t.c, t.g, t.f); // g = D+C, f = D-C
    X25519Field.carry(t.g); // D may be 2Z: three terms
    X25519Field.carry(t.f);
    X25519Field.mul(t.e, t.f, r.x);
    X25519Field.mul(t.g, t.h, r.y);
    X25519Field.mul(t.e, t.h, r.t);
    X25519Field.mul(t.f, t.g, r.z);
  }

  /** r = 2p; r may be p. Signs are those of dbl-2008-hwcd with every term negated in pairs. */
  static void dbl(Ext p, Ext r, Temp t) {
    X25519Field.sqr(p.x, t.a); // A = X^2
    X25519Field.sqr(p.y, t.b); // B = Y^2
    X25519Field.sqr(p.z, t.c);
    X25519Field.add(t.c, t.c, t.c); // C = 2 Z^2
    X25519Field.add(p.x, p.y, t.e);
    X25519Field.sqr(t.e, t.e); // (X+Y)^2
    X25519Field.apm(t.a, t.b, t.h, t.g); // H' = A+B, G' = A-B
    X25519Field.sub(t.h, t.e, t.e); // E' = A+B-(X+Y)^2
    X25519Field.carry(t.e);
    X25519Field.add(t.c, t.g, t.f); // F' = C+G'
    X25519Field.carry(t.f);
    X25519Field.mul(t.e, t.f, r.x);
    X25519Field.mul(t.g, t.h, r.y);
    X25519Field.mul(t.e, t.h, r.t);
    X25519Field.mul(t.f, t.g, r.z);
  }

  /** The field element with this value in [0, p). */
  static int[] fieldOf(BigInteger value) {
    byte[] be = value.toByteArray();
    byte[] le = new byte[32];
    for (int i = 0; i < be.length && i < 32; i++) {
      le[i] = be[be.length - 1 - i];
    }
    int[] z = X25519Field.create();
    X25519Field.decode(le, 0, z);
    return z;
  }

  /** The value in [0, p) of a field element (for tests and constants). */
  static BigInteger fieldValue(int[] element) {
    int[] copy = X25519Field.create();
    X25519Field.copy(element, 0, copy, 0);
    X25519Field.normalize(copy);
    byte[] le = new byte[32];
    X25519Field.encode(copy, le, 0);
    byte[] be = new byte[33];
    for (int i = 0; i < 32; i++) {
      be[32 - i] = le[i];
    }
    return new BigInteger(be);
  }
}
