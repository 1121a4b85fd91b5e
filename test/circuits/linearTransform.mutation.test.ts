// Linear transforms at a small insecure size (N = 2^6, 32 slots) so that mutation testing can re-run them per
// mutant: the diagonal builders' argument checks at their boundaries, the BSGS planner against a brute force over
// the strides, and every hoisting mode against M·x computed here from the matrix (schoolbook, float64), with the
// key-switch counts the plan announces. Masking and replication against float64 too.
import { beforeAll, describe, expect, it } from 'vitest';
import {
  type DenseMatrix, type DiagonalMatrix, LinearTransform, applyDiagonalsPlain, checkDiagonalMatrix, cyclicMatrixDiagonals,
  keySwitchCount, mask, matrixDiagonals, mergeDiagonals, planBsgs, replicate, rotationKeysFor,
} from '../../src/ckks/circuits/linearTransform/index.js';
import type { Ciphertext } from '../../src/ckks/scheme/plaintext.js';
import { expectCkksError } from '../support/expectCkksError.js';
import { type Fixture, fixture, randomReals } from '../scheme/helpers.js';

const SLOTS = 32;
interface Complex { re: Float64Array; im: Float64Array }

/** y = M·x for a dense rows × cols block reading x from inOffset, writing y from outOffset (schoolbook, complex). */
function times(m: DenseMatrix, x: Complex, slots: number, inOffset = 0, outOffset = 0): Complex {
  const y = { re: new Float64Array(slots), im: new Float64Array(slots) };
  for (let r = 0; r < m.rows; r++) {
    for (let c = 0; c < m.cols; c++) {
      const a = m.values[r * m.cols + c]!, b = m.imag?.[r * m.cols + c] ?? 0;
      const u = x.re[inOffset + c]!, v = x.im[inOffset + c]!;
      y.re[outOffset + r] = y.re[outOffset + r]! + a * u - b * v;
      y.im[outOffset + r] = y.im[outOffset + r]! + a * v + b * u;
    }
  }
  return y;
}
const maxErr = (got: Complex, want: Complex) => {
  let e = 0;
  for (let i = 0; i < want.re.length; i++) e = Math.max(e, Math.abs(got.re[i]! - want.re[i]!), Math.abs(got.im[i]! - want.im[i]!));
  return e;
};
const dense = (rows: number, cols: number, seed: number, complex = false): DenseMatrix =>
  (complex ? { rows, cols, values: randomReals(rows * cols, seed), imag: randomReals(rows * cols, seed + 1) } : { rows, cols, values: randomReals(rows * cols, seed) });
const vec = (n: number, seed: number, complex = true): Complex => ({ re: randomReals(n, seed), im: complex ? randomReals(n, seed + 99) : new Float64Array(n) });
const toComplex = (v: Float64Array | Complex): Complex => (v instanceof Float64Array ? { re: v, im: new Float64Array(v.length) } : v);

describe('diagonal builders: argument checks at their boundaries (float64)', () => {
  it('slot counts must be powers of two', () => {
    for (const s of [0, 3, 6, 1.5, -4]) expect(() => matrixDiagonals(dense(1, 1, 1), s)).toThrow(RangeError);
    expect(matrixDiagonals({ rows: 1, cols: 1, values: [2] }, 1).diagonals.get(0)).toEqual(Float64Array.of(2));
  });
  it('shapes must be positive integers and the arrays hold rows·cols finite entries', () => {
    for (const m of [
      { rows: 0, cols: 2, values: [] }, { rows: 2, cols: 0, values: [] }, { rows: 1.5, cols: 2, values: [1, 2, 3] }, { rows: 2, cols: 1.5, values: [1, 2, 3] },
      { rows: 2, cols: 2, values: [1, 2, 3] }, { rows: 2, cols: 2, values: [1, 2, 3, NaN] }, { rows: 2, cols: 2, values: [Infinity, 2, 3, 4] },
      { rows: 2, cols: 2, values: [1, 2, 3, 4], imag: [1, 2, 3, 4, 5] }, { rows: 2, cols: 2, values: [1, 2, 3, 4], imag: [1, NaN, 3, 4] },
    ] as DenseMatrix[]) {
      expect(() => matrixDiagonals(m, 4)).toThrow(RangeError);
    }
  });
  it('offsets: an object of non-negative integers keeping the block inside the slots (the last fitting offset accepted)', () => {
    const m = dense(3, 5, 2);
    expect(() => matrixDiagonals(m, 8, null as unknown as object)).toThrow(TypeError);
    expect(() => matrixDiagonals(m, 8, 3 as unknown as object)).toThrow(TypeError);
    for (const o of [{ inOffset: 4 }, { outOffset: 6 }, { inOffset: -1 }, { outOffset: -1 }, { inOffset: 0.5 }, { outOffset: 1.5 }]) {
      expect(() => matrixDiagonals(m, 8, o)).toThrow(RangeError);
    }
    const x = vec(8, 3);
    const y = toComplex(applyDiagonalsPlain(matrixDiagonals(m, 8, { inOffset: 3, outOffset: 5 }), x));
    expect(maxErr(y, times(m, x, 8, 3, 5))).toBeLessThan(1e-12);
  });
  it('zero entries make no diagonal; real matrices real diagonals, complex ones {re, im}', () => {
    const id = matrixDiagonals({ rows: 4, cols: 4, values: [1, 0, 0, 0, 0, 1, 0, 0, 0, 0, 1, 0, 0, 0, 0, 1] }, 4);
    expect([...id.diagonals.keys()]).toEqual([0]);
    expect(id.diagonals.get(0)).toEqual(Float64Array.of(1, 1, 1, 1));
    const c = matrixDiagonals({ rows: 2, cols: 2, values: [0, 2, 0, 0], imag: [0, 0, 3, 0] }, 2);
    expect([...c.diagonals.keys()].sort()).toEqual([1]);
    const d = c.diagonals.get(1) as Complex;
    expect(Array.from(d.re)).toEqual([2, 0]);
    expect(Array.from(d.im)).toEqual([0, 3]);
  });
  it('cyclicMatrixDiagonals: square power-of-two matrices only; d_k[i] = M[i][(i + k) mod n]', () => {
    expect(() => cyclicMatrixDiagonals(dense(2, 4, 1))).toThrow(RangeError);
    expect(() => cyclicMatrixDiagonals(dense(3, 3, 1))).toThrow(RangeError);
    for (const complex of [false, true]) {
      const m = dense(8, 8, 5, complex);
      const diags = cyclicMatrixDiagonals(m);
      for (const [k, dv] of diags.diagonals) {
        const d = toComplex(dv);
        for (let i = 0; i < 8; i++) {
          expect(d.re[i]).toBe(m.values[i * 8 + ((i + k) % 8)]);
          expect(d.im[i]).toBe(complex ? m.imag![i * 8 + ((i + k) % 8)] : 0);
        }
      }
      const x = vec(8, 6);
      expect(maxErr(toComplex(applyDiagonalsPlain(diags, x)), times(m, x, 8))).toBeLessThan(1e-12);
    }
  });
  it('checkDiagonalMatrix: indices are integers in [0, slots); every part has the slot count; parts are Float64Arrays', () => {
    const ok = new Float64Array(4);
    for (const k of [-1, 4, 0.5]) expect(() => checkDiagonalMatrix({ slots: 4, diagonals: new Map([[k, ok]]) }, 't')).toThrow(RangeError);
    expect(() => checkDiagonalMatrix({ slots: 4, diagonals: new Map([[3, ok], [0, ok]]) }, 't')).not.toThrow();
    expect(() => checkDiagonalMatrix({ slots: 4, diagonals: new Map([[1, new Float64Array(3)]]) }, 't')).toThrow(RangeError);
    expect(() => checkDiagonalMatrix({ slots: 4, diagonals: new Map([[1, { re: ok, im: new Float64Array(5) }]]) }, 't')).toThrow(RangeError);
    expect(() => checkDiagonalMatrix({ slots: 4, diagonals: new Map([[1, { re: ok, im: ok }]]) }, 't')).not.toThrow();
    expect(() => checkDiagonalMatrix({ slots: 4, diagonals: new Map([[1, [0, 0, 0, 0] as unknown as Float64Array]]) }, 't')).toThrow(TypeError);
    expect(() => checkDiagonalMatrix({ slots: 4, diagonals: new Map([[1, { re: ok, im: [0, 0, 0, 0] as unknown as Float64Array }]]) }, 't')).toThrow(TypeError);
    expect(() => checkDiagonalMatrix({ slots: 3, diagonals: new Map() }, 't')).toThrow(RangeError);
  });
  it('mergeDiagonals adds maps on one slot count (complex where any summand is); nothing or mixed counts refused', () => {
    expect(() => mergeDiagonals([])).toThrow(RangeError);
    expect(() => mergeDiagonals([matrixDiagonals(dense(2, 2, 1), 4), matrixDiagonals(dense(2, 2, 1), 8)])).toThrow(RangeError);
    const a = dense(4, 4, 11), b = dense(4, 4, 12, true);
    const merged = mergeDiagonals([matrixDiagonals(a, 8), matrixDiagonals(b, 8, { inOffset: 2, outOffset: 1 }), matrixDiagonals(a, 8, { inOffset: 4, outOffset: 4 })]);
    const x = vec(8, 13);
    const want = times(a, x, 8);
    const wb = times(b, x, 8, 2, 1), wc = times(a, x, 8, 4, 4);
    for (let i = 0; i < 8; i++) {
      want.re[i] = want.re[i]! + wb.re[i]! + wc.re[i]!;
      want.im[i] = want.im[i]! + wb.im[i]! + wc.im[i]!;
    }
    expect(maxErr(toComplex(applyDiagonalsPlain(merged, x)), want)).toBeLessThan(1e-12);
    const realOnly = mergeDiagonals([matrixDiagonals(a, 8), matrixDiagonals(a, 8)]);
    for (const d of realOnly.diagonals.values()) expect(d).toBeInstanceOf(Float64Array);
    const xr = vec(8, 14, false);
    const y = applyDiagonalsPlain(realOnly, xr.re);
    expect(y).toBeInstanceOf(Float64Array);
    const w = times(a, xr, 8);
    expect(maxErr(toComplex(y), { re: w.re.map((v) => 2 * v), im: w.im })).toBeLessThan(1e-12);
  });
});

describe('BSGS planning', () => {
  it('refuses bad options, no diagonals, out-of-range indices and strides that are not powers of two in [1, slots]', () => {
    expect(() => planBsgs([1], 8, null as unknown as object)).toThrow(TypeError);
    expect(() => planBsgs([], 8)).toThrow(RangeError);
    for (const k of [-1, 8, 1.5]) expect(() => planBsgs([k], 8)).toThrow(RangeError);
    for (const s of [0, 3, 16, 0.5]) expect(() => planBsgs([1, 2], 8, { babyStride: s })).toThrow(RangeError);
    for (const s of [1, 2, 8]) expect(planBsgs([1, 2], 8, { babyStride: s }).babyStride).toBe(s);
  });
  it('the chosen stride minimises key switches (ties: fewer giant steps) over all power-of-two strides', () => {
    const sets = [[0], [1], [0, 1, 2, 3, 4, 5, 6, 7], [31], [1, 30, 31], [0, 5, 10, 15, 20, 25, 30], Array.from({ length: 32 }, (_, k) => k), [2, 3, 17, 29]];
    for (const ks of sets) {
      const plan = planBsgs(ks, SLOTS);
      const candidates = [1, 2, 4, 8, 16, 32].map((n1) => planBsgs(ks, SLOTS, { babyStride: n1 }));
      const best = Math.min(...candidates.map(keySwitchCount));
      expect(keySwitchCount(plan)).toBe(best);
      expect(plan.giantSteps.length).toBe(Math.min(...candidates.filter((c) => keySwitchCount(c) === best).map((c) => c.giantSteps.length)));
      // the plan is consistent: groups cover the indices exactly, steps are the sorted non-zero offsets
      const rebuilt: number[] = [];
      for (const [g, bs] of plan.groups) for (const b of bs) rebuilt.push((((g * plan.babyStride + b) % SLOTS) + SLOTS) % SLOTS);
      expect(rebuilt.sort((a, b) => a - b)).toEqual([...ks].sort((a, b) => a - b));
      const babies = [...new Set([...plan.groups.values()].flat())].filter((b) => b !== 0).sort((a, b) => a - b);
      expect(plan.babySteps).toEqual(babies);
      expect(plan.giantSteps).toEqual([...plan.groups.keys()].filter((g) => g !== 0).map((g) => g * plan.babyStride).sort((a, b) => a - b));
    }
    // negative giant steps for indices just below the slot count
    expect(planBsgs([31], SLOTS, { babyStride: 4 }).giantSteps).toEqual([-4]);
    expect(planBsgs([16], SLOTS, { babyStride: 4 }).giantSteps).toEqual([16]);
    expect(planBsgs([17], SLOTS, { babyStride: 4 }).giantSteps).toEqual([-16]);
  });
  it('a dense matrix takes diagonal slots/2 as negative when that saves a giant step (slots/n1 groups, not slots/n1 + 1)', () => {
    const dense = Array.from({ length: SLOTS }, (_, k) => k);
    for (const n1 of [2, 4, 8]) {
      const plan = planBsgs(dense, SLOTS, { babyStride: n1 });
      // counted by hand: k = g·n1 + b covers slots indices with slots/n1 giant indices g, one of them 0
      expect(plan.groups.size).toBe(SLOTS / n1);
      expect(plan.giantSteps.length).toBe(SLOTS / n1 - 1);
      expect(plan.negativeFrom).toBe(SLOTS / 2);
      for (const [g, bs] of plan.groups) for (const b of bs) expect(b >= 0 && b < n1 && g >= -SLOTS / (2 * n1) && g < SLOTS / (2 * n1)).toBe(true);
    }
    // no saving: the usual convention (diagonal slots/2 stays positive)
    expect(planBsgs([0, SLOTS / 2], SLOTS, { babyStride: 4 }).giantSteps).toEqual([SLOTS / 2]);
    expect(planBsgs([0, SLOTS / 2], SLOTS, { babyStride: 4 }).negativeFrom).toBe(SLOTS / 2 + 1);
  });
});

describe('LinearTransform vs M·x (small insecure N = 2^6, 32 slots, Δ = 2^40)', () => {
  let F: Fixture;
  const all = Array.from({ length: SLOTS - 1 }, (_, i) => i + 1);
  beforeAll(() => {
    F = fixture({ logN: 6, logQ: [55, 40, 40], logP: [56, 56], logDefaultScale: 40 }, 7, all);
  });
  const cases: { name: string; m: DenseMatrix; inOffset?: number; outOffset?: number; realInput?: boolean }[] = [
    { name: 'dense complex 32×32', m: dense(32, 32, 21, true) },
    { name: 'dense real 32×32, real input', m: dense(32, 32, 22), realInput: true },
    { name: 'real 8×12 block at offsets 20 → 3', m: dense(8, 12, 23), inOffset: 20, outOffset: 3 },
    { name: 'complex 5×3 block at offsets 0 → 27', m: dense(5, 3, 24, true), inOffset: 0, outOffset: 27 },
    { name: 'identity (diagonal 0 only, no rotation)', m: { rows: 32, cols: 32, values: Float64Array.from({ length: 1024 }, (_, i) => (i % 33 === 0 ? 1 : 0)) } },
  ];
  for (const hoisting of ['single', 'double', 'mixed'] as const) {
    it(`${hoisting} hoisting: every case within 2^-20·(‖M‖ + 1), key switches as planned, scale and level restored`, () => {
      cases.forEach((c, idx) => {
        const lt = LinearTransform.create(F.encoder, matrixDiagonals(c.m, SLOTS, { inOffset: c.inOffset ?? 0, outOffset: c.outOffset ?? 0 }), { hoisting });
        expect(lt.hoisting).toBe(hoisting);
        expect([lt.level, lt.slots, lt.scale]).toEqual([F.ctx.maxLevel, SLOTS, Number(F.ctx.params.Q[F.ctx.maxLevel]!)]);
        const x = vec(SLOTS, 40 + idx, !c.realInput);
        const ct = F.encrypt(c.realInput ? x.re : x);
        const before = F.evaluator.keySwitchCounters.keySwitches;
        const raw = lt.evaluate(F.evaluator, ct);
        expect(F.evaluator.keySwitchCounters.keySwitches - before).toBe(keySwitchCount(lt.plan));
        expect(raw.scale).toBe(ct.scale * lt.scale);
        const y = F.evaluator.rescale(raw);
        expect(y.scale).toBe(ct.scale);
        expect(maxErr(F.decrypt(y), times(c.m, x, SLOTS, c.inOffset, c.outOffset)), c.name).toBeLessThan(2 ** -20 * (c.m.cols + 1));
      });
    });
  }
  it('a forced stride, a lower level and a custom scale give the same product', () => {
    const m = dense(32, 32, 31, true);
    const x = vec(SLOTS, 32);
    const want = times(m, x, SLOTS);
    for (const babyStride of [1, 32]) {
      const lt = LinearTransform.create(F.encoder, matrixDiagonals(m, SLOTS), { babyStride });
      expect(lt.plan.babyStride).toBe(babyStride);
      expect(maxErr(F.decrypt(F.evaluator.rescale(lt.evaluate(F.evaluator, F.encrypt(x)))), want)).toBeLessThan(2 ** -20 * 33);
    }
    for (const hoisting of ['single', 'double', 'mixed'] as const) {
      const lt = LinearTransform.create(F.encoder, matrixDiagonals(m, SLOTS), { level: 1, scale: 2 ** 30, hoisting });
      const ct = F.encrypt(x, 1);
      const raw = lt.evaluate(F.evaluator, ct);
      expect([raw.level, raw.scale]).toEqual([1, ct.scale * 2 ** 30]);
      expect(maxErr(F.decrypt(raw), want)).toBeLessThan(2 ** -18 * 33);
    }
  });
  it('refusals: level, slot count, missing keys, unknown hoisting, too many slots', () => {
    const d = matrixDiagonals(dense(4, 4, 41), SLOTS);
    const lt = LinearTransform.create(F.encoder, d, { level: 1 });
    expectCkksError(() => lt.evaluate(F.evaluator, F.encrypt(vec(SLOTS, 1))), 'LEVEL_MISMATCH');
    const small = LinearTransform.create(F.encoder, matrixDiagonals(dense(4, 4, 41), 16));
    expectCkksError(() => small.evaluate(F.evaluator, F.encrypt(vec(SLOTS, 1))), 'INCOMPATIBLE_PARAMETERS');
    expect(() => LinearTransform.create(F.encoder, d, { hoisting: 'triple' as 'double' })).toThrow(RangeError);
    expect(() => LinearTransform.create(F.encoder, matrixDiagonals(dense(4, 4, 41), 64))).toThrow(RangeError);
    expect(() => LinearTransform.create(F.encoder, { slots: SLOTS, diagonals: new Map([[SLOTS, new Float64Array(SLOTS)]]) })).toThrow(RangeError);
    const full = LinearTransform.create(F.encoder, d);
    const few = fixture({ logN: 6, logQ: [55, 40, 40], logP: [56, 56], logDefaultScale: 40 }, 7, full.rotationSteps().slice(1));
    expectCkksError(() => full.evaluate(few.evaluator, few.encrypt(vec(SLOTS, 1))), 'MISSING_KEY');
  });
  it('rotationSteps / rotationKeysFor: the sorted union of baby and giant steps', () => {
    const t1 = LinearTransform.create(F.encoder, matrixDiagonals(dense(32, 32, 51), SLOTS));
    const t2 = LinearTransform.create(F.encoder, { slots: SLOTS, diagonals: new Map([[31, new Float64Array(SLOTS).fill(1)], [3, new Float64Array(SLOTS).fill(1)]]) }, { babyStride: 2 });
    for (const t of [t1, t2]) expect(t.rotationSteps()).toEqual([...new Set([...t.plan.babySteps, ...t.plan.giantSteps])].sort((a, b) => a - b));
    expect(t2.rotationSteps()).toEqual([-2, 1, 2]);
    expect(rotationKeysFor([t1, t2])).toEqual([...new Set([...t1.rotationSteps(), ...t2.rotationSteps()])].sort((a, b) => a - b));
    expect(rotationKeysFor([])).toEqual([]);
  });
  it('mask multiplies slot-wise and keeps the scale; replicate copies the leading slots', () => {
    const x = vec(SLOTS, 61, false).re;
    const ct: Ciphertext = F.encrypt(x);
    const keep = Array.from({ length: 20 }, (_, i) => (i % 3 === 0 ? 0 : i / 10));
    const masked = mask(F.evaluator, F.encoder, ct, keep);
    expect([masked.scale, masked.level]).toEqual([ct.scale, ct.level - 1]);
    expect(maxErr(F.decrypt(masked), { re: x.map((v, i) => v * (keep[i] ?? 0)), im: new Float64Array(SLOTS) })).toBeLessThan(2 ** -20);
    expect(() => mask(F.evaluator, F.encoder, ct, new Array<number>(SLOTS + 1).fill(1))).toThrow(RangeError);
    const head = x.map((v, i) => (i < 4 ? v : 0));
    const r = replicate(F.evaluator, F.encrypt(head), 4, 8);
    expect(maxErr(F.decrypt(r), { re: x.map((_, i) => head[i % 4]!), im: new Float64Array(SLOTS) })).toBeLessThan(2 ** -20);
    expect(maxErr(F.decrypt(replicate(F.evaluator, F.encrypt(head), 4, 1)), { re: head, im: new Float64Array(SLOTS) })).toBeLessThan(2 ** -20);
    for (const [len, copies] of [[4, 3], [4, 0], [4, 16], [0, 2], [1.5, 2], [17, 2]] as const) {
      expect(() => replicate(F.evaluator, ct, len, copies)).toThrow(RangeError);
    }
    expect(replicate(F.evaluator, ct, 16, 2).level).toBe(ct.level);
  });
});

describe('applyDiagonalsPlain with complex diagonals (float64)', () => {
  it('equals M·x for complex maps and complex or real x', () => {
    const m = dense(16, 16, 71, true);
    const d: DiagonalMatrix = matrixDiagonals(m, 16);
    for (const complex of [true, false]) {
      const x = vec(16, 72, complex);
      const y = applyDiagonalsPlain(d, complex ? x : x.re);
      expect(maxErr(toComplex(y), times(m, x, 16))).toBeLessThan(1e-12);
    }
  });
});
