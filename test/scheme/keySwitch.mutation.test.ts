// Key switching and evaluator details that results alone do not show: the work counters (one decomposition and
// one key product per switch), the form and shape of the decomposed digits (their own limbs are d itself), the
// refusal of a ModDown-and-rescale at level 0, relinearize of a degree-1 ciphertext returning a copy, argument
// checks of dropLevels / dropPlaintextLevels / complex constants, and the rotation planner seeing keys added to the
// evaluator's map after a first plan. Small insecure parameters (N = 2^5, 16 slots); every value is checked
// against a float64 rotation or against limbs copied from the input.
import { beforeAll, describe, expect, it } from 'vitest';
import { CkksContext } from '../../src/ckks/scheme/context.js';
import { Decryptor, Encryptor } from '../../src/ckks/scheme/encryptor.js';
import { Encoder } from '../../src/ckks/scheme/encoder.js';
import { Evaluator } from '../../src/ckks/scheme/evaluator.js';
import { KeyGenerator } from '../../src/ckks/scheme/keyGenerator.js';
import { KeySwitcher } from '../../src/ckks/scheme/keySwitch.js';
import { dropPlaintextLevels } from '../../src/ckks/scheme/arithmetic.js';
import { type GaloisKey, type RelinearizationKey, type SecretKey, SwitchingKey, keyCompanions } from '../../src/ckks/scheme/keys.js';
import { Ciphertext } from '../../src/ckks/scheme/plaintext.js';
import { RnsPoly } from '../../src/ckks/ring/rnsPoly.js';
import { seededRandom } from '../../src/ckks/ring/randomSource.js';
import { expectCkksError } from '../support/expectCkksError.js';
import { maxError, randomReals, seed } from './helpers.js';

const SLOTS = 16;
const TOL = 2 ** -12;
const dropLevel = (c: Ciphertext): Ciphertext => new Evaluator(ctx).dropLevels(c, 1);
const rot = (v: Float64Array, k: number) => v.map((_, i) => v[(((i + k) % SLOTS) + SLOTS) % SLOTS]!);

let ctx: CkksContext;
let keygen: KeyGenerator;
let sk: SecretKey;
let rlk: RelinearizationKey;
let encoder: Encoder;
let decryptor: Decryptor;
let ct: Ciphertext;
const x = randomReals(SLOTS, 31);

beforeAll(() => {
  // dnum = 2 over three Q primes: digits {q0, q1} and {q2}
  ctx = new CkksContext({ logN: 5, logQ: [55, 40, 40], logP: [60, 60], logDefaultScale: 30, dnum: 2, insecure: true });
  const random = seededRandom(seed(77));
  keygen = new KeyGenerator(ctx, random);
  sk = keygen.secretKey();
  rlk = keygen.relinearizationKey(sk);
  encoder = new Encoder(ctx);
  decryptor = new Decryptor(ctx, sk);
  ct = new Encryptor(ctx, random).encryptSecret(encoder.encode(x), sk);
});

describe('KeySwitcher (N = 2^5, dnum = 2)', () => {
  it('counters start at zero; one decomposition per decompose, one key switch per key product', () => {
    const ks = new KeySwitcher(ctx);
    expect(ks.counters).toEqual({ decompositions: 0, keySwitches: 0 });
    const dec = ks.decompose(ct.parts[1]!);
    expect(ks.counters).toEqual({ decompositions: 1, keySwitches: 0 });
    ks.applyKey(dec, rlk);
    expect(ks.counters).toEqual({ decompositions: 1, keySwitches: 1 });
    ks.applyKeyExtended(dec, rlk);
    ks.switchKey(ct.parts[1]!, rlk);
    expect(ks.counters).toEqual({ decompositions: 2, keySwitches: 3 });
  });
  it('hoist: digits times 2^-64 with exact Shoup companions (BigInt), and key products with the same words as Montgomery', () => {
    const ks = new KeySwitcher(ctx);
    const dec = ks.decompose(ct.parts[1]!);
    const hoisted = ks.hoist(dec);
    expect(hoisted.digits).toBe(dec.digits);
    expect(ks.hoist(hoisted)).toBe(hoisted);
    const basis = ctx.levelBasisQP(dec.level);
    dec.digits.forEach((digit, j) => {
      for (let i = 0; i < basis.size; i++) {
        const q = basis.primes[i]!;
        const rInverse = (() => { let r = 1n; const R = (1n << 64n) % q; for (let e = q - 2n, b = R; e > 0n; e >>= 1n, b = (b * b) % q) if (e & 1n) r = (r * b) % q; return r; })();
        for (let n = 0; n < ctx.ringDegree; n++) {
          const w = hoisted.shoup!.scaled[j]!.limb(i)[n]!;
          expect(w).toBe((digit.limb(i)[n]! * rInverse) % q);
          expect(hoisted.shoup!.companions[j]!.limb(i)[n]).toBe((w << 64n) / q);
        }
      }
    });
    for (const key of [rlk, [...keygen.galoisKeys(sk, [3]).values()][0]!]) {
      const [m0, m1] = ks.applyKeyExtended(dec, key);
      const [s0, s1] = ks.applyKeyExtended(hoisted, key);
      expect([...s0.data]).toEqual([...m0.data]);
      expect([...s1.data]).toEqual([...m1.data]);
    }
  });

  it('a relinearisation key multiplies through its Shoup companions (exact, cached) with the same words as Montgomery', () => {
    const ks = new KeySwitcher(ctx);
    const companions = keyCompanions(rlk)!;
    expect(keyCompanions(rlk)).toBe(companions); // built once, kept with the key
    expect(keyCompanions([...keygen.galoisKeys(sk, [3]).values()][0]!)).toBeUndefined();
    rlk.b.forEach((p, j) => {
      for (const [words, c] of [[p, companions.b[j]!], [rlk.a[j]!, companions.a[j]!]] as const) {
        for (let l = 0; l < p.limbCount; l++) {
          const q = p.basis.primes[l]!;
          for (let n = 0; n < ctx.ringDegree; n++) expect(c.limb(l)[n]).toBe((words.limb(l)[n]! << 64n) / q);
        }
      }
    });
    // the same words as a plain SwitchingKey of the same parts (Montgomery products), at two levels
    const plain = new SwitchingKey(ctx, rlk.b, rlk.a, rlk.seed);
    for (const c of [ct, dropLevel(ct)]) {
      const dec = ks.decompose(c.parts[1]!);
      const [m0, m1] = ks.applyKeyExtended(dec, plain);
      const [s0, s1] = ks.applyKeyExtended(dec, rlk);
      expect([...s0.data]).toEqual([...m0.data]);
      expect([...s1.data]).toEqual([...m1.data]);
    }
  });

  it('digits are in evaluation form over Q_l ∪ P, and their own limbs are d itself', () => {
    const ks = new KeySwitcher(ctx);
    const d = ct.parts[1]!;
    const n = ctx.ringDegree;
    const dec = ks.decompose(d);
    expect(dec.level).toBe(2);
    expect(dec.digits.length).toBe(2);
    const ranges = [[0, 2], [2, 3]] as const;
    dec.digits.forEach((digit, j) => {
      expect(digit.form).toBe('evaluation');
      expect(digit.limbCount).toBe(3 + 2);
      const [start, end] = ranges[j]!;
      expect(Array.from(digit.data.subarray(start * n, end * n))).toEqual(Array.from(d.data.subarray(start * n, end * n)));
    });
  });
  it('modDownRescale refuses level 0 (DEPTH_EXHAUSTED) and maps level 1 over Q_1 ∪ P to Q_0', () => {
    const ks = new KeySwitcher(ctx);
    expectCkksError(() => ks.modDownRescale(new RnsPoly(ctx.levelBasisQP(0), 'evaluation'), 0), 'DEPTH_EXHAUSTED');
    const y = ks.modDownRescale(new RnsPoly(ctx.levelBasisQP(1), 'evaluation'), 1);
    expect(y.limbCount).toBe(1);
    expect(Array.from(y.data).every((w) => w === 0n)).toBe(true);
  });
  it('the evaluator exposes the same counters: a rotation is one decomposition and one key switch', () => {
    const ev = new Evaluator(ctx, { relinearizationKey: rlk, galoisKeys: keygen.galoisKeys(sk, [1]) });
    expect(ev.keySwitchCounters).toEqual({ decompositions: 0, keySwitches: 0 });
    ev.rotate(ct, 1);
    expect(ev.keySwitchCounters).toEqual({ decompositions: 1, keySwitches: 1 });
  });
});

describe('evaluator details', () => {
  it('relinearize of a degree-1 ciphertext returns a copy, not the input', () => {
    const ev = new Evaluator(ctx, { relinearizationKey: rlk });
    const r = ev.relinearize(ct);
    expect(r).not.toBe(ct);
    expect(r.parts[0]).not.toBe(ct.parts[0]);
    expect(Array.from(r.parts[0]!.data)).toEqual(Array.from(ct.parts[0]!.data));
  });
  it('a product into an output sharing a polynomial with an operand is RangeError', () => {
    const ev = new Evaluator(ctx, { relinearizationKey: rlk });
    const fresh = () => new RnsPoly(ct.parts[0]!.basis, 'evaluation');
    for (const shared of [ct.parts[0]!, ct.parts[1]!]) {
      expect(() => ev.mulNoRelin(ct, ct, new Ciphertext(ctx, [fresh(), shared, fresh()], 1, ct.slots))).toThrow(RangeError);
    }
    const ok = ev.mulNoRelin(ct, ct, new Ciphertext(ctx, [fresh(), fresh(), fresh()], 1, ct.slots));
    expect(Array.from(ok.parts[2]!.data)).toEqual(Array.from(ev.mulNoRelin(ct, ct).parts[2]!.data));
  });
  it('dropLevels: negative or fractional counts are RangeError; dropPlaintextLevels: the same and count > level', () => {
    const ev = new Evaluator(ctx);
    for (const c of [-1, 0.5, NaN]) expect(() => ev.dropLevels(ct, c)).toThrow(RangeError);
    const pt = encoder.encode(x);
    for (const c of [-1, 0.5, NaN, pt.level + 1]) expect(() => dropPlaintextLevels(ctx, pt, c)).toThrow(RangeError);
    const n = ctx.ringDegree;
    for (const c of [0, 1, pt.level]) {
      const low = dropPlaintextLevels(ctx, pt, c);
      expect([low.level, low.scale, low.slots]).toEqual([pt.level - c, pt.scale, pt.slots]);
      expect(Array.from(low.poly.data)).toEqual(Array.from(pt.poly.data.subarray(0, (pt.level - c + 1) * n)));
      expect(low.poly).not.toBe(pt.poly);
    }
  });
  it('complex constants with a non-finite part are TypeError (not a later scheme error)', () => {
    const ev = new Evaluator(ctx);
    for (const c of [{ re: 1, im: NaN }, { re: Infinity, im: 0 }, { re: 1 } as unknown as { re: number; im: number }]) {
      expect(() => ev.addConstant(ct, c)).toThrow(TypeError);
      expect(() => ev.mulConstant(ct, c)).toThrow(TypeError);
    }
  });
  it('a key added to the evaluator\'s map after a refused rotation is used by the next plan', () => {
    const keys = new Map<number, GaloisKey>(keygen.galoisKeys(sk, [2]));
    const ev = new Evaluator(ctx, { galoisKeys: keys });
    // only even rotations are reachable with the key for 2
    expectCkksError(() => ev.rotate(ct, 3), 'MISSING_KEY');
    expect(maxError(encoder.decode(decryptor.decrypt(ev.rotate(ct, 4))), rot(x, 4))).toBeLessThan(TOL);
    for (const [k, key] of keygen.galoisKeys(sk, [1])) keys.set(k, key);
    expect(maxError(encoder.decode(decryptor.decrypt(ev.rotate(ct, 3))), rot(x, 3))).toBeLessThan(TOL);
  });
});
