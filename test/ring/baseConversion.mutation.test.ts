// Base conversion, ModUp, ModDown and rescale: the argument checks (each must be the one that refuses, and the
// valid boundary must pass), the aliasing rules at their exact edges (views that touch but do not overlap), and
// ModUp's copied limbs. References: BigInt residues of integers chosen first.
import { describe, expect, it } from 'vitest';
import { RnsBasis } from '../../src/ckks/ring/rnsBasis.js';
import { RnsPoly } from '../../src/ckks/ring/rnsPoly.js';
import { generateNttPrimes } from '../../src/ckks/ring/primes.js';
import { BaseConverter, ModUpConverter, buffersOverlap, fastBaseConvert, modUp } from '../../src/ckks/ring/baseConversion.js';
import { ModDownConverter } from '../../src/ckks/ring/modDown.js';
import { rescaleByLastPrime } from '../../src/ckks/ring/rescale.js';
import { expectCkksError } from '../support/expectCkksError.js';

const N = 16;
const QS = generateNttPrimes(50, 3, N);
const PS = generateNttPrimes(55, 2, N);
const Q = RnsBasis.create(N, QS);
const P = RnsBasis.create(N, PS);
const QP = Q.concat(P);
const SMALL = RnsBasis.create(8, generateNttPrimes(50, 1, 8));
const modP = (x: bigint, q: bigint) => ((x % q) + q) % q;

describe('buffersOverlap', () => {
  const buf = new BigUint64Array(32);
  it('is true exactly when two views share at least one word', () => {
    expect(buffersOverlap(buf.subarray(0, 8), buf.subarray(8, 16))).toBe(false); // touching
    expect(buffersOverlap(buf.subarray(8, 16), buf.subarray(0, 8))).toBe(false);
    expect(buffersOverlap(buf.subarray(0, 9), buf.subarray(8, 16))).toBe(true); // one word in common
    expect(buffersOverlap(buf.subarray(8, 16), buf.subarray(0, 9))).toBe(true);
    expect(buffersOverlap(buf.subarray(0, 4), buf.subarray(20, 24))).toBe(false);
    expect(buffersOverlap(buf.subarray(4, 12), buf.subarray(4, 12))).toBe(true);
    expect(buffersOverlap(buf.subarray(0, 32), buf.subarray(10, 11))).toBe(true);
    expect(buffersOverlap(new BigUint64Array(8), new BigUint64Array(8))).toBe(false); // same offsets, other buffers
  });
});

describe('argument checks', () => {
  const conv = new BaseConverter(Q, P);
  const limbs = (k: number, n = N) => Array.from({ length: k }, () => new BigUint64Array(n));
  it('BaseConverter and ModUpConverter refuse non-bases (TypeError) and bases of another ring degree', () => {
    expect(() => new BaseConverter(QS as unknown as RnsBasis, P)).toThrow(TypeError);
    expect(() => new BaseConverter(Q, PS as unknown as RnsBasis)).toThrow(TypeError);
    expect(() => new ModUpConverter(Q, {} as RnsBasis)).toThrow(TypeError);
    expectCkksError(() => new BaseConverter(Q, SMALL), 'INCOMPATIBLE_PARAMETERS');
    expectCkksError(() => new ModUpConverter(SMALL, QP), 'INCOMPATIBLE_PARAMETERS');
  });
  it('limb arrays: an array of BigUint64Array of length N per prime, else TypeError/RangeError', () => {
    expect(() => conv.convertLimbs(new BigUint64Array(3 * N) as unknown as BigUint64Array[], limbs(2))).toThrow(TypeError);
    expect(() => conv.convertLimbs([...limbs(2), new Float64Array(N) as unknown as BigUint64Array], limbs(2))).toThrow(TypeError);
    expect(() => conv.convertLimbs(limbs(3), [new BigUint64Array(N), [] as unknown as BigUint64Array])).toThrow(TypeError);
    expect(() => conv.convertLimbs(limbs(2), limbs(2))).toThrow(RangeError);
    expect(() => conv.convertLimbs(limbs(3), limbs(3))).toThrow(RangeError);
    expect(() => conv.convertLimbs([...limbs(2), new BigUint64Array(N - 1)], limbs(2))).toThrow(RangeError);
    expect(() => conv.convertLimbs(limbs(3), [new BigUint64Array(N), new BigUint64Array(N + 1)])).toThrow(RangeError);
    expect(() => conv.convertLimbs(limbs(3), limbs(2))).not.toThrow();
  });
  it('ModUpConverter refuses a target without every source prime, and outputs that alias the input', () => {
    expectCkksError(() => new ModUpConverter(QP, Q), 'INCOMPATIBLE_PARAMETERS');
    const up = new ModUpConverter(Q, QP);
    const src = limbs(3);
    const dst = limbs(5);
    expect(() => up.applyLimbs(src, [...dst.slice(0, 4), src[1]!])).toThrow(RangeError);
    expect(() => up.applyLimbs(src, [src[0]!, ...dst.slice(1)])).toThrow(RangeError);
    expect(() => up.applyLimbs(src, dst)).not.toThrow();
  });
  it('ModDownConverter refuses non-bases, another ring degree and a prime both kept and dropped', () => {
    expect(() => new ModDownConverter(QS as unknown as RnsBasis, P)).toThrow(TypeError);
    expect(() => new ModDownConverter(Q, PS as unknown as RnsBasis)).toThrow(TypeError);
    expectCkksError(() => new ModDownConverter(Q, SMALL), 'INCOMPATIBLE_PARAMETERS');
    expect(() => new ModDownConverter(Q, RnsBasis.create(N, [PS[0]!, QS[2]!]))).toThrow(RangeError);
    expect(new ModDownConverter(Q, P).input.primes).toEqual([...QS, ...PS]);
  });
  it('rescaleByLastPrime refuses non-polynomials (TypeError) and one-prime polynomials (nothing to divide by)', () => {
    expect(() => rescaleByLastPrime({} as RnsPoly)).toThrow(TypeError);
    expect(() => rescaleByLastPrime(new RnsPoly(Q.prefix(1), 'evaluation'))).toThrow(/one prime cannot be rescaled/);
    expect(rescaleByLastPrime(new RnsPoly(Q.prefix(2), 'evaluation')).basis.primes).toEqual(QS.slice(0, 1));
  });
});

describe('ModUp copies the source limbs and converts the others (reference: BigInt)', () => {
  // x_j small and of both signs: the centred conversion gives x_j mod p exactly, the plain one x_j (+ u·Q) mod p
  const xs = Array.from({ length: N }, (_, j) => BigInt(j * 1000003) * (j % 2 === 0 ? 1n : -1n));
  it('every limb of the output, both modes, target primes in any order', () => {
    const to = RnsBasis.create(N, [PS[1]!, QS[2]!, QS[0]!, PS[0]!, QS[1]!]);
    for (const centered of [false, true]) {
      const up = new ModUpConverter(Q, to, { centered });
      const src = QS.map((q) => BigUint64Array.from(xs, (x) => modP(x, q)));
      const dst = to.primes.map(() => new BigUint64Array(N).fill(7n)); // stale values must be overwritten
      up.applyLimbs(src, dst);
      to.primes.forEach((p, t) => {
        const Qv = QS.reduce((a, b) => a * b, 1n);
        for (let j = 0; j < N; j++) {
          const v = dst[t]![j]!;
          if (centered || QS.includes(p)) expect(v).toBe(modP(xs[j]!, p));
          else expect([0n, 1n, 2n].some((u) => v === modP(xs[j]! + u * Qv, p))).toBe(true);
        }
      });
    }
  });
  it('views of one coefficient range of every limb convert like the whole limbs (plain, centred, one source prime)', () => {
    const cut = Math.floor(N / 3) + 1; // not a multiple of the converter's block: a partial block on both sides
    const cases: [ModUpConverter, RnsBasis][] = [
      [new ModUpConverter(Q, QP), Q], [new ModUpConverter(Q, QP, { centered: true }), Q],
      [new ModUpConverter(Q.prefix(1), QP, { centered: true }), Q.prefix(1)], [new ModUpConverter(Q.prefix(1), QP), Q.prefix(1)],
    ];
    for (const [up, from] of cases) {
      const src = from.primes.map((q) => BigUint64Array.from(xs, (x) => modP(x, q)));
      const whole = QP.primes.map(() => new BigUint64Array(N));
      up.applyLimbs(src, whole);
      const parts = QP.primes.map(() => new BigUint64Array(N).fill(5n));
      for (const [lo, hi] of [[0, cut], [cut, N]] as const) up.applyLimbs(src.map((s) => s.subarray(lo, hi)), parts.map((d) => d.subarray(lo, hi)));
      parts.forEach((d, t) => expect(d, `limb ${t}`).toEqual(whole[t]));
    }
    // N = 4096: views of 1,500 and 2,596 coefficients, so blocks of 1,024 end inside a view
    const bigQ = RnsBasis.create(4096, generateNttPrimes(50, 3, 4096));
    const bigQP = bigQ.concat(RnsBasis.create(4096, generateNttPrimes(55, 2, 4096)));
    const big = new ModUpConverter(bigQ, bigQP, { centered: true });
    const bigSrc = bigQ.primes.map((q) => BigUint64Array.from({ length: 4096 }, (_, j) => modP(BigInt(j) * 987654321987n - 5n * 10n ** 17n, q)));
    const bigWhole = bigQP.primes.map(() => new BigUint64Array(4096));
    big.applyLimbs(bigSrc, bigWhole);
    const bigParts = bigQP.primes.map(() => new BigUint64Array(4096));
    for (const [lo, hi] of [[0, 1500], [1500, 4096]] as const) big.applyLimbs(bigSrc.map((s) => s.subarray(lo, hi)), bigParts.map((d) => d.subarray(lo, hi)));
    bigParts.forEach((d, t) => expect(d, `N = 4096, limb ${t}`).toEqual(bigWhole[t]));
    const up = new ModUpConverter(Q, QP);
    const src = QS.map(() => new BigUint64Array(N));
    expect(() => up.applyLimbs(src.map((s) => s.subarray(0, 8)), QP.primes.map(() => new BigUint64Array(9)))).toThrow(RangeError);
    expect(() => up.applyLimbs([new BigUint64Array(N + 1), ...src.slice(1)], QP.primes.map(() => new BigUint64Array(N + 1)))).toThrow(RangeError);
  });

  it('convert and apply write coefficient-form outputs whatever form the output had', () => {
    const a = RnsPoly.fromCoefficients(Q, xs);
    const up = new ModUpConverter(Q, QP).apply(a, new RnsPoly(QP, 'evaluation'));
    expect(up.form).toBe('coefficient');
    const conv = new BaseConverter(Q, P).convert(a, new RnsPoly(P, 'evaluation'));
    expect(conv.form).toBe('coefficient');
    expect(Array.from(conv.data.subarray(0, N))).toEqual(Array.from(new BaseConverter(Q, P).convert(a, new RnsPoly(P, 'coefficient')).data.subarray(0, N)));
  });
  it('modUp and fastBaseConvert (cached converters) give the same words as the converters, repeatedly', () => {
    const a = RnsPoly.fromCoefficients(Q, xs);
    for (let rep = 0; rep < 2; rep++) {
      const up = modUp(a, new RnsPoly(QP, 'coefficient'));
      const direct = new ModUpConverter(Q, QP).apply(a, new RnsPoly(QP, 'coefficient'));
      expect(Array.from(up.data)).toEqual(Array.from(direct.data));
      const conv = fastBaseConvert(a, new RnsPoly(P, 'coefficient'));
      expect(Array.from(conv.data)).toEqual(Array.from(new BaseConverter(Q, P).convert(a, new RnsPoly(P, 'coefficient')).data));
    }
  });
});

describe('rescale output aliasing, at the exact edges', () => {
  const k = 3;
  const xs = Array.from({ length: N }, (_, j) => BigInt(j) * 123456789n - 5n);
  const expected = () => rescaleByLastPrime(RnsPoly.fromCoefficients(Q, xs).toEvaluation());
  it('out directly before or after a in one buffer (touching, not overlapping) is accepted', () => {
    const buf = new BigUint64Array((k + k - 1) * N);
    for (const [aOff, oOff] of [[0, k * N], [(k - 1) * N, 0]] as const) {
      const a = new RnsPoly(Q, 'evaluation', buf.subarray(aOff, aOff + k * N));
      a.data.set(RnsPoly.fromCoefficients(Q, xs).toEvaluation().data);
      const out = new RnsPoly(Q.prefix(k - 1), 'evaluation', buf.subarray(oOff, oOff + (k - 1) * N));
      rescaleByLastPrime(a, out);
      expect(Array.from(out.data)).toEqual(Array.from(expected().data));
    }
  });
  it('out overlapping a by one word is refused; out in another buffer at any offset is accepted', () => {
    const buf = new BigUint64Array(3 * k * N);
    const a = new RnsPoly(Q, 'evaluation', buf.subarray(N, N + k * N));
    const out = new RnsPoly(Q.prefix(k - 1), 'evaluation', buf.subarray(N + k * N - 1, N + k * N - 1 + (k - 1) * N));
    expect(() => rescaleByLastPrime(a, out)).toThrow(RangeError);
    const out2 = new RnsPoly(Q.prefix(k - 1), 'evaluation', buf.subarray(1, 1 + (k - 1) * N));
    expect(() => rescaleByLastPrime(a, out2)).toThrow(RangeError);
    const other = new BigUint64Array(3 * k * N);
    const a2 = new RnsPoly(Q, 'evaluation', other.subarray(2, 2 + k * N));
    a2.data.set(RnsPoly.fromCoefficients(Q, xs).toEvaluation().data);
    const out3 = new RnsPoly(Q.prefix(k - 1), 'evaluation', buf.subarray(3, 3 + (k - 1) * N));
    rescaleByLastPrime(a2, out3);
    expect(Array.from(out3.data)).toEqual(Array.from(expected().data));
  });
});
