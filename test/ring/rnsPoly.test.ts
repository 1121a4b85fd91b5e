// RNS polynomials vs an independent BigInt model: each polynomial is reconstructed by explicit CRT and
// compared with schoolbook negacyclic arithmetic modulo Q (small insecure N = 2^3..2^5, 1–4 primes).
import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { RnsBasis } from '../../src/ckks/ring/rnsBasis.js';
import { RnsPoly, polyAdd, polyMul, polyMulRnsScalar, polyMulScalar, polyNeg, polySub } from '../../src/ckks/ring/rnsPoly.js';
import { generateNttPrimes } from '../../src/ckks/ring/primes.js';
import { Modulus } from '../../src/ckks/ring/modulus.js';
import { NttTable } from '../../src/ckks/ring/ntt.js';
import { CkksError } from '../../src/ckks/errors.js';
import { expectCkksError } from '../support/expectCkksError.js';

const LOG_N = 5;
const N = 1 << LOG_N;
const PRIMES = [...generateNttPrimes(61, 2, N), ...generateNttPrimes(40, 2, N)];
const FULL = RnsBasis.create(N, PRIMES);

/** Explicit CRT: the unique x in [0, Q) with x ≡ r_i mod q_i (test-side reference, no library code). */
function crt(residues: readonly bigint[], primes: readonly bigint[]): bigint {
  const Q = primes.reduce((a, b) => a * b, 1n);
  let x = 0n;
  primes.forEach((q, i) => {
    const qi = Q / q;
    let inv = 1n;
    for (let e = q - 2n, b = qi % q; e > 0n; e >>= 1n, b = (b * b) % q) if (e & 1n) inv = (inv * b) % q;
    x = (x + residues[i]! * qi * inv) % Q;
  });
  return x;
}

function toBigInts(p: RnsPoly): bigint[] {
  const copy = p.clone();
  if (copy.form === 'evaluation') copy.toCoefficient();
  const primes = copy.basis.primes;
  return Array.from({ length: N }, (_, j) => crt(primes.map((_, l) => copy.limb(l)[j]!), primes));
}

function negacyclic(a: bigint[], b: bigint[], Q: bigint): bigint[] {
  const c = new Array<bigint>(N).fill(0n);
  for (let i = 0; i < N; i++) for (let j = 0; j < N; j++) {
    const k = i + j, p = a[i]! * b[j]!;
    if (k < N) c[k] = (c[k]! + p) % Q; else c[k - N] = (((c[k - N]! - p) % Q) + Q) % Q;
  }
  return c;
}

const limbsArb = fc.integer({ min: 1, max: PRIMES.length });
const coeffs = (Q: bigint) => fc.array(fc.oneof(fc.bigInt({ min: -Q, max: Q }), fc.constantFrom(0n, 1n, -1n, Q - 1n)), { minLength: N, maxLength: N });
const caseArb = limbsArb.chain((k) => {
  const basis = FULL.prefix(k);
  const Q = basis.product();
  return fc.tuple(fc.constant(basis), coeffs(Q), coeffs(Q), fc.bigInt({ min: -(1n << 200n), max: 1n << 200n }));
});

describe('RnsPoly arithmetic (small insecure N = 32, 1–4 primes of 40–61 bits; reference: BigInt mod Q)', () => {
  it('add, sub, neg, scalar multiply in both forms; product via NTT equals schoolbook mod Q', () => {
    fc.assert(fc.property(caseArb, ([basis, av, bv, c]) => {
      const Q = basis.product();
      const r = (x: bigint) => ((x % Q) + Q) % Q;
      const a = RnsPoly.fromCoefficients(basis, av), b = RnsPoly.fromCoefficients(basis, bv);
      const out = new RnsPoly(basis, 'coefficient');
      expect(toBigInts(polyAdd(a, b, out))).toEqual(av.map((x, i) => r(x + bv[i]!)));
      expect(toBigInts(polySub(a, b, out))).toEqual(av.map((x, i) => r(x - bv[i]!)));
      expect(toBigInts(polyNeg(a, out))).toEqual(av.map((x) => r(-x)));
      expect(toBigInts(polyMulScalar(a, c, out))).toEqual(av.map((x) => r(x * c)));
      expect(toBigInts(polyMulRnsScalar(a, basis.primes.map((q) => ((c % q) + q) % q), out))).toEqual(av.map((x) => r(x * c)));
      const ae = a.clone().toEvaluation(), be = b.clone().toEvaluation();
      const prod = polyMul(ae, be, new RnsPoly(basis, 'evaluation'));
      expect(toBigInts(prod)).toEqual(negacyclic(av.map(r), bv.map(r), Q));
      // addition commutes with the transform
      expect(toBigInts(polyAdd(ae, be, new RnsPoly(basis, 'evaluation')))).toEqual(av.map((x, i) => r(x + bv[i]!)));
    }), { numRuns: 60 });
  });

  it('dropLastLimbs is a view onto the leading limbs (reduction mod a sub-product)', () => {
    const a = RnsPoly.fromCoefficients(FULL, Array.from({ length: N }, (_, i) => BigInt(i) * 0x123456789abcdefn - 77n));
    const dropped = a.dropLastLimbs(2);
    expect(dropped.basis.primes).toEqual(PRIMES.slice(0, 2));
    expect(dropped.data.buffer).toBe(a.data.buffer);
    const Q2 = PRIMES[0]! * PRIMES[1]!;
    expect(toBigInts(dropped)).toEqual(Array.from({ length: N }, (_, i) => (((BigInt(i) * 0x123456789abcdefn - 77n) % Q2) + Q2) % Q2));
    expect(() => a.dropLastLimbs(4)).toThrow(RangeError);
  });
});

describe('RnsPoly misuse is a typed error, never a wrong number', () => {
  const basis = FULL.prefix(2);
  it('mixed forms and coefficient-form products throw FORM_MISMATCH', () => {
    const a = new RnsPoly(basis, 'coefficient'), b = new RnsPoly(basis, 'evaluation');
    expect(() => polyAdd(a, b, a)).toThrow(CkksError);
    expectCkksError(() => polyMul(a, a.clone(), a), 'FORM_MISMATCH');
    expect(() => polyMul(a, a.clone(), a)).toThrow(/FORM_MISMATCH/);
    expect(() => b.toEvaluation()).toThrow(/FORM_MISMATCH/);
  });
  it('different bases throw INCOMPATIBLE_PARAMETERS', () => {
    const a = new RnsPoly(basis, 'evaluation'), b = new RnsPoly(FULL, 'evaluation');
    expect(() => polyMul(a, b, a)).toThrow(/INCOMPATIBLE_PARAMETERS/);
  });
  it('bad data length is a RangeError; unreduced data is CORRUPT_INPUT', () => {
    expect(() => new RnsPoly(basis, 'coefficient', new BigUint64Array(3))).toThrow(RangeError);
    const p = new RnsPoly(basis, 'coefficient');
    p.data[N + 1] = PRIMES[1]!;
    expect(() => p.assertReduced()).toThrow(/CORRUPT_INPUT/);
  });
  it('bases reject repeated primes', () => {
    expect(() => RnsBasis.create(N, [PRIMES[0]!, PRIMES[0]!])).toThrow(RangeError);
  });
  it('bases reject primes ≥ 2^61 (the multiply-accumulate kernels need q < 2^61), from create and fromTables', () => {
    const [big] = generateNttPrimes(62, 1, N); // a valid NTT prime in [2^61, 2^62): fine for one Modulus, not for a basis
    expect(big! >= 1n << 61n).toBe(true);
    expect(() => RnsBasis.create(N, [PRIMES[0]!, big!])).toThrow(/2\^61/);
    const wide = new NttTable(new Modulus(big!), N);
    expect(() => RnsBasis.fromTables([...FULL.tables, wide])).toThrow(/2\^61/);
    expect(RnsBasis.create(N, [PRIMES[0]!]).primes).toEqual([PRIMES[0]!]); // 2^61 − … is accepted
  });
});
