// Homomorphic linear transforms checked against float64 matrix–vector products computed HERE, with schoolbook
// loops, from the MATRIX (dense row-major arrays or sparse entry lists), never from the library's diagonals or
// `applyDiagonalsPlain`: a bug in the diagonal builders (e.g. a transpose), in the BSGS split, in the
// pre-rotation of the diagonals or in the encoding of complex diagonals shows up as an error of ≈ 0.1–10.
// All parameters are small and INSECURE (N = 2^10 and 2^13, `insecure: true`), for speed.
//
// Tolerance (one formula for every homomorphic test): ‖decrypt(M·enc(x)) − M·x‖_∞ ≤ (‖M‖_∞ + 1)·ε_N, with ‖M‖_∞
// the largest row 1-norm (|re| + |im| per entry), |Re x_j|, |Im x_j| ≤ 1, and ε_N = 2^-27 at N = 2^10, 2^-24 at
// N = 2^13 (Δ = 2^40). Reason: the output error is Σ_j M_ij·e_j for the input's encryption error e (per slot:
// measured ≤ 2^-29.5 at N = 2^10 and ≤ 2^-26.4 at N = 2^13, so ε_N is ≥ 5× that), plus a floor for the rounding
// of the diagonals (≤ n/q_ℓ relative: 2^-31 at n = 512, 2^-28 at 4096), key switching (P ≥ 2^56, negligible) and the rescale (≈ 2^-30).
// Measured errors sit 2^3.2–2^7.8 below the bound; planted bugs (transposed diagonals, wrong rotation signs, a
// dropped or conjugated imaginary part) exceed it by ≥ 2^20.
import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import {
  type DenseMatrix, type DiagonalMatrix, LinearTransform, applyDiagonalsPlain, cyclicMatrixDiagonals, keySwitchCount,
  mask, matrixDiagonals, mergeDiagonals, planBsgs, replicate, rotationKeysFor,
} from '../../src/ckks/circuits/linearTransform/index.js';
import { CkksError, type CkksErrorCode } from '../../src/ckks/errors.js';
import { CkksContext } from '../../src/ckks/scheme/context.js';
import { Encoder } from '../../src/ckks/scheme/encoder.js';
import { Decryptor, Encryptor } from '../../src/ckks/scheme/encryptor.js';
import { Evaluator } from '../../src/ckks/scheme/evaluator.js';
import { KeyGenerator } from '../../src/ckks/scheme/keyGenerator.js';
import type { GaloisKey } from '../../src/ckks/scheme/keys.js';
import type { ParametersLiteral } from '../../src/ckks/scheme/parameters.js';
import type { Ciphertext } from '../../src/ckks/scheme/plaintext.js';
import { seededRandom } from '../../src/ckks/ring/randomSource.js';
import { galoisElementForRotation } from '../../src/ckks/ring/automorphism.js';

// ------------------------------------------------------------ float64 reference, independent of the library

interface Complex { re: Float64Array; im: Float64Array }
/** A dense block (values + optional imag, row-major) reading slots [inOffset, +cols), writing [outOffset, +rows). */
interface Block { m: DenseMatrix; inOffset: number; outOffset: number }
/** A sparse matrix as entries (row, col, re, im) on `slots` slots. */
interface Sparse { slots: number; entries: [number, number, number, number][] }

/** y = Σ_b M_b·x[in_b …] placed at out_b: the schoolbook complex product. */
function blocksTimes(blocks: readonly Block[], x: Complex, slots: number): Complex {
  const y = { re: new Float64Array(slots), im: new Float64Array(slots) };
  for (const { m, inOffset, outOffset } of blocks) {
    for (let r = 0; r < m.rows; r++) {
      let sr = 0, si = 0;
      for (let c = 0; c < m.cols; c++) {
        const a = m.values[r * m.cols + c]!, b = m.imag?.[r * m.cols + c] ?? 0;
        const u = x.re[inOffset + c]!, v = x.im[inOffset + c]!;
        sr += a * u - b * v;
        si += a * v + b * u;
      }
      y.re[outOffset + r] = y.re[outOffset + r]! + sr;
      y.im[outOffset + r] = y.im[outOffset + r]! + si;
    }
  }
  return y;
}

function sparseTimes(s: Sparse, x: Complex): Complex {
  const y = { re: new Float64Array(s.slots), im: new Float64Array(s.slots) };
  for (const [r, c, a, b] of s.entries) {
    y.re[r] = y.re[r]! + a * x.re[c]! - b * x.im[c]!;
    y.im[r] = y.im[r]! + a * x.im[c]! + b * x.re[c]!;
  }
  return y;
}

/** Largest row 1-norm, counting |re| + |im| per entry. */
function rowNorm(slots: number, entries: Iterable<[number, number, number]>): number {
  const n = new Float64Array(slots);
  for (const [r, a, b] of entries) n[r] = n[r]! + Math.abs(a) + Math.abs(b);
  return Math.max(...n);
}
function* blockEntries(blocks: readonly Block[]): Generator<[number, number, number]> {
  for (const { m, outOffset } of blocks) {
    for (let r = 0; r < m.rows; r++) for (let c = 0; c < m.cols; c++) yield [outOffset + r, m.values[r * m.cols + c]!, m.imag?.[r * m.cols + c] ?? 0];
  }
}
const sparseEntries = (s: Sparse) => s.entries.map(([r, , a, b]): [number, number, number] => [r, a, b]);

/** The stated bound (see the header): (‖M‖_∞ + 1)·ε_N. */
const EPS = { 10: 2 ** -27, 13: 2 ** -24 } as const;
const tolerance = (norm: number, logN: 10 | 13) => (norm + 1) * EPS[logN];

function maxErr(got: Complex, want: Complex): number {
  let e = 0;
  for (let i = 0; i < want.re.length; i++) e = Math.max(e, Math.abs(got.re[i]! - want.re[i]!), Math.abs(got.im[i]! - want.im[i]!));
  return e;
}

/** Deterministic test data in [−1, 1] (xorshift32). */
function uniform(n: number, seed: number): Float64Array {
  const out = new Float64Array(n);
  let s = seed >>> 0 || 1;
  for (let i = 0; i < n; i++) {
    s ^= s << 13; s >>>= 0; s ^= s >>> 17; s ^= s << 5; s >>>= 0;
    out[i] = (s / 0xffffffff) * 2 - 1;
  }
  return out;
}
const realVector = (n: number, seed: number): Complex => ({ re: uniform(n, seed), im: new Float64Array(n) });
const complexVector = (n: number, seed: number): Complex => ({ re: uniform(n, seed), im: uniform(n, seed + 7919) });

/** A random rows × cols matrix with entries in [−1, 1] (complex: both parts). */
function randomDense(rows: number, cols: number, seed: number, complex = false): DenseMatrix {
  const values = uniform(rows * cols, seed);
  return complex ? { rows, cols, values, imag: uniform(rows * cols, seed + 1) } : { rows, cols, values };
}

/** Sparse → dense, the input format of the library's builders (the reference keeps using the entries). */
function sparseToDense(s: Sparse): DenseMatrix {
  const values = new Float64Array(s.slots * s.slots), imag = new Float64Array(s.slots * s.slots);
  for (const [r, c, a, b] of s.entries) {
    values[r * s.slots + c] = a;
    imag[r * s.slots + c] = b;
  }
  return s.entries.some((e) => e[3] !== 0) ? { rows: s.slots, cols: s.slots, values, imag } : { rows: s.slots, cols: s.slots, values };
}

/** Runs `f` once; FAILS if it returns normally, else checks that it threw a CkksError with `code`. */
function expectCkksError(f: () => unknown, code: CkksErrorCode): void {
  let error: unknown;
  let threw = false;
  try {
    f();
  } catch (e) {
    threw = true;
    error = e;
  }
  if (!threw) expect.fail(`expected a CkksError ${code}, but nothing was thrown`);
  expect(error).toBeInstanceOf(CkksError);
  expect((error as CkksError).code).toBe(code);
}

// ------------------------------------------------------------ keys: seeded, small insecure parameters

interface Keys {
  ctx: CkksContext;
  encoder: Encoder;
  /** An evaluator holding the Galois keys of exactly `steps` (generated on first use, then cached). */
  evaluator(steps: readonly number[]): Evaluator;
  encrypt(x: Complex, level?: number): Ciphertext;
  decrypt(ct: Ciphertext): Complex;
}

function setup(literal: ParametersLiteral, seed: number): Keys {
  const ctx = new CkksContext({ ...literal, insecure: true });
  const random = seededRandom(new Uint8Array(32).map((_, i) => (i < 4 ? (seed >>> (8 * i)) & 0xff : 0)));
  const keygen = new KeyGenerator(ctx, random);
  const sk = keygen.secretKey();
  const pk = keygen.publicKey(sk);
  const galois = new Map<number, GaloisKey>();
  const encoder = new Encoder(ctx), encryptor = new Encryptor(ctx, random), decryptor = new Decryptor(ctx, sk);
  return {
    ctx, encoder,
    evaluator: (steps) => {
      const wanted = new Set(steps.map((s) => galoisElementForRotation(s, ctx.ringDegree)));
      wanted.delete(1);
      for (const g of wanted) if (!galois.has(g)) galois.set(g, keygen.galoisKey(sk, g));
      return new Evaluator(ctx, { galoisKeys: new Map([...galois].filter(([g]) => wanted.has(g))) });
    },
    encrypt: (x, level) => encryptor.encryptPublic(encoder.encode(x, { level }), pk),
    decrypt: (ct) => encoder.decode(decryptor.decrypt(ct)),
  };
}

const SLOTS = 512;
const LIT: ParametersLiteral = { logN: 10, logQ: [55, 40, 40], logP: [56, 56], logDefaultScale: 40 };
const K = setup(LIT, 20261130);

const plannedSteps = (d: DiagonalMatrix) => {
  const p = planBsgs([...d.diagonals.keys()], d.slots);
  return [...p.babySteps, ...p.giantSteps];
};

// ------------------------------------------------------------ the matrices

interface Case {
  name: string;
  /** The library's diagonals, from the matrix through the public builders (or given as diagonals). */
  diagonals: DiagonalMatrix;
  /** M·x from the matrix itself. */
  reference(x: Complex): Complex;
  norm: number;
  complexInput: boolean;
}

function fromBlocks(name: string, blocks: Block[], complexInput = false, cyclic = false): Case {
  const diagonals = cyclic ? cyclicMatrixDiagonals(blocks[0]!.m) : mergeDiagonals(blocks.map((b) => matrixDiagonals(b.m, SLOTS, { inOffset: b.inOffset, outOffset: b.outOffset })));
  return { name, diagonals, reference: (x) => blocksTimes(blocks, x, SLOTS), norm: rowNorm(SLOTS, blockEntries(blocks)), complexInput };
}
function fromSparse(name: string, s: Sparse, complexInput = false): Case {
  return { name, diagonals: cyclicMatrixDiagonals(sparseToDense(s)), reference: (x) => sparseTimes(s, x), norm: rowNorm(SLOTS, sparseEntries(s)), complexInput };
}

/** `count` random positions of a 512×512 matrix with values in [−1, 1] (complex: both parts). */
function randomSparse(seed: number, count: number, complex: boolean): Sparse {
  const pos = uniform(2 * count, seed), val = uniform(2 * count, seed + 1);
  const entries = new Map<number, [number, number, number, number]>();
  for (let t = 0; t < count; t++) {
    const r = Math.floor((pos[2 * t]! * 0.5 + 0.5) * SLOTS) % SLOTS, c = Math.floor((pos[2 * t + 1]! * 0.5 + 0.5) * SLOTS) % SLOTS;
    entries.set(r * SLOTS + c, [r, c, val[2 * t]!, complex ? val[2 * t + 1]! : 0]);
  }
  return { slots: SLOTS, entries: [...entries.values()] };
}
/** The unitary DFT on all n slots, F[j][k] = e^{−2πi·jk/n}/√n (CoeffsToSlots is such a map, up to ordering). */
function dft(n: number): DenseMatrix {
  const values = new Float64Array(n * n), imag = new Float64Array(n * n);
  for (let j = 0; j < n; j++) {
    for (let k = 0; k < n; k++) {
      const t = (-2 * Math.PI * ((j * k) % n)) / n;
      values[j * n + k] = Math.cos(t) / Math.sqrt(n);
      imag[j * n + k] = Math.sin(t) / Math.sqrt(n);
    }
  }
  return { rows: n, cols: n, values, imag };
}
/** Complex diagonals given directly ({re, im}), and the matrix they stand for: M[i][(i + k) mod n] = d_k[i]. */
function complexDiagonalInput(): Case {
  const diagonals = new Map([0, 1, 5, 130, 511].map((k, t) => [k, { re: uniform(SLOTS, 300 + t), im: uniform(SLOTS, 400 + t) }]));
  const s: Sparse = { slots: SLOTS, entries: [] };
  for (const [k, d] of diagonals) for (let i = 0; i < SLOTS; i++) s.entries.push([i, (i + k) % SLOTS, d.re[i]!, d.im[i]!]);
  return {
    name: 'complex map given as 5 diagonals {re, im} (k = 0, 1, 5, 130, 511), complex x',
    diagonals: { slots: SLOTS, diagonals }, reference: (x) => sparseTimes(s, x), norm: rowNorm(SLOTS, sparseEntries(s)), complexInput: true,
  };
}

const identity: Sparse = { slots: SLOTS, entries: Array.from({ length: SLOTS }, (_, i) => [i, i, 1, 0]) };
/** y_i = x_{(i + 37) mod n}. */
const shift37: Sparse = { slots: SLOTS, entries: Array.from({ length: SLOTS }, (_, i) => [i, (i + 37) % SLOTS, 1, 0]) };

const CASES: Case[] = [
  fromSparse('identity 512×512', identity),
  fromSparse('cyclic permutation y_i = x_{i+37}', shift37),
  fromSparse('random sparse real 512×512 (800 entries)', randomSparse(3, 800, false)),
  fromBlocks('dense real 64×48 reading [100, 148), writing [300, 364)', [{ m: randomDense(64, 48, 4), inOffset: 100, outOffset: 300 }]),
  fromBlocks('dense real 24×40 reading [400, 440), writing [10, 34), complex x', [{ m: randomDense(24, 40, 5), inOffset: 400, outOffset: 10 }], true),
  fromBlocks('block-diagonal real, 4 blocks of 32×32', [0, 1, 2, 3].map((b) => ({ m: randomDense(32, 32, 10 + b), inOffset: 32 * b, outOffset: 32 * b }))),
  fromBlocks('dense complex 64×64 reading [0, 64), writing [200, 264), complex x', [{ m: randomDense(64, 64, 20, true), inOffset: 0, outOffset: 200 }], true),
  fromBlocks('dense complex 64×64 reading [64, 128), writing [0, 64), real x', [{ m: randomDense(64, 64, 22, true), inOffset: 64, outOffset: 0 }]),
  fromSparse('random sparse complex 512×512 (300 entries), complex x', randomSparse(24, 300, true), true),
  complexDiagonalInput(),
  fromBlocks('complex unitary DFT 512×512 (512 diagonals), complex x', [{ m: dft(SLOTS), inOffset: 0, outOffset: 0 }], true, true),
];

// ------------------------------------------------------------ tests

describe('diagonal builders vs the schoolbook product (float64, no encryption)', () => {
  it('matrixDiagonals + mergeDiagonals reproduce M·x for random real and complex blocks at random offsets (fast-check; error ≤ 1e-12: float64 sums of ≤ 36 terms of size ≤ 2)', () => {
    const block = fc.record({ rows: fc.integer({ min: 1, max: 12 }), cols: fc.integer({ min: 1, max: 12 }), seed: fc.nat(), a: fc.nat(), b: fc.nat() });
    fc.assert(fc.property(fc.array(block, { minLength: 1, maxLength: 3 }), fc.boolean(), fc.boolean(), (specs, complex, complexX) => {
      const n = 32;
      const blocks: Block[] = specs.map((s) => ({ m: randomDense(s.rows, s.cols, s.seed, complex), inOffset: s.a % (n - s.cols + 1), outOffset: s.b % (n - s.rows + 1) }));
      const x = complexX ? complexVector(n, 5) : realVector(n, 5);
      const d = mergeDiagonals(blocks.map((b) => matrixDiagonals(b.m, n, { inOffset: b.inOffset, outOffset: b.outOffset })));
      expect(maxErr(applyDiagonalsPlain(d, x), blocksTimes(blocks, x, n))).toBeLessThan(1e-12);
    }));
  });

  it('cyclicMatrixDiagonals reproduces M·x for random real and complex n×n matrices, n = 1 … 32 (fast-check; error ≤ 1e-12)', () => {
    fc.assert(fc.property(fc.integer({ min: 0, max: 5 }), fc.nat(), fc.boolean(), (logN, seed, complex) => {
      const n = 2 ** logN;
      const m = randomDense(n, n, seed, complex);
      const x = complexVector(n, seed + 3);
      expect(maxErr(applyDiagonalsPlain(cyclicMatrixDiagonals(m), x), blocksTimes([{ m, inOffset: 0, outOffset: 0 }], x, n))).toBeLessThan(1e-12);
    }));
  });

  it('a real matrix gives real diagonals and real products; a complex one complex diagonals', () => {
    const real = matrixDiagonals(randomDense(8, 8, 1), 16);
    expect([...real.diagonals.values()].every((d) => d instanceof Float64Array)).toBe(true);
    expect(applyDiagonalsPlain(real, uniform(16, 2))).toBeInstanceOf(Float64Array);
    const complex = matrixDiagonals(randomDense(8, 8, 1, true), 16);
    expect([...complex.diagonals.values()].every((d) => !(d instanceof Float64Array))).toBe(true);
    expect(mergeDiagonals([real, complex]).diagonals.size).toBe(15);
  });

  it('refuses malformed input (RangeError): wrong imag length, a block outside the slots, mixed slot counts, a complex diagonal with parts of different lengths', () => {
    expect(() => matrixDiagonals({ rows: 2, cols: 2, values: [1, 2, 3, 4], imag: [1, 2, 3] }, 4)).toThrow(/imag has 3 entries/);
    expect(() => matrixDiagonals({ rows: 2, cols: 2, values: [1, 2, 3, 4] }, 4, { inOffset: 3 })).toThrow(/does not fit in the slots/);
    expect(() => mergeDiagonals([matrixDiagonals(randomDense(2, 2, 1), 4), matrixDiagonals(randomDense(2, 2, 1), 8)])).toThrow(/different slot counts/);
    const badIm: DiagonalMatrix = { slots: 8, diagonals: new Map([[1, { re: new Float64Array(8), im: new Float64Array(4) }]]) };
    expect(() => applyDiagonalsPlain(badIm, uniform(8, 1))).toThrow(/length 8\/4, expected 8/);
    expect(() => LinearTransform.create(K.encoder, badIm)).toThrow(/length 8\/4, expected 8/);
  });
});

describe('BSGS planning', () => {
  it('dense 256×256 in 4096 slots has 511 diagonals and needs ≤ 2·⌈√511⌉ + 2 key switches', () => {
    const d = matrixDiagonals(randomDense(256, 256, 1), 4096);
    expect(d.diagonals.size).toBe(511);
    expect(keySwitchCount(planBsgs([...d.diagonals.keys()], 4096))).toBeLessThanOrEqual(2 * Math.ceil(Math.sqrt(511)) + 2);
  });
  it('every diagonal index is reconstructed exactly from its (giant, baby) split (fast-check)', () => {
    fc.assert(fc.property(fc.uniqueArray(fc.integer({ min: 0, max: 1023 }), { minLength: 1, maxLength: 60 }), (ks) => {
      const plan = planBsgs(ks, 1024);
      const rebuilt: number[] = [];
      for (const [g, bs] of plan.groups) for (const b of bs) rebuilt.push((((g * plan.babyStride + b) % 1024) + 1024) % 1024);
      expect(rebuilt.sort((a, b) => a - b)).toEqual([...ks].sort((a, b) => a - b));
    }));
  });
});

describe('LinearTransform vs M·x from the matrix (small insecure N = 2^10, 512 slots, Δ = 2^40)', () => {
  const evaluator = K.evaluator([...new Set(CASES.flatMap((c) => plannedSteps(c.diagonals)))]);
  for (const hoisting of ['single', 'double'] as const) {
    CASES.forEach((c, idx) => {
      it(`${c.name}, ${hoisting} hoisting [N = 2^10, insecure]: error ≤ (‖M‖_∞ + 1)·2^-27, key switches/decompositions as planned, scale restored`, () => {
        const lt = LinearTransform.create(K.encoder, c.diagonals, { level: 2, hoisting });
        const x = c.complexInput ? complexVector(SLOTS, 100 + idx) : realVector(SLOTS, 100 + idx);
        const ct = K.encrypt(x, 2);
        const before = { ...evaluator.keySwitchCounters };
        const y = evaluator.rescale(lt.evaluate(evaluator, ct));
        expect(evaluator.keySwitchCounters.keySwitches - before.keySwitches).toBe(keySwitchCount(lt.plan));
        // one decomposition shared by all baby steps, one per giant step
        expect(evaluator.keySwitchCounters.decompositions - before.decompositions).toBe((lt.plan.babySteps.length > 0 ? 1 : 0) + lt.plan.giantSteps.length);
        expect(y.scale).toBe(ct.scale);
        expect(y.level).toBe(1);
        expect(maxErr(K.decrypt(y), c.reference(x))).toBeLessThan(tolerance(c.norm, 10));
      });
    });
  }

  it('random complex blocks at random offsets, evaluated with exactly rotationSteps() keys [N = 2^10, insecure] (fast-check, 4 runs; error ≤ (‖M‖_∞ + 1)·2^-27)', () => {
    const spec = fc.record({ rows: fc.integer({ min: 1, max: 24 }), cols: fc.integer({ min: 1, max: 24 }), seed: fc.nat(), a: fc.nat(), b: fc.nat(), double: fc.boolean() });
    fc.assert(fc.property(spec, (s) => {
      const block: Block = { m: randomDense(s.rows, s.cols, s.seed, true), inOffset: s.a % (SLOTS - s.cols + 1), outOffset: s.b % (SLOTS - s.rows + 1) };
      const lt = LinearTransform.create(K.encoder, matrixDiagonals(block.m, SLOTS, { inOffset: block.inOffset, outOffset: block.outOffset }), { level: 2, hoisting: s.double ? 'double' : 'single' });
      const ev = K.evaluator(lt.rotationSteps());
      const x = complexVector(SLOTS, s.seed + 1);
      const y = K.decrypt(ev.rescale(lt.evaluate(ev, K.encrypt(x, 2))));
      expect(maxErr(y, blocksTimes([block], x, SLOTS))).toBeLessThan(tolerance(rowNorm(SLOTS, blockEntries([block])), 10));
    }), { numRuns: 4 });
  });

  it('key set: rotationSteps()/rotationKeysFor() is exactly what evaluation needs; dropping any one key gives MISSING_KEY [N = 2^10, insecure]', () => {
    const real: Block = { m: randomDense(16, 16, 41), inOffset: 0, outOffset: 0 };
    const cplx = CASES.find((c) => c.name.startsWith('complex map given as 5 diagonals'))!;
    const t1 = LinearTransform.create(K.encoder, matrixDiagonals(real.m, SLOTS), { level: 2 });
    const t2 = LinearTransform.create(K.encoder, cplx.diagonals, { level: 2, hoisting: 'single' });
    for (const t of [t1, t2]) expect(t.rotationSteps()).toEqual([...new Set([...t.plan.babySteps, ...t.plan.giantSteps])].sort((a, b) => a - b));
    const steps = rotationKeysFor([t1, t2]);
    expect(steps).toEqual([...new Set([...t1.rotationSteps(), ...t2.rotationSteps()])].sort((a, b) => a - b));
    const exact = K.evaluator(steps);
    const x = complexVector(SLOTS, 7);
    expect(maxErr(K.decrypt(exact.rescale(t1.evaluate(exact, K.encrypt(x, 2)))), blocksTimes([real], x, SLOTS))).toBeLessThan(tolerance(rowNorm(SLOTS, blockEntries([real])), 10));
    expect(maxErr(K.decrypt(exact.rescale(t2.evaluate(exact, K.encrypt(x, 2)))), cplx.reference(x))).toBeLessThan(tolerance(cplx.norm, 10));
    const ct = K.encrypt(x, 2);
    for (const drop of steps) {
      const partial = K.evaluator(steps.filter((s) => s !== drop));
      for (const t of [t1, t2]) {
        if (t.rotationSteps().includes(drop)) expectCkksError(() => t.evaluate(partial, ct), 'MISSING_KEY');
        else expect(t.evaluate(partial, ct).level).toBe(2);
      }
    }
  });

  it('refuses a wrong level (LEVEL_MISMATCH), a wrong slot count (INCOMPATIBLE_PARAMETERS) and an unknown hoisting mode (RangeError)', () => {
    const d = CASES[1]!.diagonals;
    const ev = K.evaluator(plannedSteps(d));
    expectCkksError(() => LinearTransform.create(K.encoder, d, { level: 1 }).evaluate(ev, K.encrypt(realVector(SLOTS, 1), 2)), 'LEVEL_MISMATCH');
    const small = LinearTransform.create(K.encoder, { slots: 256, diagonals: new Map([[1, new Float64Array(256).fill(1)]]) }, { level: 2 });
    expectCkksError(() => small.evaluate(K.evaluator([1]), K.encrypt(realVector(SLOTS, 1), 2)), 'INCOMPATIBLE_PARAMETERS');
    expect(() => LinearTransform.create(K.encoder, d, { hoisting: 'triple' as 'double' })).toThrow(/hoisting must be 'single' or 'double'/);
  });

  it('compact diagonals (float64 coefficients, encoded per use) give the same ciphertext words as encoded ones, and vs M·x [N = 2^10, insecure]', () => {
    for (const [idx, c] of CASES.entries()) {
      const full = LinearTransform.create(K.encoder, c.diagonals, { level: 2, hoisting: 'double' });
      const compact = LinearTransform.create(K.encoder, c.diagonals, { level: 2, hoisting: 'double', compact: true });
      const ev = K.evaluator(full.rotationSteps());
      const x = c.complexInput ? complexVector(SLOTS, 300 + idx) : realVector(SLOTS, 300 + idx);
      const ct = K.encrypt(x, 2);
      const a = full.evaluate(ev, ct), b = compact.evaluate(ev, ct);
      expect(b.parts.map((p) => Array.from(p.data))).toEqual(a.parts.map((p) => Array.from(p.data)));
      expect(maxErr(K.decrypt(ev.rescale(b)), c.reference(x))).toBeLessThan(tolerance(c.norm, 10));
    }
    expect(() => LinearTransform.create(K.encoder, CASES[0]!.diagonals, { level: 2, hoisting: 'single', compact: true })).toThrow(RangeError);
  });

  it('expectCkksError itself fails when nothing is thrown or the code differs', () => {
    expect(() => expectCkksError(() => 1, 'MISSING_KEY')).toThrow(/nothing was thrown/);
    expect(() => expectCkksError(() => { throw new CkksError('LEVEL_MISMATCH', 'x'); }, 'MISSING_KEY')).toThrow();
  });
});

describe('masking and replication (small insecure N = 2^10)', () => {
  it('mask keeps the chosen slots (error ≤ 2^-20: one fresh encryption + rescale, ≈ 2^-29); replicate copies the first 16 slots 8 times (≤ 2^-19: three additions of rotated copies)', () => {
    const ev = K.evaluator([-16, -32, -64]);
    const x = uniform(SLOTS, 9);
    const keep = Float64Array.from({ length: SLOTS }, (_, i) => (i < 16 ? 1 : 0));
    const m = mask(ev, K.encoder, K.encrypt({ re: x, im: new Float64Array(SLOTS) }), keep);
    expect(m.scale).toBe(2 ** 40);
    expect(maxErr(K.decrypt(m), { re: x.map((v, i) => (i < 16 ? v : 0)), im: new Float64Array(SLOTS) })).toBeLessThan(2 ** -20);
    const r = replicate(ev, m, 16, 8);
    expect(maxErr(K.decrypt(r), { re: x.map((_, i) => (i < 128 ? x[i % 16]! : 0)), im: new Float64Array(SLOTS) })).toBeLessThan(2 ** -19);
  });
});

describe('dense 256×256 block in 4096 slots (small insecure N = 2^13)', () => {
  it('single and double hoisting [N = 2^13, insecure]: error ≤ (‖M‖_∞ + 1)·2^-24 vs M·x, ≤ 2·⌈√511⌉ + 2 key switches', () => {
    const block: Block = { m: randomDense(256, 256, 31), inOffset: 0, outOffset: 0 };
    const d = matrixDiagonals(block.m, 4096);
    const K13 = setup({ logN: 13, logQ: [55, 40], logP: [56], logDefaultScale: 40 }, 12);
    const ev = K13.evaluator(plannedSteps(d));
    const x = realVector(4096, 13);
    const ct = K13.encrypt(x);
    const want = blocksTimes([block], x, 4096);
    for (const hoisting of ['single', 'double'] as const) {
      const lt = LinearTransform.create(K13.encoder, d, { level: 1, hoisting });
      const before = ev.keySwitchCounters.keySwitches;
      const y = ev.rescale(lt.evaluate(ev, ct));
      expect(ev.keySwitchCounters.keySwitches - before).toBe(keySwitchCount(lt.plan));
      expect(keySwitchCount(lt.plan)).toBeLessThanOrEqual(2 * Math.ceil(Math.sqrt(511)) + 2);
      expect(maxErr(K13.decrypt(y), want), hoisting).toBeLessThan(tolerance(rowNorm(4096, blockEntries([block])), 13));
    }
  });
});
