/**
 * Vectorised modular arithmetic on `BigUint64Array` words, written so that V8's TurboFan lowers every
 * BigInt operation to native 64-bit integer instructions (see the project's perf notes):
 *  1. every BigInt operation sits inside `BigInt.asUintN(64, …)` / `BigInt.asIntN(64, …)`;
 *  2. no BigInt value is merged through `if`/`?:` — selections are branch-free masks
 *     (`r + (q & (r >> 63))` on a signed value);
 *  3. BigInt parameters are re-wrapped on entry;
 *  4. kernels are module-level functions with explicit parameters (no per-instance closures).
 * Breaking any rule still computes the right numbers but 5–10× slower; `bench/ring.ts` guards this.
 *
 * The high half of a 64×64-bit product is built from four 32×32 products (V8 has no mulhi):
 * hi(x·y) = x1·y1 + (x0·y1 >> 32) + (x1·y0 >> 32) + ((x0·y0 >> 32) + lo32(x0·y1) + lo32(x1·y0)) >> 32.
 *
 * All moduli satisfy q < 2^62. Unless stated otherwise inputs lie in [0, q) and outputs in [0, q).
 * Output arrays may alias inputs (element i is read before it is written).
 */

const M32 = 0xffffffffn;

/** out[i] = (a[i] + b[i]) mod q. */
export function addMod(a: BigUint64Array, b: BigUint64Array, out: BigUint64Array, modulus: bigint): void {
  const q = BigInt.asUintN(64, modulus);
  const n = out.length;
  for (let i = 0; i < n; i++) {
    const r = BigInt.asIntN(64, a[i]! + b[i]! - q);
    out[i] = BigInt.asUintN(64, r + BigInt.asUintN(64, q & BigInt.asUintN(64, r >> 63n)));
  }
}

/** out[i] = (a[i] + c) mod q for one constant c in [0, q). Subtract c by adding q − c. */
export function addScalarMod(a: BigUint64Array, constant: bigint, out: BigUint64Array, modulus: bigint): void {
  const q = BigInt.asUintN(64, modulus);
  const c = BigInt.asUintN(64, constant);
  const n = out.length;
  for (let i = 0; i < n; i++) {
    const r = BigInt.asIntN(64, a[i]! + c - q);
    out[i] = BigInt.asUintN(64, r + BigInt.asUintN(64, q & BigInt.asUintN(64, r >> 63n)));
  }
}

/** out[i] = (a[i] − b[i]) mod q. */
export function subMod(a: BigUint64Array, b: BigUint64Array, out: BigUint64Array, modulus: bigint): void {
  const q = BigInt.asUintN(64, modulus);
  const n = out.length;
  for (let i = 0; i < n; i++) {
    const r = BigInt.asIntN(64, a[i]! - b[i]!);
    out[i] = BigInt.asUintN(64, r + BigInt.asUintN(64, q & BigInt.asUintN(64, r >> 63n)));
  }
}

/** out[i] = (−a[i]) mod q (0 stays 0). */
export function negMod(a: BigUint64Array, out: BigUint64Array, modulus: bigint): void {
  const q = BigInt.asUintN(64, modulus);
  const n = out.length;
  for (let i = 0; i < n; i++) {
    const r = BigInt.asIntN(64, 0n - a[i]!);
    out[i] = BigInt.asUintN(64, r + BigInt.asUintN(64, q & BigInt.asUintN(64, r >> 63n)));
  }
}

/**
 * Montgomery product (Montgomery 1985, R = 2^64): out[i] = a[i]·b[i]·2^{-64} mod q.
 * Valid whenever a[i]·b[i] < 2^64·q (e.g. both in [0, q), or one in [0, 4q) and one in [0, q)):
 * (a·b + m·q)/2^64 < 2q, and one conditional subtraction brings it into [0, q).
 * `negInverse` = −q^{-1} mod 2^64.
 */
export function mulMontgomery(
  a: BigUint64Array, b: BigUint64Array, out: BigUint64Array, modulus: bigint, negInverse: bigint,
): void {
  const q = BigInt.asUintN(64, modulus);
  const qn = BigInt.asUintN(64, negInverse);
  const q0 = BigInt.asUintN(64, q & M32);
  const q1 = BigInt.asUintN(64, q >> 32n);
  const n = out.length;
  for (let i = 0; i < n; i++) {
    const x = a[i]!;
    const y = b[i]!;
    const x0 = BigInt.asUintN(64, x & M32), x1 = BigInt.asUintN(64, x >> 32n);
    const y0 = BigInt.asUintN(64, y & M32), y1 = BigInt.asUintN(64, y >> 32n);
    const p00 = BigInt.asUintN(64, x0 * y0), p01 = BigInt.asUintN(64, x0 * y1), p10 = BigInt.asUintN(64, x1 * y0);
    const mid = BigInt.asUintN(64, BigInt.asUintN(64, p00 >> 32n) + BigInt.asUintN(64, p01 & M32) + BigInt.asUintN(64, p10 & M32));
    const thi = BigInt.asUintN(64, x1 * y1 + BigInt.asUintN(64, p01 >> 32n) + BigInt.asUintN(64, p10 >> 32n) + BigInt.asUintN(64, mid >> 32n));
    const tlo = BigInt.asUintN(64, x * y);
    const m = BigInt.asUintN(64, tlo * qn);
    const m0 = BigInt.asUintN(64, m & M32), m1 = BigInt.asUintN(64, m >> 32n);
    const r00 = BigInt.asUintN(64, m0 * q0), r01 = BigInt.asUintN(64, m0 * q1), r10 = BigInt.asUintN(64, m1 * q0);
    const mid2 = BigInt.asUintN(64, BigInt.asUintN(64, r00 >> 32n) + BigInt.asUintN(64, r01 & M32) + BigInt.asUintN(64, r10 & M32));
    const mhi = BigInt.asUintN(64, m1 * q1 + BigInt.asUintN(64, r01 >> 32n) + BigInt.asUintN(64, r10 >> 32n) + BigInt.asUintN(64, mid2 >> 32n));
    // tlo + m·q ≡ 0 (mod 2^64), so the carry out of the low word is 1 exactly when tlo ≠ 0.
    const carry = BigInt.asUintN(64, BigInt.asUintN(64, tlo | BigInt.asUintN(64, 0n - tlo)) >> 63n);
    const u = BigInt.asIntN(64, thi + mhi + carry - q);
    out[i] = BigInt.asUintN(64, u + BigInt.asUintN(64, q & BigInt.asUintN(64, u >> 63n)));
  }
}

/**
 * Fused Montgomery multiply-accumulate of one operand with two others (Montgomery 1985, R = 2^64):
 * acc0[i] ≡ acc0[i] + a[i]·b0[i]·2^{-64} and acc1[i] ≡ acc1[i] + a[i]·b1[i]·2^{-64} (mod q), kept lazily in [0, 2q).
 * With b0, b1 in Montgomery form (b·2^64 mod q) this adds the plain products — the inner loop of key switching
 * (a = a digit, b0/b1 = the two key parts) and of plaintext-times-ciphertext sums (a = the plaintext, b0/b1 = the
 * ciphertext's two parts, the plaintext in Montgomery form). a is read and split once for both products.
 * Reduction: t = hi(a·b) − hi(m·q) with m = lo(a·b)·q^{-1} mod 2^64 lies in (−q, q) and needs no carry (the low
 * words cancel exactly). Inputs a[i], b0[i], b1[i] in [0, q), acc in [0, 2q) (e.g. 0 or a previous output); the
 * caller brings final sums to [0, q) with one pass (`polyReduceLazy`). Requires q < 2^61.
 */
export function mulMontgomeryAccumulate2(
  a: BigUint64Array, b0: BigUint64Array, b1: BigUint64Array, acc0: BigUint64Array, acc1: BigUint64Array,
  modulus: bigint, negInverse: bigint,
): void {
  const q = BigInt.asUintN(64, modulus);
  const qi = BigInt.asUintN(64, 0n - negInverse); // q^{-1} mod 2^64
  const q0 = BigInt.asUintN(64, q & M32);
  const q1 = BigInt.asUintN(64, q >> 32n);
  const n = acc0.length;
  for (let i = 0; i < n; i++) {
    const x = a[i]!;
    const x0 = BigInt.asUintN(64, x & M32), x1 = BigInt.asUintN(64, x >> 32n);
    {
      const y = b0[i]!;
      const y0 = BigInt.asUintN(64, y & M32), y1 = BigInt.asUintN(64, y >> 32n);
      const p00 = BigInt.asUintN(64, x0 * y0), p01 = BigInt.asUintN(64, x0 * y1), p10 = BigInt.asUintN(64, x1 * y0);
      const mid = BigInt.asUintN(64, BigInt.asUintN(64, p00 >> 32n) + BigInt.asUintN(64, p01 & M32) + BigInt.asUintN(64, p10 & M32));
      const thi = BigInt.asUintN(64, x1 * y1 + BigInt.asUintN(64, p01 >> 32n) + BigInt.asUintN(64, p10 >> 32n) + BigInt.asUintN(64, mid >> 32n));
      const m = BigInt.asUintN(64, BigInt.asUintN(64, x * y) * qi);
      const m0 = BigInt.asUintN(64, m & M32), m1 = BigInt.asUintN(64, m >> 32n);
      const r00 = BigInt.asUintN(64, m0 * q0), r01 = BigInt.asUintN(64, m0 * q1), r10 = BigInt.asUintN(64, m1 * q0);
      const mid2 = BigInt.asUintN(64, BigInt.asUintN(64, r00 >> 32n) + BigInt.asUintN(64, r01 & M32) + BigInt.asUintN(64, r10 & M32));
      const mhi = BigInt.asUintN(64, m1 * q1 + BigInt.asUintN(64, r01 >> 32n) + BigInt.asUintN(64, r10 >> 32n) + BigInt.asUintN(64, mid2 >> 32n));
      // acc + t − q with t ∈ (−q, q), acc ∈ [0, 2q) lies in (−2q, 2q): adding 2q to negatives keeps [0, 2q), ≡ mod q
      const s = BigInt.asIntN(64, acc0[i]! + thi - mhi - q);
      acc0[i] = BigInt.asUintN(64, s + BigInt.asUintN(64, BigInt.asUintN(64, q + q) & BigInt.asUintN(64, s >> 63n)));
    }
    {
      const y = b1[i]!;
      const y0 = BigInt.asUintN(64, y & M32), y1 = BigInt.asUintN(64, y >> 32n);
      const p00 = BigInt.asUintN(64, x0 * y0), p01 = BigInt.asUintN(64, x0 * y1), p10 = BigInt.asUintN(64, x1 * y0);
      const mid = BigInt.asUintN(64, BigInt.asUintN(64, p00 >> 32n) + BigInt.asUintN(64, p01 & M32) + BigInt.asUintN(64, p10 & M32));
      const thi = BigInt.asUintN(64, x1 * y1 + BigInt.asUintN(64, p01 >> 32n) + BigInt.asUintN(64, p10 >> 32n) + BigInt.asUintN(64, mid >> 32n));
      const m = BigInt.asUintN(64, BigInt.asUintN(64, x * y) * qi);
      const m0 = BigInt.asUintN(64, m & M32), m1 = BigInt.asUintN(64, m >> 32n);
      const r00 = BigInt.asUintN(64, m0 * q0), r01 = BigInt.asUintN(64, m0 * q1), r10 = BigInt.asUintN(64, m1 * q0);
      const mid2 = BigInt.asUintN(64, BigInt.asUintN(64, r00 >> 32n) + BigInt.asUintN(64, r01 & M32) + BigInt.asUintN(64, r10 & M32));
      const mhi = BigInt.asUintN(64, m1 * q1 + BigInt.asUintN(64, r01 >> 32n) + BigInt.asUintN(64, r10 >> 32n) + BigInt.asUintN(64, mid2 >> 32n));
      const s = BigInt.asIntN(64, acc1[i]! + thi - mhi - q);
      acc1[i] = BigInt.asUintN(64, s + BigInt.asUintN(64, BigInt.asUintN(64, q + q) & BigInt.asUintN(64, s >> 63n)));
    }
  }
}

/**
 * Exact modular product out[i] = a[i]·b[i] mod q: a Montgomery product (which leaves a factor 2^{-64})
 * followed by a Shoup multiplication by R mod q, which cancels it. Inputs in [0, q).
 */
export function mulMod(
  a: BigUint64Array, b: BigUint64Array, out: BigUint64Array,
  modulus: bigint, negInverse: bigint, rModQ: bigint, rModQShoup: bigint,
): void {
  const q = BigInt.asUintN(64, modulus);
  const qn = BigInt.asUintN(64, negInverse);
  const w = BigInt.asUintN(64, rModQ);
  const wp = BigInt.asUintN(64, rModQShoup);
  const wp0 = BigInt.asUintN(64, wp & M32), wp1 = BigInt.asUintN(64, wp >> 32n);
  const q0 = BigInt.asUintN(64, q & M32);
  const q1 = BigInt.asUintN(64, q >> 32n);
  const n = out.length;
  for (let i = 0; i < n; i++) {
    const x = a[i]!;
    const y = b[i]!;
    const x0 = BigInt.asUintN(64, x & M32), x1 = BigInt.asUintN(64, x >> 32n);
    const y0 = BigInt.asUintN(64, y & M32), y1 = BigInt.asUintN(64, y >> 32n);
    const p00 = BigInt.asUintN(64, x0 * y0), p01 = BigInt.asUintN(64, x0 * y1), p10 = BigInt.asUintN(64, x1 * y0);
    const mid = BigInt.asUintN(64, BigInt.asUintN(64, p00 >> 32n) + BigInt.asUintN(64, p01 & M32) + BigInt.asUintN(64, p10 & M32));
    const thi = BigInt.asUintN(64, x1 * y1 + BigInt.asUintN(64, p01 >> 32n) + BigInt.asUintN(64, p10 >> 32n) + BigInt.asUintN(64, mid >> 32n));
    const tlo = BigInt.asUintN(64, x * y);
    const m = BigInt.asUintN(64, tlo * qn);
    const m0 = BigInt.asUintN(64, m & M32), m1 = BigInt.asUintN(64, m >> 32n);
    const r00 = BigInt.asUintN(64, m0 * q0), r01 = BigInt.asUintN(64, m0 * q1), r10 = BigInt.asUintN(64, m1 * q0);
    const mid2 = BigInt.asUintN(64, BigInt.asUintN(64, r00 >> 32n) + BigInt.asUintN(64, r01 & M32) + BigInt.asUintN(64, r10 & M32));
    const mhi = BigInt.asUintN(64, m1 * q1 + BigInt.asUintN(64, r01 >> 32n) + BigInt.asUintN(64, r10 >> 32n) + BigInt.asUintN(64, mid2 >> 32n));
    const carry = BigInt.asUintN(64, BigInt.asUintN(64, tlo | BigInt.asUintN(64, 0n - tlo)) >> 63n);
    // z = a·b·2^{-64} mod q, lazily in [0, 2q): Shoup accepts any 64-bit input.
    const z = BigInt.asUintN(64, thi + mhi + carry);
    const z0 = BigInt.asUintN(64, z & M32), z1 = BigInt.asUintN(64, z >> 32n);
    const s00 = BigInt.asUintN(64, z0 * wp0), s01 = BigInt.asUintN(64, z0 * wp1), s10 = BigInt.asUintN(64, z1 * wp0);
    const mid3 = BigInt.asUintN(64, BigInt.asUintN(64, s00 >> 32n) + BigInt.asUintN(64, s01 & M32) + BigInt.asUintN(64, s10 & M32));
    const hq = BigInt.asUintN(64, z1 * wp1 + BigInt.asUintN(64, s01 >> 32n) + BigInt.asUintN(64, s10 >> 32n) + BigInt.asUintN(64, mid3 >> 32n));
    const r = BigInt.asIntN(64, z * w - hq * q - q);
    out[i] = BigInt.asUintN(64, r + BigInt.asUintN(64, q & BigInt.asUintN(64, r >> 63n)));
  }
}

/**
 * Shoup multiplication by one constant: out[i] = a[i]·w mod q, with wShoup = floor(w·2^64/q), w < q.
 * Any 64-bit a[i] is accepted (Harvey 2014, Lemma 2: the lazy result is in [0, 2q)); output in [0, q).
 */
export function mulScalarShoup(
  a: BigUint64Array, w: bigint, wShoup: bigint, out: BigUint64Array, modulus: bigint,
): void {
  const q = BigInt.asUintN(64, modulus);
  const c = BigInt.asUintN(64, w);
  const cp = BigInt.asUintN(64, wShoup);
  const cp0 = BigInt.asUintN(64, cp & M32), cp1 = BigInt.asUintN(64, cp >> 32n);
  const n = out.length;
  for (let i = 0; i < n; i++) {
    const x = a[i]!;
    const x0 = BigInt.asUintN(64, x & M32), x1 = BigInt.asUintN(64, x >> 32n);
    const p00 = BigInt.asUintN(64, x0 * cp0), p01 = BigInt.asUintN(64, x0 * cp1), p10 = BigInt.asUintN(64, x1 * cp0);
    const mid = BigInt.asUintN(64, BigInt.asUintN(64, p00 >> 32n) + BigInt.asUintN(64, p01 & M32) + BigInt.asUintN(64, p10 & M32));
    const hq = BigInt.asUintN(64, x1 * cp1 + BigInt.asUintN(64, p01 >> 32n) + BigInt.asUintN(64, p10 >> 32n) + BigInt.asUintN(64, mid >> 32n));
    const r = BigInt.asIntN(64, x * c - hq * q - q);
    out[i] = BigInt.asUintN(64, r + BigInt.asUintN(64, q & BigInt.asUintN(64, r >> 63n)));
  }
}

/**
 * Fused difference and Shoup product: out[i] = (a[i] − b[i])·w mod q for a[i], b[i] in [0, q) (the last step of
 * rescaling and ModDown: (x − correction)·q^{-1}). a − b + q lies in [0, 2q), which Shoup accepts.
 */
export function subMulScalarShoup(
  a: BigUint64Array, b: BigUint64Array, w: bigint, wShoup: bigint, out: BigUint64Array, modulus: bigint,
): void {
  const q = BigInt.asUintN(64, modulus);
  const c = BigInt.asUintN(64, w);
  const cp = BigInt.asUintN(64, wShoup);
  const cp0 = BigInt.asUintN(64, cp & M32), cp1 = BigInt.asUintN(64, cp >> 32n);
  const n = out.length;
  for (let i = 0; i < n; i++) {
    const x = BigInt.asUintN(64, a[i]! - b[i]! + q);
    const x0 = BigInt.asUintN(64, x & M32), x1 = BigInt.asUintN(64, x >> 32n);
    const p00 = BigInt.asUintN(64, x0 * cp0), p01 = BigInt.asUintN(64, x0 * cp1), p10 = BigInt.asUintN(64, x1 * cp0);
    const mid = BigInt.asUintN(64, BigInt.asUintN(64, p00 >> 32n) + BigInt.asUintN(64, p01 & M32) + BigInt.asUintN(64, p10 & M32));
    const hq = BigInt.asUintN(64, x1 * cp1 + BigInt.asUintN(64, p01 >> 32n) + BigInt.asUintN(64, p10 >> 32n) + BigInt.asUintN(64, mid >> 32n));
    const r = BigInt.asIntN(64, x * c - hq * q - q);
    out[i] = BigInt.asUintN(64, r + BigInt.asUintN(64, q & BigInt.asUintN(64, r >> 63n)));
  }
}

/**
 * Element-wise Shoup multiplication by precomputed constants: out[i] = a[i]·w[i] mod q with
 * wShoup[i] = floor(w[i]·2^64/q). Used when one operand is fixed and reused (keys, plaintexts).
 */
export function mulShoup(
  a: BigUint64Array, w: BigUint64Array, wShoup: BigUint64Array, out: BigUint64Array, modulus: bigint,
): void {
  const q = BigInt.asUintN(64, modulus);
  const n = out.length;
  for (let i = 0; i < n; i++) {
    const x = a[i]!;
    const c = w[i]!;
    const cp = wShoup[i]!;
    const x0 = BigInt.asUintN(64, x & M32), x1 = BigInt.asUintN(64, x >> 32n);
    const cp0 = BigInt.asUintN(64, cp & M32), cp1 = BigInt.asUintN(64, cp >> 32n);
    const p00 = BigInt.asUintN(64, x0 * cp0), p01 = BigInt.asUintN(64, x0 * cp1), p10 = BigInt.asUintN(64, x1 * cp0);
    const mid = BigInt.asUintN(64, BigInt.asUintN(64, p00 >> 32n) + BigInt.asUintN(64, p01 & M32) + BigInt.asUintN(64, p10 & M32));
    const hq = BigInt.asUintN(64, x1 * cp1 + BigInt.asUintN(64, p01 >> 32n) + BigInt.asUintN(64, p10 >> 32n) + BigInt.asUintN(64, mid >> 32n));
    const r = BigInt.asIntN(64, x * c - hq * q - q);
    out[i] = BigInt.asUintN(64, r + BigInt.asUintN(64, q & BigInt.asUintN(64, r >> 63n)));
  }
}

/**
 * Shoup companions of a vector of constants: out[i] = floor(w[i]·2^64/q), w[i] < q.
 * Precomputation only (one BigInt division per element); never call it on a hot path.
 */
export function shoupCompanions(w: BigUint64Array, out: BigUint64Array, modulus: bigint): void {
  const q = modulus;
  const n = out.length;
  for (let i = 0; i < n; i++) {
    out[i] = (w[i]! << 64n) / q;
  }
}

/**
 * Barrett reduction of arbitrary 64-bit words: out[i] = a[i] mod q, with barrett = floor(2^64/q).
 * h = hi(a·barrett) satisfies a/q − 2 < h ≤ a/q, so a − h·q ∈ [0, 2q) and one subtraction finishes.
 */
export function reduceBarrett(a: BigUint64Array, out: BigUint64Array, modulus: bigint, barrett: bigint): void {
  const q = BigInt.asUintN(64, modulus);
  const b = BigInt.asUintN(64, barrett);
  const b0 = BigInt.asUintN(64, b & M32), b1 = BigInt.asUintN(64, b >> 32n);
  const n = out.length;
  for (let i = 0; i < n; i++) {
    const x = a[i]!;
    const x0 = BigInt.asUintN(64, x & M32), x1 = BigInt.asUintN(64, x >> 32n);
    const p00 = BigInt.asUintN(64, x0 * b0), p01 = BigInt.asUintN(64, x0 * b1), p10 = BigInt.asUintN(64, x1 * b0);
    const mid = BigInt.asUintN(64, BigInt.asUintN(64, p00 >> 32n) + BigInt.asUintN(64, p01 & M32) + BigInt.asUintN(64, p10 & M32));
    const h = BigInt.asUintN(64, x1 * b1 + BigInt.asUintN(64, p01 >> 32n) + BigInt.asUintN(64, p10 >> 32n) + BigInt.asUintN(64, mid >> 32n));
    const r = BigInt.asIntN(64, x - h * q - q);
    out[i] = BigInt.asUintN(64, r + BigInt.asUintN(64, q & BigInt.asUintN(64, r >> 63n)));
  }
}

/**
 * Barrett reduction plus a constant: out[i] = (a[i] mod q + c) mod q for any 64-bit a[i] and c in [0, q) (the
 * per-prime correction term of rescaling: a residue modulo q_ℓ brought to q_i and shifted by −⌊q_ℓ/2⌋).
 */
export function reduceBarrettAddScalar(a: BigUint64Array, constant: bigint, out: BigUint64Array, modulus: bigint, barrett: bigint): void {
  const q = BigInt.asUintN(64, modulus);
  const c = BigInt.asUintN(64, constant);
  const b = BigInt.asUintN(64, barrett);
  const b0 = BigInt.asUintN(64, b & M32), b1 = BigInt.asUintN(64, b >> 32n);
  const n = out.length;
  for (let i = 0; i < n; i++) {
    const x = a[i]!;
    const x0 = BigInt.asUintN(64, x & M32), x1 = BigInt.asUintN(64, x >> 32n);
    const p00 = BigInt.asUintN(64, x0 * b0), p01 = BigInt.asUintN(64, x0 * b1), p10 = BigInt.asUintN(64, x1 * b0);
    const mid = BigInt.asUintN(64, BigInt.asUintN(64, p00 >> 32n) + BigInt.asUintN(64, p01 & M32) + BigInt.asUintN(64, p10 & M32));
    const h = BigInt.asUintN(64, x1 * b1 + BigInt.asUintN(64, p01 >> 32n) + BigInt.asUintN(64, p10 >> 32n) + BigInt.asUintN(64, mid >> 32n));
    // x − h·q is in [0, 2q); adding c < q gives [0, 3q): two branch-free corrections
    const r = BigInt.asIntN(64, x - h * q + c - q);
    const r1 = BigInt.asIntN(64, r + BigInt.asUintN(64, q & BigInt.asUintN(64, r >> 63n)) - q);
    out[i] = BigInt.asUintN(64, r1 + BigInt.asUintN(64, q & BigInt.asUintN(64, r1 >> 63n)));
  }
}

/**
 * Warm-up on tiny arrays at module load. When a kernel's very first call is already long (N = 2^16), V8 optimises
 * it on-stack before the function has type feedback, and the re-optimised code often misses the 64-bit BigInt
 * lowering (2–10× slower, one heap BigInt per operation). ~32 calls on 8 elements give every kernel its feedback
 * first; it costs microseconds.
 */
function warmUp(): void {
  const q = (1n << 61n) - 1n; // prime; any odd q < 2^61 exercises the same code paths
  const qn = BigInt.asUintN(64, -((): bigint => { let inv = 1n; for (let i = 0; i < 7; i++) inv = BigInt.asUintN(64, inv * (2n - q * inv)); return inv; })());
  const r = (1n << 64n) % q;
  const rs = (r << 64n) / q;
  const x = new BigUint64Array(8).map((_, i) => (BigInt(i + 1) * 0x1f2e3d4c5b6a798n) % q);
  const y = x.slice().reverse();
  const ys = new BigUint64Array(8).map((_, i) => (y[i]! << 64n) / q);
  const out = new BigUint64Array(8);
  const out2 = new BigUint64Array(8);
  for (let k = 0; k < 32; k++) {
    addMod(x, y, out, q);
    addScalarMod(x, 5n, out, q);
    subMod(x, y, out, q);
    negMod(x, out, q);
    mulMontgomery(x, y, out, q, qn);
    mulMontgomeryAccumulate2(x, y, y, out, out2, q, qn);
    mulMod(x, y, out, q, qn, r, rs);
    mulScalarShoup(x, y[0]!, ys[0]!, out, q);
    mulShoup(x, y, ys, out, q);
    reduceBarrett(x, out, q, (1n << 64n) / q);
    reduceBarrettAddScalar(x, 3n, out, q, (1n << 64n) / q);
    subMulScalarShoup(x, y, y[0]!, ys[0]!, out, q);
  }
}
warmUp();
