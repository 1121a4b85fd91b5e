// Rotations: the planner against a test-side breadth-first search (shortest compositions), the available-key map
// against powers of 5 computed here, and the Rotator's refusals and edge cases (step 0, repeated steps, aliasing
// accumulators, empty sums), with every result decrypted and compared with the float64 rotation. Small insecure
// N = 2^5 (16 slots).
import { beforeAll, describe, expect, it } from 'vitest';
import { availableRotations, normalizeSteps, planRotation } from '../../src/ckks/scheme/rotations.js';
import { Evaluator } from '../../src/ckks/scheme/evaluator.js';
import { Ciphertext, ExtendedCiphertext } from '../../src/ckks/scheme/plaintext.js';
import type { GaloisKey } from '../../src/ckks/scheme/keys.js';
import { expectCkksError } from '../support/expectCkksError.js';
import { type Fixture, fixture, maxError, randomReals } from './helpers.js';

const N = 32;
const SLOTS = 16;
const TOL = 2 ** -12;
const rot = (v: Float64Array, k: number) => v.map((_, i) => v[(((i + k) % SLOTS) + SLOTS) % SLOTS]!);

/** Shortest number of generators (with repetition) summing to t mod m, or undefined (test-side BFS). */
function shortest(t: number, gens: readonly number[], m: number): number | undefined {
  const dist = new Array<number>(m).fill(-1);
  dist[0] = 0;
  const queue = [0];
  for (let h = 0; h < queue.length; h++) {
    const x = queue[h]!;
    for (const g of gens) {
      const y = (x + g) % m;
      if (dist[y] === -1) { dist[y] = dist[x]! + 1; queue.push(y); }
    }
  }
  return dist[((t % m) + m) % m] === -1 ? undefined : dist[((t % m) + m) % m];
}

describe('planRotation and normalizeSteps (pure functions)', () => {
  it('normalizeSteps reduces into [0, N/2) and refuses non-integers', () => {
    expect([-1, 0, 15, 16, 17, -33].map((s) => normalizeSteps(s, N))).toEqual([15, 0, 15, 0, 1, 15]);
    for (const s of [0.5, NaN, Infinity]) expect(() => normalizeSteps(s, N)).toThrow(RangeError);
  });
  it('returns a shortest composition (sum ≡ steps mod N/2) exactly when one exists', () => {
    const sets = [[1], [3], [2], [4, 6], [5, 7], [1, 8], [2, 4, 8], [12], [0, 5], []];
    for (const set of sets) {
      const available = new Set(set);
      for (let t = -SLOTS; t < 2 * SLOTS; t++) {
        const plan = planRotation(t, available, N);
        const best = shortest(t, set.filter((g) => g !== 0), SLOTS);
        const target = ((t % SLOTS) + SLOTS) % SLOTS;
        if (target === 0) {
          expect(plan).toEqual([]);
          continue;
        }
        if (best === undefined) {
          expect(plan, `steps ${t} with {${set}}`).toBeUndefined();
          continue;
        }
        expect(plan, `steps ${t} with {${set}}`).toBeDefined();
        expect(plan!.length).toBe(best);
        for (const s of plan!) expect(available.has(s)).toBe(true);
        expect(plan!.reduce((a, b) => a + b, 0) % SLOTS).toBe(target);
      }
    }
  });
  it('availableRotations maps exactly the Galois elements 5^r mod 2N to r (other elements ignored)', () => {
    const keys = new Map<number, GaloisKey>();
    const powers: number[] = [];
    for (let r = 0, e = 1; r < SLOTS; r++, e = (e * 5) % (2 * N)) powers.push(e);
    for (const r of [1, 3, 7, 15]) keys.set(powers[r]!, {} as GaloisKey);
    keys.set(2 * N - 1, {} as GaloisKey); // conjugation
    keys.set(3, {} as GaloisKey); // not a power of 5 (≡ 3 mod 4)
    expect([...availableRotations(keys, N)].sort((a, b) => a - b)).toEqual([1, 3, 7, 15]);
    expect(powers.every((e) => e % 4 === 1)).toBe(true);
  });
});

describe('Rotator through the evaluator', () => {
  let F: Fixture;
  let x: Float64Array, y: Float64Array;
  let ct: Ciphertext, ct2: Ciphertext;
  beforeAll(() => {
    F = fixture({ logN: 5, logQ: [55, 40, 40], logP: [60], logDefaultScale: 30 }, 21, [1, 2, 5], true);
    x = randomReals(SLOTS, 5);
    y = randomReals(SLOTS, 6);
    ct = F.encrypt(x);
    ct2 = F.encrypt(y);
  });

  it('rotation by 0 (or a multiple of N/2) is a copy; a composed rotation equals the float64 rotation', () => {
    for (const s of [0, SLOTS, -SLOTS]) {
      const r = F.evaluator.rotate(ct, s);
      expect(r).not.toBe(ct);
      expect(r.parts[0]).not.toBe(ct.parts[0]);
      expect(Array.from(r.parts[1]!.data)).toEqual(Array.from(ct.parts[1]!.data));
    }
    for (const s of [3, 4, -1, 11]) expect(maxError(F.decrypt(F.evaluator.rotate(ct, s)), rot(x, s))).toBeLessThan(TOL);
    expect(F.evaluator.hasRotationKey(0)).toBe(true);
    expect(F.evaluator.hasRotationKey(SLOTS)).toBe(true);
    expect(F.evaluator.hasRotationKey(1)).toBe(true);
    expect(F.evaluator.hasRotationKey(3)).toBe(false);
  });
  it('a rotation no composition reaches is MISSING_KEY; degree-2 inputs are a RangeError', () => {
    const only2 = new Evaluator(F.ctx, { galoisKeys: F.keygen.galoisKeys(F.keygen.secretKey(), [2]) });
    expectCkksError(() => only2.rotate(ct, 1), 'MISSING_KEY');
    expectCkksError(() => only2.conjugate(ct), 'MISSING_KEY');
    const deg2 = F.evaluator.mulNoRelin(ct, ct2);
    expect(() => F.evaluator.rotate(deg2, 1)).toThrow(RangeError);
    expect(() => F.evaluator.rotateHoisted(deg2, [1])).toThrow(RangeError);
    expect(() => F.evaluator.rotateHoistedExtended(deg2, [1])).toThrow(RangeError);
    expect(() => F.evaluator.liftExtended(deg2)).toThrow(RangeError);
    expect(() => F.evaluator.conjugate(deg2)).toThrow(RangeError);
  });
  it('rotateHoisted: repeated steps give one entry, step 0 a copy, a missing exact key MISSING_KEY', () => {
    const m = F.evaluator.rotateHoisted(ct, [1, 0, 1, 5, -SLOTS]);
    expect([...m.keys()]).toEqual([1, 0, 5, -SLOTS]);
    expect(maxError(F.decrypt(m.get(1)!), rot(x, 1))).toBeLessThan(TOL);
    expect(maxError(F.decrypt(m.get(5)!), rot(x, 5))).toBeLessThan(TOL);
    expect(m.get(0)).not.toBe(ct);
    expect(maxError(F.decrypt(m.get(0)!), x)).toBeLessThan(TOL);
    expectCkksError(() => F.evaluator.rotateHoisted(ct, [1, 3]), 'MISSING_KEY');
  });
  it('rotateHoistedExtended: empty steps, step 0 (P·ct), repeated steps; ModDown brings each back to the rotation', () => {
    expect(F.evaluator.rotateHoistedExtended(ct, []).size).toBe(0);
    const m = F.evaluator.rotateHoistedExtended(ct, [0, 2, 2, 5]);
    expect([...m.keys()]).toEqual([0, 2, 5]);
    for (const s of [0, 2, 5]) {
      const e = m.get(s)!;
      expect([e.level, e.scale, e.slots]).toEqual([ct.level, ct.scale, ct.slots]);
      expect(maxError(F.decrypt(F.evaluator.modDownExtended(e)), rot(x, s))).toBeLessThan(TOL);
    }
    expectCkksError(() => F.evaluator.rotateHoistedExtended(ct, [3]), 'MISSING_KEY');
  });
  it('rotateAccumulateExtended: acc += P·rot(x); the accumulator must not be (or share a part with) the input', () => {
    const lx = F.evaluator.liftExtended(ct);
    const acc = F.evaluator.liftExtended(ct2);
    F.evaluator.rotateAccumulateExtended(lx, 1, acc);
    F.evaluator.rotateAccumulateExtended(lx, 0, acc);
    expect(maxError(F.decrypt(F.evaluator.modDownExtended(acc)), y.map((v, i) => v + rot(x, 1)[i]! + x[i]!))).toBeLessThan(TOL);
    const z = F.evaluator.liftExtended(ct2);
    expect(() => F.evaluator.rotateAccumulateExtended(z, 1, z)).toThrow(RangeError);
    const shareC0 = new ExtendedCiphertext(F.ctx, z.level, z.c0, z.c1.clone(), z.scale, z.slots);
    const shareC1 = new ExtendedCiphertext(F.ctx, z.level, z.c0.clone(), z.c1, z.scale, z.slots);
    expect(() => F.evaluator.rotateAccumulateExtended(z, 1, shareC0)).toThrow(RangeError);
    expect(() => F.evaluator.rotateAccumulateExtended(z, 1, shareC1)).toThrow(RangeError);
    expect(() => F.evaluator.rotateAccumulateExtended(ct as unknown as ExtendedCiphertext, 1, z)).toThrow(TypeError);
    const other = ExtendedCiphertext.zero(F.ctx, z.level, z.scale * 2, z.slots);
    expectCkksError(() => F.evaluator.rotateAccumulateExtended(z, 1, other), 'SCALE_MISMATCH');
    const lower = ExtendedCiphertext.zero(F.ctx, z.level - 1, z.scale, z.slots);
    expectCkksError(() => F.evaluator.rotateAccumulateExtended(z, 1, lower), 'LEVEL_MISMATCH');
    const fewer = ExtendedCiphertext.zero(F.ctx, z.level, z.scale, z.slots / 2);
    expectCkksError(() => F.evaluator.rotateAccumulateExtended(z, 1, fewer), 'INCOMPATIBLE_PARAMETERS');
    expectCkksError(() => F.evaluator.rotateAccumulateExtended(z, 3, F.evaluator.liftExtended(ct)), 'MISSING_KEY');
  });
  it('rotateSum and rotateSumExtended: Σ rot(x_t, s_t) with step 0 included; empty or mismatched terms refused', () => {
    const terms = [{ ciphertext: ct, steps: 1 }, { ciphertext: ct2, steps: 0 }, { ciphertext: ct, steps: -SLOTS + 5 }];
    const want = x.map((_, i) => rot(x, 1)[i]! + y[i]! + rot(x, 5)[i]!);
    expect(maxError(F.decrypt(F.evaluator.rotateSum(terms)), want)).toBeLessThan(TOL);
    const ext = terms.map((t) => ({ ciphertext: F.evaluator.liftExtended(t.ciphertext), steps: t.steps }));
    const sumExt = F.evaluator.rotateSumExtended(ext);
    expect([sumExt.level, sumExt.scale, sumExt.slots]).toEqual([ct.level, ct.scale, SLOTS]);
    expect(maxError(F.decrypt(F.evaluator.modDownExtended(sumExt)), want)).toBeLessThan(TOL);
    expect(() => F.evaluator.rotateSum([])).toThrow(RangeError);
    expect(() => F.evaluator.rotateSumExtended([])).toThrow(RangeError);
    const low = F.evaluator.dropLevels(ct2, 1);
    expectCkksError(() => F.evaluator.rotateSum([{ ciphertext: ct, steps: 1 }, { ciphertext: low, steps: 1 }]), 'LEVEL_MISMATCH');
    expectCkksError(() => F.evaluator.rotateSum([{ ciphertext: ct, steps: 1 }, { ciphertext: F.encrypt(y, undefined, ct.scale * 2), steps: 1 }]), 'SCALE_MISMATCH');
    expect(() => F.evaluator.rotateSum([{ ciphertext: F.evaluator.mulNoRelin(ct, ct2), steps: 1 }])).toThrow(RangeError);
    expectCkksError(() => F.evaluator.rotateSum([{ ciphertext: ct, steps: 3 }]), 'MISSING_KEY');
    expectCkksError(() => F.evaluator.rotateSumExtended([ext[0]!, { ciphertext: F.evaluator.liftExtended(low), steps: 1 }]), 'LEVEL_MISMATCH');
    expectCkksError(() => F.evaluator.rotateSumExtended([{ ciphertext: ext[0]!.ciphertext, steps: 3 }]), 'MISSING_KEY');
    expect(() => F.evaluator.rotateSumExtended([{ ciphertext: ct as unknown as ExtendedCiphertext, steps: 1 }])).toThrow(TypeError);
  });
  it('conjugation equals the float64 conjugate of complex slots', () => {
    const re = randomReals(SLOTS, 8), im = randomReals(SLOTS, 9);
    const c = F.encrypt({ re, im });
    expect(maxError(F.decrypt(F.evaluator.conjugate(c)), re, im.map((v) => -v))).toBeLessThan(TOL);
  });
  it('a Galois key filed under another element is refused at construction', () => {
    const keys = F.keygen.galoisKeys(F.keygen.secretKey(), [1, 2]);
    const [[e1, k1], [e2, k2]] = [...keys] as [[number, GaloisKey], [number, GaloisKey]];
    expectCkksError(() => new Evaluator(F.ctx, { galoisKeys: new Map([[e1, k2], [e2, k1]]) }), 'INCOMPATIBLE_PARAMETERS');
  });
});
