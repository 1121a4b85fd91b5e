// RnsPoly argument checks at their boundaries (each valid boundary accepted, the first invalid value refused), the
// accelerator hooks (a test-side RingAccelerator standing in for a thread pool), and the small helpers the
// arithmetic tests do not reach (polyReduceLazy, copyFrom, fromCoefficients with numbers). References: BigInt.
import { describe, expect, it } from 'vitest';
import { RnsBasis } from '../../src/ckks/ring/rnsBasis.js';
import {
  RnsPoly, polyAdd, polyMul, polyMulRnsScalar, polyMulScalar, polyNeg, polyReduceLazy, polySub,
} from '../../src/ckks/ring/rnsPoly.js';
import { generateNttPrimes } from '../../src/ckks/ring/primes.js';
import { nttForward, nttInverse } from '../../src/ckks/ring/ntt.js';
import { setAccelerator, type RingAccelerator } from '../../src/ckks/ring/accelerator.js';
import { expectCkksError } from '../support/expectCkksError.js';

const N = 8;
// ascending sizes: q_0 < q_1 < q_2, so a residue valid in limb 1 or 2 can be ≥ q_0
const PRIMES = [generateNttPrimes(30, 1, N)[0]!, generateNttPrimes(45, 1, N)[0]!, generateNttPrimes(60, 1, N)[0]!];
const BASIS = RnsBasis.create(N, PRIMES);
const OTHER = RnsBasis.create(N, [PRIMES[0]!, PRIMES[1]!, generateNttPrimes(59, 1, N)[0]!]);

const modP = (x: bigint, q: bigint) => ((x % q) + q) % q;
const filled = (basis: RnsBasis, f: (l: number, j: number) => bigint, form: 'coefficient' | 'evaluation' = 'coefficient') => {
  const p = new RnsPoly(basis, form);
  for (let l = 0; l < basis.size; l++) for (let j = 0; j < N; j++) p.data[l * N + j] = f(l, j);
  return p;
};

describe('RnsPoly construction and views', () => {
  it('refuses an unknown form with a TypeError', () => {
    expect(() => new RnsPoly(BASIS, 'ntt' as 'evaluation')).toThrow(TypeError);
    expect(new RnsPoly(BASIS, 'evaluation').form).toBe('evaluation');
  });
  it('limb(i) is defined exactly for integers 0 ≤ i < k', () => {
    const p = filled(BASIS, (l, j) => BigInt(100 * l + j));
    for (let i = 0; i < BASIS.size; i++) expect(Array.from(p.limb(i))).toEqual(Array.from({ length: N }, (_, j) => BigInt(100 * i + j)));
    for (const i of [-1, BASIS.size, BASIS.size + 1, 0.5, NaN]) expect(() => p.limb(i)).toThrow(RangeError);
  });
  it('dropLastLimbs(count) accepts 0 … k − 1 and refuses negatives, k and fractions', () => {
    const p = filled(BASIS, (l, j) => BigInt(l + j));
    expect(p.dropLastLimbs(0).basis.primes).toEqual(PRIMES);
    expect(p.dropLastLimbs().basis.primes).toEqual(PRIMES.slice(0, 2));
    expect(p.dropLastLimbs(2).basis.primes).toEqual(PRIMES.slice(0, 1));
    for (const c of [-1, 3, 4, 1.5]) expect(() => p.dropLastLimbs(c)).toThrow(RangeError);
  });
  it('fromCoefficients takes numbers and bigints of any sign, at most N of them', () => {
    const values: (number | bigint)[] = [1, -2, 3n, -(1n << 70n), 0, 2 ** 40, -7];
    const p = RnsPoly.fromCoefficients(BASIS, values);
    for (let l = 0; l < BASIS.size; l++) {
      for (let j = 0; j < N; j++) expect(p.data[l * N + j]).toBe(modP(BigInt(values[j] ?? 0), PRIMES[l]!));
    }
    expect(RnsPoly.fromCoefficients(BASIS, new Array<number>(N).fill(1)).data[N - 1]).toBe(1n);
    expect(() => RnsPoly.fromCoefficients(BASIS, new Array<number>(N + 1).fill(1))).toThrow(RangeError);
  });
  it('copyFrom copies the residues and the form, and refuses another basis', () => {
    const src = filled(BASIS, (l, j) => BigInt(l * 7 + j), 'evaluation');
    const dst = new RnsPoly(BASIS, 'coefficient');
    expect(dst.copyFrom(src)).toBe(dst);
    expect(dst.form).toBe('evaluation');
    expect(Array.from(dst.data)).toEqual(Array.from(src.data));
    expectCkksError(() => new RnsPoly(OTHER, 'evaluation').copyFrom(src), 'INCOMPATIBLE_PARAMETERS');
  });
});

describe('assertReduced', () => {
  it('accepts q_l − 1 in every position of every limb (also where it is ≥ the other primes)', () => {
    const p = filled(BASIS, (l) => PRIMES[l]! - 1n);
    expect(() => p.assertReduced()).not.toThrow();
    // first word of each limb large: a check reading one word too far would compare it with the previous prime
    const q = filled(BASIS, (l, j) => (j === 0 ? PRIMES[l]! - 1n : 0n));
    expect(() => q.assertReduced()).not.toThrow();
  });
  it('refuses q_l (and above) at the first and last index of every limb', () => {
    for (let l = 0; l < BASIS.size; l++) {
      for (const j of [0, N - 1]) {
        for (const v of [PRIMES[l]!, PRIMES[l]! + 1n]) {
          const p = new RnsPoly(BASIS, 'coefficient');
          p.data[l * N + j] = v;
          expectCkksError(() => p.assertReduced(), 'CORRUPT_INPUT');
        }
      }
    }
  });
});

describe('accelerator hooks (a test-side accelerator that records its calls)', () => {
  function fakeAccelerator(result: boolean) {
    const calls: { inverse: boolean; words: number }[] = [];
    const buffers: ArrayBuffer[] = [];
    const acc: RingAccelerator = {
      allocate(words) {
        const a = new BigUint64Array(words);
        buffers.push(a.buffer as ArrayBuffer);
        return a;
      },
      transform(poly, inverse) {
        calls.push({ inverse, words: poly.data.length });
        if (!result) return false;
        // do the work itself, as a pool would
        for (let l = 0; l < poly.limbCount; l++) (inverse ? nttInverse : nttForward)(poly.limb(l), poly.basis.tables[l]!);
        return true;
      },
    };
    return { acc, calls, buffers };
  }
  const basis = RnsBasis.create(N, generateNttPrimes(40, 2, N));
  const reference = (xs: bigint[]) => {
    const p = new RnsPoly(RnsBasis.create(N, basis.primes), 'coefficient');
    for (let l = 0; l < 2; l++) for (let j = 0; j < N; j++) p.data[l * N + j] = modP(xs[j]!, basis.primes[l]!);
    return p;
  };
  const xs = Array.from({ length: N }, (_, j) => BigInt(j * j) - 20n);

  it('allocation and clone go through allocate; transforms are handed over with the right direction', () => {
    for (const result of [true, false]) {
      const f = fakeAccelerator(result);
      setAccelerator(basis, f.acc);
      try {
        const p = new RnsPoly(basis, 'coefficient');
        expect(f.buffers).toContain(p.data.buffer);
        for (let l = 0; l < 2; l++) for (let j = 0; j < N; j++) p.data[l * N + j] = modP(xs[j]!, basis.primes[l]!);
        const c = p.clone();
        expect(f.buffers).toContain(c.data.buffer);
        expect(c.data.buffer).not.toBe(p.data.buffer);
        expect(Array.from(c.data)).toEqual(Array.from(p.data));
        p.toEvaluation();
        expect(p.form).toBe('evaluation');
        expect(f.calls.at(-1)).toEqual({ inverse: false, words: 2 * N });
        expect(Array.from(p.data)).toEqual(Array.from(reference(xs).toEvaluation().data)); // done once, by one side
        p.toCoefficient();
        expect(p.form).toBe('coefficient');
        expect(f.calls.at(-1)).toEqual({ inverse: true, words: 2 * N });
        expect(Array.from(p.data)).toEqual(Array.from(reference(xs).data));
      } finally {
        setAccelerator(basis, undefined);
      }
    }
  });
});

describe('helpers and argument checks of the polynomial operations', () => {
  it('polyReduceLazy brings residues in [0, 2q) to [0, q)', () => {
    const p = filled(BASIS, (l, j) => [0n, 1n, PRIMES[l]! - 1n, PRIMES[l]!, PRIMES[l]! + 1n, 2n * PRIMES[l]! - 1n, 12345n, PRIMES[l]! + 12345n][j]!);
    const expected = Array.from(p.data, (v, i) => v % PRIMES[Math.floor(i / N)]!);
    expect(polyReduceLazy(p)).toBe(p);
    expect(Array.from(p.data)).toEqual(expected);
  });
  it('polyMulScalar needs a bigint; polyMulRnsScalar one residue in [0, q_l) per limb', () => {
    const a = filled(BASIS, (l, j) => BigInt(j + 1 + l));
    expect(() => polyMulScalar(a, 3 as unknown as bigint, a.clone())).toThrow(TypeError);
    const edge = PRIMES.map((q) => q - 1n);
    const out = polyMulRnsScalar(a, edge, new RnsPoly(BASIS, 'coefficient'));
    for (let l = 0; l < 3; l++) for (let j = 0; j < N; j++) expect(out.data[l * N + j]).toBe(modP(-BigInt(j + 1 + l), PRIMES[l]!));
    const zero = polyMulRnsScalar(a, [0n, 0n, 0n], new RnsPoly(BASIS, 'coefficient'));
    expect(zero.data.every((v) => v === 0n)).toBe(true);
    expect(() => polyMulRnsScalar(a, [1n, 1n], a.clone())).toThrow(RangeError);
    expect(() => polyMulRnsScalar(a, [1n, 1n, 1n, 1n], a.clone())).toThrow(RangeError);
    for (let l = 0; l < 3; l++) {
      for (const bad of [PRIMES[l]!, -1n]) {
        const r = [1n, 1n, 1n];
        r[l] = bad;
        expect(() => polyMulRnsScalar(a, r, a.clone())).toThrow(RangeError);
      }
    }
  });
  it('every operation refuses an output (or operand) over another basis', () => {
    const a = new RnsPoly(BASIS, 'evaluation'), b = new RnsPoly(OTHER, 'evaluation');
    for (const f of [
      () => polyAdd(a, a, b), () => polySub(a, a, b), () => polyMul(a, a, b), () => polyNeg(a, b), () => polyMulScalar(a, 2n, b),
      () => polyMulRnsScalar(a, [1n, 1n, 1n], b), () => polyAdd(a, b, a), () => polySub(b, a, a),
    ]) expectCkksError(f, 'INCOMPATIBLE_PARAMETERS');
  });
  it('operands in different forms are FORM_MISMATCH for add, sub and mul', () => {
    const c = new RnsPoly(BASIS, 'coefficient'), e = new RnsPoly(BASIS, 'evaluation');
    for (const f of [() => polyAdd(c, e, e.clone()), () => polySub(e, c, e.clone()), () => polyMul(e, c, e.clone())]) expectCkksError(f, 'FORM_MISMATCH');
  });
  it('results take the operand form: neg, scalar products and sums in coefficient form stay coefficient', () => {
    const a = filled(BASIS, (l, j) => BigInt(j + l));
    const outs = [polyNeg(a, new RnsPoly(BASIS, 'evaluation')), polyMulScalar(a, 5n, new RnsPoly(BASIS, 'evaluation')),
      polyMulRnsScalar(a, [2n, 2n, 2n], new RnsPoly(BASIS, 'evaluation')), polyAdd(a, a, new RnsPoly(BASIS, 'evaluation')),
      polySub(a, a, new RnsPoly(BASIS, 'evaluation'))];
    for (const o of outs) expect(o.form).toBe('coefficient');
    const e = filled(BASIS, (l, j) => BigInt(j + l), 'evaluation');
    expect(polyMul(e, e, new RnsPoly(BASIS, 'coefficient')).form).toBe('evaluation');
  });
});
